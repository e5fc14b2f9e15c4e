// Values of the expression language and the rules that compare them.
//
// A Value is small and points at its text: strings into the event's line (when
// written without escapes), the Expression (literals) or a Scratch (results);
// arrays and objects of the event stay raw JSON text. Lists are the results of
// list literals and `[*]` paths. Times are epoch milliseconds (now(), or an
// event-time field compared with one); durations are microseconds (`5m`).
//
// Null semantics (sluice-transform(1)): a missing field is null; == and != treat
// null as jq does; ordering comparisons are false when either side is null or
// the types differ. Plain values and pure functions; not thread-safe only in
// that a Scratch belongs to one evaluation at a time. Never throw except bad_alloc.
#pragma once

#include "expr/number.hpp"

#include <cstdint>
#include <deque>
#include <simdjson.h>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::expr {

enum class Type : uint8_t { null, boolean, number, string, array, object, list, time, duration };

struct Value {
  Type type = Type::null;
  bool boolean = false;
  Number number;
  std::string_view text; // string: unescaped text; array, object: raw JSON
  std::string_view raw;  // string: the JSON token as written, when it came from JSON
  union { // by type
    const std::vector<Value> *list = nullptr;
    int64_t ms; // time
    int64_t us; // duration
  };

  static Value null() { return {}; }
  static Value of(bool b) {
    Value v;
    v.type = Type::boolean;
    v.boolean = b;
    return v;
  }
  static Value of(const Number &n) {
    Value v;
    v.type = Type::number;
    v.number = n;
    return v;
  }
  static Value string(std::string_view text) {
    Value v;
    v.type = Type::string;
    v.text = text;
    return v;
  }
  static Value time(int64_t ms) {
    Value v;
    v.type = Type::time;
    v.ms = ms;
    return v;
  }
  static Value duration(int64_t us) {
    Value v;
    v.type = Type::duration;
    v.us = us;
    return v;
  }
};

// Storage for strings and lists made while evaluating one event; reset() makes
// it reusable without freeing (references stay valid until then).
// Evaluation makes many temporaries: kept small enough to be cleared by a few
// stores (larger ones get a slow `rep stos` from GCC's generic tuning).
static_assert(sizeof(Value) <= 80);

class Scratch {
public:
  std::string &string();
  std::vector<Value> &list();
  void reset() {
    m_strings_used = 0;
    m_lists_used = 0;
  }

private:
  std::deque<std::string> m_strings;
  std::deque<std::vector<Value>> m_lists;
  size_t m_strings_used = 0;
  size_t m_lists_used = 0;
};

const char *type_name(Type t);

// A value from its JSON text as written (`type` from simdjson). Strings with
// escapes are unescaped into `scratch`. False with a reason when the text is not
// valid JSON of that type.
bool value_from_json(std::string_view json, simdjson::ondemand::json_type type, Scratch &scratch,
                     Value *out, std::string *why);

bool is_truthy(const Value &v);
// The event time of a time, number (epoch s/ms/µs by magnitude) or RFC 3339 string.
bool to_time(const Value &v, int64_t *ms);
bool values_equal(const Value &a, const Value &b);
// Ordering: false when it does not apply (null, mixed or unordered types).
enum class Order : uint8_t { less, less_equal, greater, greater_equal };
bool values_ordered(Order op, const Value &a, const Value &b);

// Appends the JSON text of `v`: input text as written where there is one; a time
// as epoch milliseconds, a duration as milliseconds.
void append_json(std::string *out, const Value &v);
// The text of a scalar for to_string, concat and hashing: a string's own text, a
// number as written, true/false, JSON for the rest; null gives "null".
void append_text(std::string *out, const Value &v);

} // namespace sluice::expr
