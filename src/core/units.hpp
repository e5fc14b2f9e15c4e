// Parsing of durations and sizes given on the command line.
//
// Durations: a non-negative number with a unit, `250ms`, `2s`, `1.5s`, `10m`,
// `1h`, `1d` (also `us`); a bare `0` is zero. Sizes: bytes with an optional
// binary (`KiB`, `MiB`, `GiB`) or decimal (`k`/`KB`, `M`/`MB`, `G`/`GB`) suffix.
// Pure functions, thread-safe; failures return false with a reason.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::core {

bool parse_duration(std::string_view text, std::chrono::microseconds* out, std::string* why);
bool parse_size(std::string_view text, uint64_t* out, std::string* why);

// "1.5s", "250ms", "256MiB": the short human form used in messages and --help.
std::string format_duration(std::chrono::microseconds d);
std::string format_size(uint64_t bytes);

} // namespace sluice::core
