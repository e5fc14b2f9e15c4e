#include "expr/value.hpp"

#include "core/event_time.hpp"
#include "core/json_check.hpp"
#include "core/json_writer.hpp"

#include <algorithm>

namespace sluice::expr {

namespace od = simdjson::ondemand;

std::string &Scratch::string() {
  if (m_strings_used == m_strings.size()) {
    m_strings.emplace_back();
  }
  std::string &s = m_strings[m_strings_used++];
  s.clear();
  return s;
}

std::vector<Value> &Scratch::list() {
  if (m_lists_used == m_lists.size()) {
    m_lists.emplace_back();
  }
  std::vector<Value> &l = m_lists[m_lists_used++];
  l.clear();
  return l;
}

const char *type_name(Type t) {
  switch (t) {
  case Type::null:
    return "null";
  case Type::boolean:
    return "boolean";
  case Type::number:
    return "number";
  case Type::string:
    return "string";
  case Type::array:
    return "array";
  case Type::object:
    return "object";
  case Type::list:
    return "list";
  case Type::time:
    return "time";
  case Type::duration:
    return "duration";
  }
  return "value";
}

namespace {

bool unescape_string(std::string_view json, Scratch &scratch, std::string_view *out,
                     std::string *why) {
  // Rare (a string with escapes): let simdjson decode it from a padded copy.
  std::string &text = scratch.string();
  simdjson::padded_string padded(json);
  od::parser parser;
  od::document doc;
  std::string_view s;
  simdjson::error_code e = parser.iterate(padded).get(doc);
  e = e ? e : doc.get_string().get(s);
  if (e) {
    *why = "invalid string (bad escape)";
    return false;
  }
  text.assign(s);
  *out = text;
  return true;
}

} // namespace

bool to_time(const Value &v, int64_t *ms) {
  std::string why;
  switch (v.type) {
  case Type::time:
    *ms = v.ms;
    return true;
  case Type::number: {
    int64_t i = 0;
    if (v.number.kind == Number::Kind::integer) {
      return core::event_time_from_integer(v.number.integer, ms);
    }
    if (to_integer(v.number, &i) && v.number.kind != Number::Kind::real) {
      return core::event_time_from_integer(i, ms);
    }
    return core::event_time_from_number(to_double(v.number), ms);
  }
  case Type::string:
    return core::event_time_from_string(v.text, ms, &why);
  default:
    return false;
  }
}

namespace {

bool is_container(Type t) {
  return t == Type::array || t == Type::object || t == Type::list;
}

// Appends a canonical text of a JSON value, the same for equal values: numbers
// by their exact decimal value (never through a double), strings re-escaped,
// object members sorted by key.
simdjson::error_code append_canonical(od::value v, std::string *out) {
  od::json_type type;
  if (auto e = v.type().get(type)) {
    return e;
  }
  switch (type) {
  case od::json_type::object: {
    od::object o;
    if (auto e = v.get_object().get(o)) {
      return e;
    }
    std::vector<std::pair<std::string, std::string>> members;
    for (auto field : o) {
      od::field f;
      std::string_view key;
      if (auto e = std::move(field).get(f)) {
        return e;
      }
      if (auto e = f.unescaped_key().get(key)) {
        return e;
      }
      members.emplace_back(std::string(key), std::string());
      if (auto e = append_canonical(f.value(), &members.back().second)) {
        return e;
      }
    }
    std::sort(members.begin(), members.end());
    out->push_back('{');
    for (size_t i = 0; i < members.size(); ++i) {
      out->append(i > 0 ? "," : "");
      core::append_json_string(out, members[i].first);
      out->push_back(':');
      out->append(members[i].second);
    }
    out->push_back('}');
    return simdjson::SUCCESS;
  }
  case od::json_type::array: {
    od::array a;
    if (auto e = v.get_array().get(a)) {
      return e;
    }
    out->push_back('[');
    bool first = true;
    for (auto element : a) {
      od::value ev;
      if (auto e = std::move(element).get(ev)) {
        return e;
      }
      out->append(first ? "" : ",");
      first = false;
      if (auto e = append_canonical(ev, out)) {
        return e;
      }
    }
    out->push_back(']');
    return simdjson::SUCCESS;
  }
  case od::json_type::string: {
    std::string_view s;
    if (auto e = v.get_string().get(s)) {
      return e;
    }
    core::append_json_string(out, s);
    return simdjson::SUCCESS;
  }
  case od::json_type::number: {
    std::string_view token = v.raw_json_token();
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t' ||
                              token.back() == '\n' || token.back() == '\r')) {
      token.remove_suffix(1);
    }
    if (!core::is_json_number(token)) {
      return simdjson::NUMBER_ERROR;
    }
    append_canonical_number(out, token);
    return simdjson::SUCCESS;
  }
  case od::json_type::boolean: {
    bool b = false;
    if (auto e = v.get_bool().get(b)) {
      return e;
    }
    out->append(b ? "true" : "false");
    return simdjson::SUCCESS;
  }
  case od::json_type::null: {
    bool is_null = false;
    if (auto e = v.is_null().get(is_null)) {
      return e;
    }
    if (!is_null) {
      return simdjson::N_ATOM_ERROR;
    }
    out->append("null");
    return simdjson::SUCCESS;
  }
  }
  return simdjson::INCORRECT_TYPE;
}

