// Event time (DESIGN §2): the value of an event-time field (`--time PATH`, `ts`)
// as epoch milliseconds. Numbers are epoch seconds, milliseconds, microseconds
// or nanoseconds, told apart by magnitude (below 1e11 seconds, below 1e14
// milliseconds, below 1e17 microseconds, else nanoseconds; fractions kept to
// the millisecond). Strings are RFC 3339 timestamps ("2024-11-24T00:00:00Z",
// "…T01:00:00.250+01:00"; a space may stand for T; no offset means UTC).
// Pure functions, thread-safe; never throw.
#pragma once

#include <cstdint>
#include <simdjson.h>
#include <string>
#include <string_view>

namespace sluice::core {

// False when the number cannot be a time (not finite, or out of range).
bool event_time_from_number(double value, int64_t* ms);
bool event_time_from_integer(int64_t value, int64_t* ms);
// False with a reason when `text` is not an RFC 3339 timestamp.
bool event_time_from_string(std::string_view text, int64_t* ms, std::string* why);
// Reads an On-Demand value (number or string); false with a reason otherwise.
bool event_time_of(simdjson::ondemand::value value, int64_t* ms, std::string* why);

} // namespace sluice::core
