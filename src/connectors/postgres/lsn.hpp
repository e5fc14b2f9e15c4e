// Log sequence numbers: PostgreSQL's WAL positions, written "X/Y" (two hex
// halves of a 64-bit value, as pg_lsn prints them). Pure functions,
// thread-safe, never throw.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::connectors::postgres {

// False unless `text` is "X/Y" with 1 to 8 hex digits on each side.
bool parse_lsn(std::string_view text, uint64_t* out);

std::string format_lsn(uint64_t lsn);

// Appends format_lsn(lsn) to `out` without a temporary.
void append_lsn(std::string* out, uint64_t lsn);

} // namespace sluice::connectors::postgres
