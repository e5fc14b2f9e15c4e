#include "expr/value.hpp"

#include "core/event_time.hpp"
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

bool dom_equal(simdjson::dom::element a, simdjson::dom::element b) {
  using simdjson::dom::element_type;
  element_type ta = a.type();
  element_type tb = b.type();
  bool a_num =
      ta == element_type::INT64 || ta == element_type::UINT64 || ta == element_type::DOUBLE;
  bool b_num =
      tb == element_type::INT64 || tb == element_type::UINT64 || tb == element_type::DOUBLE;
  if (a_num && b_num) {
    return simdjson::to_string(a) == simdjson::to_string(b) ||
           double(a.get_double().value_unsafe()) == double(b.get_double().value_unsafe());
  }
  if (ta != tb) {
    return false;
  }
  switch (ta) {
  case element_type::ARRAY: {
    auto x = a.get_array().value_unsafe();
    auto y = b.get_array().value_unsafe();
    if (x.size() != y.size()) {
      return false;
    }
    for (auto i = x.begin(), j = y.begin(); i != x.end(); ++i, ++j) {
      if (!dom_equal(*i, *j)) {
        return false;
      }
    }
    return true;
  }
  case element_type::OBJECT: {
    auto x = a.get_object().value_unsafe();
    auto y = b.get_object().value_unsafe();
    if (x.size() != y.size()) {
      return false;
    }
    for (auto field : x) {
      simdjson::dom::element other;
      if (y.at_key(field.key).get(other) || !dom_equal(field.value, other)) {
        return false;
      }
    }
    return true;
  }
  case element_type::STRING:
    return a.get_string().value_unsafe() == b.get_string().value_unsafe();
  case element_type::BOOL:
    return a.get_bool().value_unsafe() == b.get_bool().value_unsafe();
  default:
    return true; // null
  }
}

// Arrays, objects and lists compare as JSON values, objects regardless of key order.
bool containers_equal(const Value &a, const Value &b) {
  std::string ja;
  std::string jb;
  append_json(&ja, a);
  append_json(&jb, b);
  if (ja == jb) {
    return true;
  }
  simdjson::dom::parser pa;
  simdjson::dom::parser pb;
  simdjson::dom::element ea;
  simdjson::dom::element eb;
  if (pa.parse(ja).get(ea) || pb.parse(jb).get(eb)) {
    return false;
  }
  return dom_equal(ea, eb);
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
