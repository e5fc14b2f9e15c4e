#include "connectors/sqlite/sql_value.hpp"

#include "core/json_check.hpp"
#include "core/json_path.hpp"

#include <fmt/format.h>

namespace sluice::connectors::sqlite {

namespace od = simdjson::ondemand;

namespace {

bool read_number(od::value value, SqlValue* out, std::string* why) {
  std::string_view token;
  // Take the token first: get_number() fails on numbers beyond int64/double,
  // whose exact text is what we keep.
  if (core::raw_json(value, &token) != simdjson::SUCCESS) {
    *why = "invalid number";
    return false;
  }
  od::number number;
  if (value.get_number().get(number) == simdjson::SUCCESS) {
    if (number.is_int64()) {
      out->type = SqlType::integer;
      out->integer = number.get_int64();
    } else if (number.is_double()) {
      out->type = SqlType::real;
      out->real = number.get_double();
    } else {
      out->type = SqlType::text; // an unsigned integer beyond int64
      out->text = token;
    }
    return true;
  }
  if (!core::is_json_number(token)) {
    *why = fmt::format("invalid number {}", token);
    return false;
  }
  out->type = SqlType::text;
  out->text = token;
  return true;
}

bool read_scalar(od::value value, od::json_type type, SqlValue* out, std::string* why) {
  if (type == od::json_type::string) {
    out->type = SqlType::text;
    if (value.get_string().get(out->text) != simdjson::SUCCESS) {
      *why = "invalid string";
      return false;
    }
    return true;
  }
  if (type == od::json_type::boolean) {
    bool b = false;
    if (value.get_bool().get(b) != simdjson::SUCCESS) {
      *why = "invalid literal";
      return false;
    }
    out->type = SqlType::integer;
    out->integer = b ? 1 : 0;
    return true;
  }
  bool is_null = false;
  if (value.is_null().get(is_null) != simdjson::SUCCESS || !is_null) {
    *why = "invalid literal";
    return false;
  }
  out->type = SqlType::null;
  return true;
}

} // namespace

bool read_sql_value(od::value value, SqlValue* out, std::string* why) {
  od::json_type type;
  if (value.type().get(type) != simdjson::SUCCESS) {
    *why = "invalid value";
    return false;
  }
  if (type == od::json_type::number) {
    return read_number(value, out, why);
  }
  if (type == od::json_type::object || type == od::json_type::array) {
    out->type = SqlType::text;
    if (core::raw_json(value, &out->text) != simdjson::SUCCESS) {
      *why = "invalid JSON in an object or array";
      return false;
    }
    return true;
  }
  return read_scalar(value, type, out, why);
}

void keep_text(SqlValue* value, std::string* storage) {
  if (value->type == SqlType::text) {
    storage->assign(value->text);
    value->text = *storage;
  }
}

const char* declared_type(SqlType type) {
  switch (type) {
  case SqlType::integer:
    return "INTEGER";
  case SqlType::real:
    return "REAL";
  case SqlType::text:
    return "TEXT";
  case SqlType::null:
    break;
  }
  return "";
}

void bind_sql_value(Stmt& stmt, int index, const SqlValue& value) {
  switch (value.type) {
  case SqlType::integer:
    stmt.bind_int(index, value.integer);
    return;
  case SqlType::real:
    stmt.bind_double(index, value.real);
    return;
  case SqlType::text:
    stmt.bind_text(index, value.text);
    return;
  case SqlType::null:
    stmt.bind_null(index);
    return;
  }
}

} // namespace sluice::connectors::sqlite
