// Reading the fields an operator keys on (DESIGN §2): identities (dedupe
// --key, reorder --partition) as canonical bytes, event times (--time) and
// sequence numbers (reorder --seq).
//
// Canonical bytes make equal values equal whatever their spelling: a string is
// compared unescaped ("\u0061" is "a"), an object or array by its minified
// text (so whitespace does not matter, but key order does), a number by its
// text (7 and 7.0 differ); a type tag keeps "7" apart from 7. Failures are
// values: false with a reason that names the field and the flag. Pure
// functions; thread-safe; never throw except bad_alloc.
#pragma once

#include "core/json_path.hpp"

#include <cstdint>
#include <simdjson.h>
#include <string>
#include <string_view>

namespace sluice::ops {

// Appends the canonical bytes of the value at `path` to *out.
bool append_canonical(simdjson::ondemand::document& doc, const core::JsonPath& path,
                      std::string_view flag, std::string* out, std::string* why);

// The event time at `path` in epoch milliseconds (core/event_time.hpp).
bool read_event_time(simdjson::ondemand::document& doc, const core::JsonPath& path,
                     std::string_view flag, int64_t* ms, std::string* why);

// An integer at `path` (a sequence number).
bool read_integer(simdjson::ondemand::document& doc, const core::JsonPath& path,
                  std::string_view flag, int64_t* value, std::string* why);

} // namespace sluice::ops
