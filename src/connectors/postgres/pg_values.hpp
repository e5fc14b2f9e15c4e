// ValueMapper: a PostgreSQL value in its text form (as pgoutput and text-mode
// queries send it) to JSON, losslessly (DESIGN §2, sluice-capture(1)):
// integers and numeric as JSON numbers with the digits PostgreSQL printed
// (NaN and ±Infinity as strings), booleans, json/jsonb embedded and minified,
// bytea as base64, arrays as JSON arrays, date/timestamp/timestamptz as
// RFC 3339 (timestamptz in UTC with "Z", timestamp without an offset; epoch
// milliseconds with epoch_ms), ±infinity and BC dates as their text, anything
// else as a JSON string of its text. The connection must print dates in ISO
// style with TimeZone UTC and bytea in hex (the captures set all three).
// Not thread-safe (it keeps scratch buffers); never throws except bad_alloc.
#pragma once

#include "connectors/postgres/pg_types.hpp"

#include <string>
#include <string_view>

namespace sluice::connectors::postgres {

struct ValueOptions {
  bool epoch_ms = false;     // --time-format epoch-ms
  bool check_utf8 = false;   // the database is not UTF8: text may be invalid UTF-8
};

class ValueMapper {
 public:
  ValueMapper(const TypeRegistry& types, ValueOptions options)
      : m_types(types), m_options(options) {}

  void set_options(ValueOptions options) { m_options = options; }

  // Appends the JSON of `text`, a value of type `type`. False with a reason when
  // the text is not what the type prints (or not UTF-8 with check_utf8); nothing
  // sensible was appended then.
  bool append(std::string* out, const TypeInfo& type, std::string_view text, std::string* why);

 private:
  bool append_scalar(std::string* out, const TypeInfo& type, std::string_view text,
                     std::string* why);
  bool append_array(std::string* out, const TypeInfo& type, std::string_view text,
                    std::string* why);
  bool append_json(std::string* out, std::string_view text, std::string* why);
  bool append_bytea(std::string* out, std::string_view text, std::string* why);
  bool append_time_value(std::string* out, TypeKind kind, std::string_view text);

  const TypeRegistry& m_types;
  ValueOptions m_options;
  std::string m_scratch;
};

// Epoch milliseconds of a PostgreSQL ISO date, timestamp or timestamptz text
// ("2024-11-24", "2024-11-24 12:34:56.789", "…+05:30"); false for infinity,
// BC dates and anything else.
bool pg_time_to_ms(std::string_view text, bool has_offset, int64_t* ms);
// The same in microseconds (PostgreSQL's own precision).
bool pg_time_to_us(std::string_view text, bool has_offset, int64_t* us);

// The RFC 3339 spelling of a timestamp or timestamptz text: "T" between date
// and time, "+00" as "Z", "+05" as "+05:00". Unchanged when it is not one
// (infinity, BC).
std::string rfc3339_of_pg(std::string_view text, bool has_offset);

} // namespace sluice::connectors::postgres
