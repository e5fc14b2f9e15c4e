#include "core/json_path.hpp"

#include <algorithm>
#include <charconv>
#include <fmt/format.h>

namespace sluice::core {

namespace od = simdjson::ondemand;
using simdjson::error_code;

namespace {

bool is_name_char(char c) {
  return c != '.' && c != '[' && c != ']' && c != '"' && c != '\'' && c != ' ' && c != '\t';
}

// Parses a quoted key starting at text[*i] (a quote); moves *i past the quote.
bool parse_quoted(std::string_view text, size_t* i, std::string* out, std::string* why) {
  char quote = text[*i];
  ++*i;
  while (*i < text.size()) {
    char c = text[*i];
    if (c == quote) {
      ++*i;
      return true;
    }
    if (c == '\\' && *i + 1 < text.size()) {
      ++*i;
      c = text[*i];
      if (c == 'n') {
        c = '\n';
      } else if (c == 't') {
        c = '\t';
      }
    }
    out->push_back(c);
    ++*i;
  }
  *why = fmt::format("unterminated quoted key in path \"{}\"", text);
  return false;
}

bool parse_bracket(std::string_view text, size_t* i, PathStep* step, std::string* why) {
  ++*i; // '['
  if (*i < text.size() && (text[*i] == '"' || text[*i] == '\'')) {
    step->kind = PathStep::Kind::field;
    if (!parse_quoted(text, i, &step->name, why)) {
      return false;
    }
  } else if (*i < text.size() && text[*i] == '*') {
    step->kind = PathStep::Kind::every;
    ++*i;
  } else {
    size_t start = *i;
    while (*i < text.size() && text[*i] >= '0' && text[*i] <= '9') {
      ++*i;
    }
    auto res = std::from_chars(text.data() + start, text.data() + *i, step->index);
    if (start == *i || res.ec != std::errc()) {
      *why = fmt::format("expected an index, * or a quoted key after '[' in path \"{}\"", text);
      return false;
    }
    step->kind = PathStep::Kind::index;
  }
  if (*i >= text.size() || text[*i] != ']') {
    *why = fmt::format("missing ']' in path \"{}\"", text);
    return false;
  }
  ++*i;
  return true;
}

// On-Demand compares keys as written: "caf\u00e9" (Python's json.dumps writes non-ASCII
// keys so) never matches the name "café". Compare raw first, which copies nothing; when
// that misses, or the name has a backslash a raw key could fake, compare unescaped keys.
error_code find_field(od::object object, const std::string& name, od::value* out) {
  if (name.find('\\') == std::string::npos) {
    error_code e = object.find_field_unordered(name).get(*out);
    if (e != simdjson::NO_SUCH_FIELD) {
      return e;
    }
    bool has_fields = false;
    if ((e = object.reset().get(has_fields))) {
      return e;
    }
  }
  for (auto field : object) {
    std::string_view key;
    if (error_code e = field.unescaped_key().get(key)) {
      return e;
    }
    if (key == name) {
      return field.value().get(*out);
    }
  }
  return simdjson::NO_SUCH_FIELD;
}

error_code step_into(od::value current, const PathStep& step, od::value* out) {
  if (step.kind == PathStep::Kind::field) {
    od::object object;
    if (current.get_object().get(object) != simdjson::SUCCESS) {
      return simdjson::NO_SUCH_FIELD;
    }
    return find_field(object, step.name, out);
  }
  od::array array;
  if (current.get_array().get(array) != simdjson::SUCCESS) {
    return simdjson::NO_SUCH_FIELD;
  }
  error_code e = array.at(step.index).get(*out);
  return e == simdjson::INDEX_OUT_OF_BOUNDS ? simdjson::NO_SUCH_FIELD : e;
}

} // namespace

bool JsonPath::parse(std::string_view text, JsonPath* out, std::string* why) {
  out->m_text = std::string(text);
  out->m_steps.clear();
  size_t i = 0;
  if (!text.empty() && text[0] == '.') {
    ++i;
  }
  if (i >= text.size()) {
    *why = "empty path";
    return false;
  }
  bool need_name = true;
  while (i < text.size()) {
    PathStep step;
    char c = text[i];
    if (c == '[') {
      if (!parse_bracket(text, &i, &step, why)) {
        return false;
      }
      out->m_steps.push_back(std::move(step));
      need_name = false;
      continue;
    }
    if (c == '.' && !need_name) {
      ++i;
      need_name = true;
      continue;
    }
    size_t start = i;
    while (i < text.size() && is_name_char(text[i])) {
      ++i;
    }
    if (i == start || !need_name) {
      *why = fmt::format("unexpected '{}' at column {} of path \"{}\"", text[i], i + 1, text);
      return false;
    }
    step.name = std::string(text.substr(start, i - start));
    out->m_steps.push_back(std::move(step));
    need_name = false;
  }
  if (need_name) {
    *why = fmt::format("path \"{}\" ends with '.'", text);
    return false;
  }
  out->m_every = std::any_of(out->m_steps.begin(), out->m_steps.end(),
                             [](const PathStep& s) { return s.kind == PathStep::Kind::every; });
  return true;
}

const std::string& JsonPath::last_name() const {
  for (auto it = m_steps.rbegin(); it != m_steps.rend(); ++it) {
    if (it->kind == PathStep::Kind::field) {
      return it->name;
    }
  }
  return m_text;
}

error_code find_path(od::document& doc, const JsonPath& path, od::value* out) {
  doc.rewind();
  od::value current;
  error_code e = doc.get_value().get(current);
  if (e) {
    return e;
  }
  for (const auto& step : path.steps()) {
    if (step.kind == PathStep::Kind::every) {
      return simdjson::INVALID_JSON_POINTER;
    }
    od::value next;
    if ((e = step_into(current, step, &next))) {
      return e;
    }
    current = next;
  }
  *out = current;
  return simdjson::SUCCESS;
}

error_code raw_json(od::value value, std::string_view* out) {
  od::json_type type;
  if (error_code e = value.type().get(type)) {
    return e;
  }
  if (type == od::json_type::object) {
    od::object o;
    error_code e = value.get_object().get(o);
    return e ? e : o.raw_json().get(*out);
  }
  if (type == od::json_type::array) {
    od::array a;
    error_code e = value.get_array().get(a);
    return e ? e : a.raw_json().get(*out);
  }
  std::string_view token = value.raw_json_token();
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t' || token.back() == '\r' ||
                            token.back() == '\n')) {
    token.remove_suffix(1);
  }
  *out = token;
  return simdjson::SUCCESS;
}

} // namespace sluice::core
