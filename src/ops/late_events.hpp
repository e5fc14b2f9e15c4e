// LateEvents: what `sluice reorder` does with an event that arrives too late
// to be put in order (--late): emit it anyway (the default: nothing is lost
// unless the user says so), drop it, or write it to a dead-letter side file as
// {"source","line","reason","raw"} (the shape of --on-error dead letters).
// Every late event is counted; a warning is printed for the 1st, 10th, 100th…
// Not thread-safe; never throws except what the side output throws.
#pragma once

#include "core/line_reader.hpp"
#include "core/side_file.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace sluice::ops {

struct LatePolicy {
  enum class Mode { emit, drop, dead_letter };
  Mode mode = Mode::emit;
  std::string path; // dead_letter

  // Parses "emit", "drop" or "dead-letter:FILE".
  static bool parse(std::string_view text, LatePolicy* out, std::string* why);
};

class LateEvents {
 public:
  LateEvents(LatePolicy::Mode mode, core::SideOutput* dead_letters,
             std::function<void(const std::string&)> warn)
      : m_mode(mode), m_dead_letters(dead_letters), m_warn(std::move(warn)) {}

  // Handles a late event; true when the caller should still emit it.
  bool handle(const core::Line& line, const std::string& reason);
  uint64_t count() const { return m_count; }
  LatePolicy::Mode mode() const { return m_mode; }

 private:
  LatePolicy::Mode m_mode;
  core::SideOutput* m_dead_letters;
  std::function<void(const std::string&)> m_warn;
  uint64_t m_count = 0;
  std::string m_record;
};

} // namespace sluice::ops
