// The --on-error policy for bad data (DESIGN §5): fail (the default: exit 65
// with source, line and reason), skip (counted, the first few logged), or
// dead-letter:FILE (the raw line and the reason appended as NDJSON, fsynced by
// sync() before the next barrier goes on).
//
// BadData owns the dead-letter file. Not thread-safe. report() throws
// Error(data) under `fail`, Error(io) when the dead-letter file cannot be written.
#pragma once

#include "core/fd.hpp"
#include "core/log.hpp"
#include "core/stage_counters.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::core {

struct ErrorPolicy {
  enum class Mode { fail, skip, dead_letter };
  Mode mode = Mode::fail;
  std::string dead_letter_path;

  // Parses "fail", "skip" or "dead-letter:FILE".
  static bool parse(std::string_view text, ErrorPolicy* out, std::string* why);
};

class BadData {
 public:
  BadData(const ErrorPolicy& policy, const Log& log);

  // Applies the policy to one bad record of `source` (a file name, "stdin", a table),
  // counted in stage_counters() under `kind`.
  void report(std::string_view source, uint64_t line_number, std::string_view raw,
              std::string_view reason, BadKind kind = BadKind::source);
  // Makes dead letters written so far durable (call before forwarding a barrier).
  void sync();
  uint64_t count() const { return m_count; }

 private:
  ErrorPolicy m_policy;
  const Log& m_log;
  Fd m_file;
  bool m_unsynced = false;
  uint64_t m_count = 0;
};

} // namespace sluice::core
