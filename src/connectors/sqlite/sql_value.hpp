// SqlValue: one JSON value as sink sqlite stores it, and its binding.
//
// JSON string -> TEXT (unescaped); integer fitting int64 -> INTEGER; a larger
// integer -> TEXT of its exact digits; other numbers -> REAL, or TEXT of the raw
// token when no double holds them (1e999); true/false -> INTEGER 1/0; null ->
// NULL; object or array -> TEXT of its JSON exactly as in the input.
// A SqlValue's text is a view: into the line, or into the parser's string
// buffer, valid until the document is rewound or the next one is parsed (use
// keep_text to own it). Pure functions; never throw.
#pragma once

#include "connectors/sqlite/db.hpp"

#include <cstdint>
#include <simdjson.h>
#include <string>
#include <string_view>

namespace sluice::connectors::sqlite {

enum class SqlType { null, integer, real, text };

struct SqlValue {
  SqlType type = SqlType::null;
  int64_t integer = 0;
  double real = 0;
  std::string_view text;
};

// Reads `value` (consuming it); false with a reason when it is not valid JSON.
bool read_sql_value(simdjson::ondemand::value value, SqlValue* out, std::string* why);

// Copies the text of `value` into `storage` and points the value at the copy.
void keep_text(SqlValue* value, std::string* storage);

// The declared type of a column created for a value of `type` ("" for null).
const char* declared_type(SqlType type);

// Binds `value` to parameter `index` (1-based); text is bound without a copy.
void bind_sql_value(Stmt& stmt, int index, const SqlValue& value);

} // namespace sluice::connectors::sqlite