bool canonical_json(const std::string &json, std::string *out) {
  simdjson::padded_string padded(json);
  od::parser parser;
  od::document doc;
  od::value v;
  if (parser.iterate(padded).get(doc) || doc.get_value().get(v)) {
    return false;
  }
  return append_canonical(v, out) == simdjson::SUCCESS;
}

// Arrays, objects and lists compare as JSON values: objects regardless of key
// order, numbers exactly by value.
bool containers_equal(const Value &a, const Value &b) {
  std::string ja;
  std::string jb;
  append_json(&ja, a);
  append_json(&jb, b);
  if (ja == jb) {
    return true;
  }
  std::string ca;
  std::string cb;
  return canonical_json(ja, &ca) && canonical_json(jb, &cb) && ca == cb;
}

template <class T> bool ordered(Order op, const T &a, const T &b) {
  switch (op) {
  case Order::less:
    return a < b;
  case Order::less_equal:
    return !(b < a);
  case Order::greater:
    return b < a;
  case Order::greater_equal:
    return !(a < b);
  }
  return false;
}

} // namespace

bool value_from_json(std::string_view json, od::json_type type, Scratch &scratch, Value *out,
                     std::string *why) {
  Value v;
  switch (type) {
  case od::json_type::string:
    v.type = Type::string;
    v.raw = json;
    if (json.find('\\') == std::string_view::npos) {
      v.text = json.substr(1, json.size() - 2);
    } else if (!unescape_string(json, scratch, &v.text, why)) {
      return false;
    }
    break;
  case od::json_type::number:
    v.type = Type::number;
    if (!number_from_json(json, &v.number)) {
      *why = "invalid number";
      return false;
    }
    break;
  case od::json_type::boolean:
    v.type = Type::boolean;
    v.boolean = json == "true";
    break;
  case od::json_type::null:
    break;
  case od::json_type::object:
    v.type = Type::object;
    v.text = json;
    break;
  case od::json_type::array:
    v.type = Type::array;
    v.text = json;
    break;
  }
  *out = v;
  return true;
}

bool is_truthy(const Value &v) {
  return !(v.type == Type::null || (v.type == Type::boolean && !v.boolean));
}

bool values_equal(const Value &a, const Value &b) {
  if (a.type == Type::null || b.type == Type::null) {
    return a.type == b.type;
  }
  if (a.type == Type::time || b.type == Type::time) {
    int64_t x = 0;
    int64_t y = 0;
    return to_time(a, &x) && to_time(b, &y) && x == y;
  }
  if (is_container(a.type) && is_container(b.type)) {
    return containers_equal(a, b);
  }
  if (a.type != b.type) {
    return false;
  }
  switch (a.type) {
  case Type::boolean:
    return a.boolean == b.boolean;
  case Type::number:
    return compare_numbers(a.number, b.number) == 0;
  case Type::string:
    return a.text == b.text;
  case Type::duration:
    return a.us == b.us;
  default:
    return false;
  }
}

bool values_ordered(Order op, const Value &a, const Value &b) {
  if (a.type == Type::null || b.type == Type::null) {
    return false;
  }
  if (a.type == Type::time || b.type == Type::time) {
    int64_t x = 0;
    int64_t y = 0;
    return to_time(a, &x) && to_time(b, &y) && ordered(op, x, y);
  }
  if (a.type != b.type) {
    return false;
  }
  switch (a.type) {
  case Type::number:
    return ordered(op, compare_numbers(a.number, b.number), 0);
  case Type::string:
    return ordered(op, a.text, b.text);
  case Type::boolean:
    return ordered(op, a.boolean, b.boolean);
  case Type::duration:
    return ordered(op, a.us, b.us);
  default:
    return false;
  }
}

void append_json(std::string *out, const Value &v) {
  switch (v.type) {
  case Type::null:
    out->append("null");
    return;
  case Type::boolean:
    out->append(v.boolean ? "true" : "false");
    return;
  case Type::number:
    append_number(out, v.number);
    return;
  case Type::string:
    if (!v.raw.empty()) {
      out->append(v.raw);
    } else {
      core::append_json_string(out, v.text);
    }
    return;
  case Type::array:
  case Type::object:
    out->append(v.text);
    return;
  case Type::list:
    out->push_back('[');
    for (size_t i = 0; i < v.list->size(); ++i) {
      if (i > 0) {
        out->push_back(',');
      }
      append_json(out, (*v.list)[i]);
    }
    out->push_back(']');
    return;
  case Type::time:
    append_number(out, Number::of(v.ms));
    return;
  case Type::duration:
    if (v.us % 1000 == 0) {
      append_number(out, Number::of(v.us / 1000));
    } else {
      append_number(out, Number::of(static_cast<double>(v.us) / 1000.0));
    }
    return;
  }
}

void append_text(std::string *out, const Value &v) {
  if (v.type == Type::string) {
    out->append(v.text);
    return;
  }
  append_json(out, v);
}

} // namespace sluice::expr
