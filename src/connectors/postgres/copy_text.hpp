// Values of `sink postgres` as fields of COPY's text format, in the spelling
// the target column's input function reads (DESIGN §2 in reverse):
// null as \N; json/jsonb columns take the JSON text of any value; array
// columns take a JSON array as an array literal; bytea columns take a base64
// string as bytes; timestamp, timestamptz and date columns take epoch numbers
// (seconds, milliseconds or microseconds by magnitude) as times; every other
// value goes as its text (strings unescaped, numbers as their exact digits,
// objects and arrays as JSON). Pure functions, thread-safe; never throw
// except bad_alloc.
#pragma once

#include "connectors/postgres/sink_event.hpp"

#include <string>

namespace sluice::connectors::postgres {

// How a target column reads a value.
enum class ColumnClass { plain, json, array, bytea, time };

// The text the column's input function reads for `v` (v must not be null).
void append_pg_text(std::string* out, const SinkValue& v, ColumnClass column);

// Appends `text` escaped for COPY's text format (backslash, newline, CR, tab).
void append_copy_escaped(std::string* out, std::string_view text);

// One COPY field: \N for null, else the escaped pg text.
void append_copy_field(std::string* out, const SinkValue& v, ColumnClass column,
                       std::string* scratch);

// A JSON array's text as a PostgreSQL array literal; false when it is not one.
bool json_array_to_pg(std::string_view json, std::string* out);

} // namespace sluice::connectors::postgres
