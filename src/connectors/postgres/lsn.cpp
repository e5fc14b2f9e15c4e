#include "connectors/postgres/lsn.hpp"

#include <charconv>
#include <fmt/format.h>

namespace sluice::connectors::postgres {

namespace {

bool parse_half(std::string_view text, uint32_t* out) {
  if (text.empty() || text.size() > 8) {
    return false;
  }
  auto res = std::from_chars(text.data(), text.data() + text.size(), *out, 16);
  return res.ec == std::errc() && res.ptr == text.data() + text.size();
}

} // namespace

bool parse_lsn(std::string_view text, uint64_t* out) {
  size_t slash = text.find('/');
  uint32_t hi = 0;
  uint32_t lo = 0;
  if (slash == std::string_view::npos || !parse_half(text.substr(0, slash), &hi) ||
      !parse_half(text.substr(slash + 1), &lo)) {
    return false;
  }
  *out = (static_cast<uint64_t>(hi) << 32) | lo;
  return true;
}

std::string format_lsn(uint64_t lsn) {
  std::string out;
  append_lsn(&out, lsn);
  return out;
}

void append_lsn(std::string* out, uint64_t lsn) {
  fmt::format_to(std::back_inserter(*out), "{:X}/{:X}", static_cast<uint32_t>(lsn >> 32),
                 static_cast<uint32_t>(lsn));
}

} // namespace sluice::connectors::postgres
