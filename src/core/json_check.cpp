#include "core/json_check.hpp"

#include <fmt/format.h>

namespace sluice::core {

namespace od = simdjson::ondemand;
using simdjson::error_code;

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

error_code check_value(od::value value);

error_code check_object(od::object object) {
  for (auto field : object) {
    std::string_view key;
    if (error_code e = field.unescaped_key().get(key)) {
      return e;
    }
    if (error_code e = check_value(field.value())) {
      return e;
    }
  }
  return simdjson::SUCCESS;
}

error_code check_array(od::array array) {
  for (auto element : array) {
    od::value v;
    if (error_code e = element.get(v)) {
      return e;
    }
    if (error_code e = check_value(v)) {
      return e;
    }
  }
  return simdjson::SUCCESS;
}

error_code check_value(od::value value) {
  od::json_type type;
  if (error_code e = value.type().get(type)) {
    return e;
  }
  switch (type) {
  case od::json_type::object: {
    od::object o;
    if (error_code e = value.get_object().get(o)) {
      return e;
    }
    return check_object(o);
  }
  case od::json_type::array: {
    od::array a;
    if (error_code e = value.get_array().get(a)) {
      return e;
    }
    return check_array(a);
  }
  case od::json_type::string: {
    std::string_view s;
    return value.get_string().get(s);
  }
  case od::json_type::number: {
    std::string_view token = value.raw_json_token();
    // raw_json_token runs to the next structural character: drop trailing spaces.
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t' || token.back() == '\n' ||
                              token.back() == '\r')) {
      token.remove_suffix(1);
    }
    return is_json_number(token) ? simdjson::SUCCESS : simdjson::NUMBER_ERROR;
  }
  case od::json_type::boolean: {
    bool b;
    return value.get_bool().get(b);
  }
  case od::json_type::null: {
    bool is_null = false;
    if (error_code e = value.is_null().get(is_null)) {
      return e;
    }
    return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
  }
  }
  return simdjson::TAPE_ERROR;
}

} // namespace

bool is_json_number(std::string_view t) {
  size_t i = 0;
  if (i < t.size() && t[i] == '-') {
    ++i;
  }
  if (i >= t.size() || !is_digit(t[i])) {
    return false;
  }
  if (t[i] == '0') {
    ++i;
  } else {
    while (i < t.size() && is_digit(t[i])) {
      ++i;
    }
  }
  if (i < t.size() && t[i] == '.') {
    ++i;
    if (i >= t.size() || !is_digit(t[i])) {
      return false;
    }
    while (i < t.size() && is_digit(t[i])) {
      ++i;
    }
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) {
      ++i;
    }
    if (i >= t.size() || !is_digit(t[i])) {
      return false;
    }
    while (i < t.size() && is_digit(t[i])) {
      ++i;
    }
  }
  return i == t.size();
}

std::string describe_json_error(error_code code) {
  switch (code) {
  case simdjson::UTF8_ERROR: return "invalid UTF-8";
  case simdjson::DEPTH_ERROR: return "nesting too deep";
  case simdjson::UNCLOSED_STRING: return "unterminated string";
  case simdjson::STRING_ERROR: return "invalid string (bad escape or control character)";
  case simdjson::UNESCAPED_CHARS: return "unescaped control character in a string";
  case simdjson::NUMBER_ERROR: return "invalid number";
  case simdjson::T_ATOM_ERROR:
  case simdjson::F_ATOM_ERROR:
  case simdjson::N_ATOM_ERROR: return "invalid literal";
  case simdjson::INCORRECT_TYPE: return "not a JSON object";
  case simdjson::INCOMPLETE_ARRAY_OR_OBJECT: return "incomplete object (cut off)";
  case simdjson::EMPTY: return "empty line";
  case simdjson::CAPACITY: return "line too large for the parser";
  default: return fmt::format("invalid JSON ({})", simdjson::error_message(code));
  }
}

bool check_document(od::document& doc, CheckLevel level, LineShape* shape, std::string* why) {
  od::object object;
  error_code e = doc.get_object().get(object);
  size_t fields = 0;
  bool first_is_sluice = false;
  if (!e) {
    for (auto field : object) {
      std::string_view key;
      if ((e = field.unescaped_key().get(key))) {
        break;
      }
      if (fields++ == 0) {
        first_is_sluice = key == "$sluice";
      }
      if (level == CheckLevel::full && (e = check_value(field.value()))) {
        break;
      }
    }
  }
  if (!e && doc.current_location().error() == simdjson::SUCCESS) {
    *why = "trailing content after the object";
    return false;
  }
  if (e) {
    *why = describe_json_error(e);
    return false;
  }
  shape->is_control = fields == 1 && first_is_sluice;
  return true;
}

bool check_json_line(od::parser& parser, simdjson::padded_string_view line, CheckLevel level,
                     LineShape* shape, std::string* why) {
  od::document doc;
  if (error_code e = parser.iterate(line).get(doc)) {
    *why = describe_json_error(e);
    return false;
  }
  return check_document(doc, level, shape, why);
}

} // namespace sluice::core
