#include "core/log.hpp"

#include <cstdio>

namespace sluice::core {

void Log::print(const char* level, const std::string& message) const {
  // One write per message so lines of concurrent stages do not interleave.
  std::string line = fmt::format("sluice {}: {}{}\n", m_stage, level, message);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

} // namespace sluice::core
