#include "core/json_check.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace sluice::core {

namespace od = simdjson::ondemand;
using simdjson::error_code;

namespace {

// Deepest nesting accepted, counting the line's object as 1. On-Demand does not enforce a
// depth in release builds and check_value recurses: a line of a million '[' would overflow
// the stack. Below simdjson's limit, which its debug builds assert on every container.
constexpr size_t k_max_depth = simdjson::DEFAULT_MAX_DEPTH - 1;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Index of the closing quote of the string opening at s[i], or s.size() when it is cut off.
size_t skip_string(std::string_view s, size_t i) {
  for (++i; i < s.size() && s[i] != '"'; ++i) {
    if (s[i] == '\\') {
      ++i;
    }
  }
  return i;
}

} // namespace

bool too_deep(std::string_view line) {
  if (line.size() <= k_max_depth) {
    return false;
  }
  // Counting brackets is cheap and bounds the depth; walk the structure only when it must.
  size_t opens = 0;
  for (char c : line) {
    opens += static_cast<size_t>(c == '{' || c == '[');
  }
  if (opens <= k_max_depth) {
    return false;
  }
  size_t depth = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == '"') {
      i = skip_string(line, i);
    } else if (c == '{' || c == '[') {
      if (++depth > k_max_depth) {
        return true;
      }
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return false;
}

namespace {

// simdjson reports trailing content after the object as a cut-off object (the last
// structural character is not its '}') and a cut-off nested value as a bad structure:
// walk the brackets to say which it is. Returns nullptr when neither is sure.
const char* structure_reason(std::string_view line) {
  std::string open;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == '"') {
      i = skip_string(line, i);
    } else if (c == '{' || c == '[') {
      open.push_back(c);
    } else if (c == '}' || c == ']') {
      if (open.empty() || open.back() != (c == '}' ? '{' : '[')) {
        return nullptr;
      }
      open.pop_back();
      if (open.empty()) {
        bool trailing =
            !std::all_of(line.begin() + static_cast<ptrdiff_t>(i) + 1, line.end(), is_space);
        return trailing ? "trailing content after the object" : nullptr;
      }
    }
  }
  return open.empty() ? nullptr : "incomplete object (cut off)";
}

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
    // get_bool reports a bad literal (`tru`) as INCORRECT_TYPE, which reads "not a JSON object".
    bool b;
    return value.get_bool().get(b) ? simdjson::T_ATOM_ERROR : simdjson::SUCCESS;
  }
  case od::json_type::null: {
    bool is_null = false;
    return value.is_null().get(is_null) || !is_null ? simdjson::N_ATOM_ERROR : simdjson::SUCCESS;
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
  case simdjson::TRAILING_CONTENT: return "trailing content after the object";
  case simdjson::CAPACITY: return "line too large for the parser";
  default: return fmt::format("invalid JSON ({})", simdjson::error_message(code));
  }
}

std::string describe_object_error(error_code code, std::string_view line) {
  const char* reason = nullptr;
  if (code == simdjson::INCOMPLETE_ARRAY_OR_OBJECT || code == simdjson::TAPE_ERROR) {
    reason = structure_reason(line);
  }
  return reason != nullptr ? reason : describe_json_error(code);
}

bool check_document(od::document& doc, std::string_view line, CheckLevel level, LineShape* shape,
                    std::string* why) {
  if (too_deep(line)) {
    *why = describe_json_error(simdjson::DEPTH_ERROR);
    return false;
  }
  od::object object;
  error_code e = doc.get_object().get(object);
  size_t fields = 0;
  bool first_is_sluice = false;
  if (!e) {
    for (auto result : object) {
      od::field field;
      if ((e = std::move(result).get(field))) {
        break;
      }
      if (level == CheckLevel::object && fields > 0) {
        // Only the shape is checked here: the iterator made sure the key is a string,
        // and unescaping every key cost a third of a pass-through.
        ++fields;
        continue;
      }
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
    e = simdjson::TRAILING_CONTENT;
  }
  if (e) {
    *why = describe_object_error(e, line);
    return false;
  }
  shape->is_control = fields == 1 && first_is_sluice;
  return true;
}

bool JsonChecker::check(simdjson::padded_string_view line, CheckLevel level, LineShape* shape,
                        std::string* why) {
  if (level == CheckLevel::full) {
    return check_full(line, shape, why);
  }
  return check_walk(line, level, shape, why);
}

bool JsonChecker::check_walk(simdjson::padded_string_view line, CheckLevel level,
                             LineShape* shape, std::string* why) {
  od::document doc;
  if (error_code e = m_ondemand.iterate(line).get(doc)) {
    *why = describe_json_error(e);
    return false;
  }
  return check_document(doc, line, level, shape, why);
}

bool JsonChecker::check_full(simdjson::padded_string_view line, LineShape* shape,
                             std::string* why) {
  if (too_deep(line)) {
    *why = describe_json_error(simdjson::DEPTH_ERROR);
    return false;
  }
  simdjson::dom::element root;
  error_code dom_error = m_dom.parse(line.data(), line.size(), false).get(root);
  if (!dom_error) {
    simdjson::dom::object object;
    if (root.get(object)) {
      *why = describe_json_error(simdjson::INCORRECT_TYPE);
      return false;
    }
    shape->is_control = object.size() == 1 && object.begin().key() == "$sluice";
    return true;
  }
  // The walk names the reason; it decides alone only for numbers the DOM cannot hold.
  if (!check_walk(line, CheckLevel::full, shape, why)) {
    return false;
  }
  if (dom_error == simdjson::NUMBER_ERROR) {
    return true;
  }
  *why = describe_json_error(dom_error);
  return false;
}

} // namespace sluice::core
