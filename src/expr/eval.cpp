#include "expr/eval.hpp"

#include "core/json_check.hpp"
#include "expr/text.hpp"

#include <fmt/format.h>

namespace sluice::expr {

namespace od = simdjson::ondemand;

namespace {

const char *op_text(Op op) {
  switch (op) {
  case Op::add:
    return "add";
  case Op::sub:
    return "subtract";
  case Op::mul:
    return "multiply";
  case Op::div:
    return "divide";
  case Op::mod:
    return "take the remainder of";
  default:
    return "combine";
  }
}

} // namespace

bool Evaluator::evaluate(const Expression &e, const EvalContext &ctx, Value *out,
                         std::string *why) {
  m_ctx = &ctx;
  return eval(e, e.root(), out, why);
}

bool Evaluator::path_value(const Expression &e, const Node &n, Value *out, std::string *why) {
  const auto &matches = m_ctx->values->matches[e.slot(n.path)];
  const core::JsonPath &path = e.paths()[n.path];
  if (!path.has_every()) {
    if (matches.empty()) {
      *out = Value::null();
      return true;
    }
    return value_from_json(matches[0].value, matches[0].type, m_scratch, out, why);
  }
  // `[*]` gives the list of every match.
  std::vector<Value> &list = m_scratch.list();
  for (const auto &m : matches) {
    Value v;
    if (!value_from_json(m.value, m.type, m_scratch, &v, why)) {
      return false;
    }
    list.push_back(v);
  }
  Value v;
  v.type = Type::list;
  v.list = &list;
  *out = v;
  return true;
}

bool Evaluator::eval(const Expression &e, size_t index, Value *out, std::string *why) {
  const Node &n = e.node(index);
  switch (n.op) {
  case Op::literal:
    *out = n.literal;
    return true;
  case Op::path:
    return path_value(e, n, out, why);
  case Op::list: {
    std::vector<Value> &list = m_scratch.list();
    list.resize(n.args.size());
    for (size_t i = 0; i < n.args.size(); ++i) {
      if (!eval(e, n.args[i], &list[i], why)) {
        return false;
      }
    }
    Value v;
    v.type = Type::list;
    v.list = &list;
    *out = v;
    return true;
  }
  case Op::not_: {
    Value a;
    if (!eval(e, n.args[0], &a, why)) {
      return false;
    }
    *out = Value::of(!is_truthy(a));
    return true;
  }
  case Op::and_:
  case Op::or_: {
    Value a;
    if (!eval(e, n.args[0], &a, why)) {
      return false;
    }
    bool t = is_truthy(a);
    if (n.op == Op::and_ ? !t : t) {
      *out = Value::of(t);
      return true;
    }
    Value b;
    if (!eval(e, n.args[1], &b, why)) {
      return false;
    }
    *out = Value::of(is_truthy(b));
    return true;
  }
  case Op::neg: {
    Value a;
    if (!eval(e, n.args[0], &a, why)) {
      return false;
    }
    if (a.type == Type::null) {
      *out = a;
    } else if (a.type == Type::number) {
      *out = Value::of(negate(a.number));
    } else if (a.type == Type::duration) {
      *out = Value::duration(-a.us);
    } else {
      *why = fmt::format("cannot negate a {} (column {})", type_name(a.type), n.column + 1);
      return false;
    }
    return true;
  }
  case Op::call:
    return call(e, n, out, why);
  default:
    return binary(e, n, out, why);
  }
}

bool Evaluator::binary(const Expression &e, const Node &n, Value *out, std::string *why) {
  Value a;
  Value b;
  if (!eval(e, n.args[0], &a, why) || !eval(e, n.args[1], &b, why)) {
    return false;
  }
  switch (n.op) {
  case Op::eq:
    *out = Value::of(values_equal(a, b));
    return true;
  case Op::ne:
    *out = Value::of(!values_equal(a, b));
    return true;
  case Op::lt:
    *out = Value::of(values_ordered(Order::less, a, b));
    return true;
  case Op::le:
    *out = Value::of(values_ordered(Order::less_equal, a, b));
    return true;
  case Op::gt:
    *out = Value::of(values_ordered(Order::greater, a, b));
    return true;
  case Op::ge:
    *out = Value::of(values_ordered(Order::greater_equal, a, b));
    return true;
  case Op::in: {
    bool found = false;
    if (!in_list(a, b, &found, why)) {
      return false;
    }
    *out = Value::of(found);
    return true;
  }
  default:
    return arith(n, a, b, out, why);
  }
}

bool Evaluator::in_list(const Value &needle, const Value &haystack, bool *found, std::string *why) {
  *found = false;
  if (haystack.type == Type::list) {
    for (const auto &v : *haystack.list) {
      if (values_equal(needle, v)) {
        *found = true;
        return true;
      }
    }
    return true;
  }
  if (haystack.type != Type::array) {
    return true; // `x in null` and other non-lists: false
  }
  // An array of the event: read its elements (rare, so a parser per call will do).
  simdjson::padded_string padded(haystack.text);
  od::parser parser;
  od::document doc;
  od::array array;
  if (parser.iterate(padded).get(doc) || doc.get_array().get(array)) {
    *why = "invalid array";
    return false;
  }
  for (auto element : array) {
    od::value v;
    od::json_type type;
    std::string_view raw;
    if (std::move(element).get(v) || v.type().get(type)) {
      *why = "invalid array";
      return false;
    }
    if (type == od::json_type::object || type == od::json_type::array) {
      std::string_view text = type == od::json_type::object
                                  ? v.get_object().value_unsafe().raw_json().value_unsafe()
                                  : v.get_array().value_unsafe().raw_json().value_unsafe();
      raw = trim_spaces(text);
    } else {
      raw = trim_spaces(v.raw_json_token());
    }
    // The element's text lives in `padded`: copy it before the next element.
    std::string &kept = m_scratch.string();
    kept.assign(raw);
    Value ev;
    if (!value_from_json(kept, type, m_scratch, &ev, why)) {
      return false;
    }
    if (values_equal(needle, ev)) {
      *found = true;
      return true;
    }
  }
  return true;
}

bool Evaluator::arith(const Node &n, const Value &a, const Value &b, Value *out, std::string *why) {
  if (a.type == Type::null || b.type == Type::null) {
    *out = Value::null();
    return true;
  }
  if (a.type == Type::number && b.type == Type::number) {
    static constexpr Arith k_ops[] = {Arith::add, Arith::sub, Arith::mul, Arith::div, Arith::mod};
    Arith op = k_ops[static_cast<int>(n.op) - static_cast<int>(Op::add)];
    Number r;
    if (!arithmetic(op, a.number, b.number, &r, why)) {
      *why += fmt::format(" (column {})", n.column + 1);
      return false;
    }
    *out = Value::of(r);
    return true;
  }
  if (n.op == Op::add && a.type == Type::string && b.type == Type::string) {
    std::string &s = m_scratch.string();
    s.append(a.text).append(b.text);
    *out = Value::string(s);
    return true;
  }
  // Times and durations: time ± duration, time - time, duration ± duration. A
  // number or string next to a duration is an event time (by magnitude).
  bool a_time = a.type == Type::time ||
                (b.type == Type::duration && (a.type == Type::number || a.type == Type::string));
  if (a.type == Type::duration && b.type == Type::duration &&
      (n.op == Op::add || n.op == Op::sub)) {
    *out = Value::duration(n.op == Op::add ? a.us + b.us : a.us - b.us);
    return true;
  }
  if (a_time && b.type == Type::duration && (n.op == Op::add || n.op == Op::sub)) {
    int64_t t = 0;
    if (!to_time(a, &t)) {
      *out = Value::null();
      return true;
    }
    int64_t ms = b.us / 1000;
    *out = Value::time(n.op == Op::add ? t + ms : t - ms);
    return true;
  }
  if (a.type == Type::duration && (b.type == Type::time) && n.op == Op::add) {
    *out = Value::time(b.ms + a.us / 1000);
    return true;
  }
  if (n.op == Op::sub && (a.type == Type::time || b.type == Type::time)) {
    int64_t x = 0;
    int64_t y = 0;
    if (!to_time(a, &x) || !to_time(b, &y)) {
      *out = Value::null();
      return true;
    }
    *out = Value::duration((x - y) * 1000);
    return true;
  }
  *why = fmt::format("cannot {} a {} and a {} (column {})", op_text(n.op), type_name(a.type),
                     type_name(b.type), n.column + 1);
  return false;
}

} // namespace sluice::expr
