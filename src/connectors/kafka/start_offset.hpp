// StartOffset: where `capture kafka -o` starts a partition that has no stored
// or committed offset: beginning, end, OFFSET, -N (N before the end) or
// @TIMESTAMP_MS (the first message at or after that time).
// Plain value; thread-safe; never throws (bad_alloc aside).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::connectors::kafka {

struct StartOffset {
  enum class Kind { beginning, end, offset, tail, timestamp };
  Kind kind = Kind::beginning;
  int64_t value = 0; // the offset, N, or the epoch ms

  // False with a reason when `text` is none of the forms.
  static bool parse(std::string_view text, StartOffset* out, std::string* why);
  // True for the forms that depend on when the capture starts (end, -N, @TS):
  // the capture turns them into an offset at once, so a restart resumes there.
  bool is_moving() const {
    return kind == Kind::end || kind == Kind::tail || kind == Kind::timestamp;
  }
  std::string text() const;
};

} // namespace sluice::connectors::kafka
