// The built-in functions of the expression language (Evaluator::call).
#include "core/json_check.hpp"
#include "expr/eval.hpp"
#include "expr/text.hpp"

#include <fmt/format.h>

namespace sluice::expr {
namespace {

constexpr size_t k_max_args = 64;

const char *fn_name(Fn fn) {
  switch (fn) {
  case Fn::lower:
    return "lower";
  case Fn::upper:
    return "upper";
  case Fn::len:
    return "len";
  case Fn::trim:
    return "trim";
  case Fn::starts_with:
    return "starts_with";
  case Fn::ends_with:
    return "ends_with";
  case Fn::contains:
    return "contains";
  case Fn::matches:
    return "matches";
  case Fn::replace:
    return "replace";
  case Fn::concat:
    return "concat";
  case Fn::coalesce:
    return "coalesce";
  case Fn::to_number:
    return "to_number";
  case Fn::to_string:
    return "to_string";
  case Fn::env:
    return "env";
  case Fn::now:
    return "now";
  case Fn::exists:
    return "exists";
  case Fn::if_:
    return "if";
  }
  return "function";
}

bool need_string(const Node &n, const Value &v, size_t arg, std::string *why) {
  if (v.type == Type::string) {
    return true;
  }
  *why = fmt::format("{}() wants a string as argument {}, not a {} (column {})", fn_name(n.fn),
                     arg + 1, type_name(v.type), n.column + 1);
  return false;
}

re2::StringPiece piece(std::string_view s) {
  return re2::StringPiece(s.data(), s.size());
}

} // namespace

bool Evaluator::call(const Expression &e, const Node &n, Value *out, std::string *why) {
  switch (n.fn) {
  case Fn::if_: {
    Value c;
    if (!eval(e, n.args[0], &c, why)) {
      return false;
    }
    return eval(e, n.args[is_truthy(c) ? 1 : 2], out, why);
  }
  case Fn::coalesce:
    for (size_t a : n.args) {
      if (!eval(e, a, out, why)) {
        return false;
      }
      if (out->type != Type::null) {
        return true;
      }
    }
    return true;
  case Fn::exists: {
    const Node &p = e.node(n.args[0]);
    *out = Value::of(!m_ctx->values->matches[e.slot(p.path)].empty());
    return true;
  }
  case Fn::now:
    if (!m_have_now) {
      m_now = m_ctx->clock ? m_ctx->clock() : 0;
      m_have_now = true;
    }
    *out = Value::time(m_now);
    return true;
  case Fn::env:
    *out = Value::null();
    return true; // unresolved: unset
  default:
    break;
  }
  Value args[k_max_args];
  for (size_t i = 0; i < n.args.size(); ++i) {
    if (!eval(e, n.args[i], &args[i], why)) {
      return false;
    }
  }
  if (n.fn == Fn::concat) {
    std::string &s = m_scratch.string();
    for (size_t i = 0; i < n.args.size(); ++i) {
      if (args[i].type != Type::null) {
        append_text(&s, args[i]);
      }
    }
    *out = Value::string(s);
    return true;
  }
  for (size_t i = 0; i < n.args.size(); ++i) {
    if (args[i].type == Type::null) {
      *out = Value::null(); // null in, null out
      return true;
    }
  }
  return call_text(e, n, args, out, why);
}

bool Evaluator::call_text(const Expression &, const Node &n, const Value *args, Value *out,
                          std::string *why) {
  const Value &a = args[0];
  switch (n.fn) {
  case Fn::len:
    if (a.type == Type::string) {
      *out = Value::of(Number::of(static_cast<int64_t>(count_code_points(a.text))));
    } else if (a.type == Type::list) {
      *out = Value::of(Number::of(static_cast<int64_t>(a.list->size())));
    } else if (a.type == Type::array || a.type == Type::object) {
      // Counted without reading the values (numbers beyond 64 bits are fine).
      simdjson::padded_string padded(a.text);
      simdjson::ondemand::parser parser;
      simdjson::ondemand::document doc;
      size_t size = 0;
      simdjson::error_code err = parser.iterate(padded).get(doc);
      if (!err && a.type == Type::array) {
        err = doc.count_elements().get(size);
      } else if (!err) {
        err = doc.count_fields().get(size);
      }
      if (err) {
        *why = fmt::format("len(): invalid JSON ({})", simdjson::error_message(err));
        return false;
      }
      *out = Value::of(Number::of(static_cast<int64_t>(size)));
    } else {
      *why = fmt::format("len() wants a string, array or object, not a {} (column {})",
                         type_name(a.type), n.column + 1);
      return false;
    }
    return true;
  case Fn::to_string: {
    if (a.type == Type::string) {
      *out = a;
      return true;
    }
    std::string &s = m_scratch.string();
    append_text(&s, a);
    *out = Value::string(s);
    return true;
  }
  case Fn::to_number: {
    if (a.type == Type::number) {
      *out = a;
      return true;
    }
    Number num;
    std::string_view t = a.type == Type::string ? trim_spaces(a.text) : std::string_view();
    if (a.type == Type::string && number_from_json(t, &num)) {
      *out = Value::of(num);
    } else if (a.type == Type::boolean) {
      *out = Value::of(Number::of(static_cast<int64_t>(a.boolean)));
    } else {
      *out = Value::null(); // not a number: null, so coalesce() can choose a default
    }
    return true;
  }
  case Fn::contains:
    if (a.type == Type::list || a.type == Type::array) {
      bool found = false;
      if (!in_list(args[1], a, &found, why)) {
        return false;
      }
      *out = Value::of(found);
      return true;
    }
    break;
  default:
    break;
  }
  for (size_t i = 0; i < n.args.size(); ++i) {
    if (!need_string(n, args[i], i, why)) {
      return false;
    }
  }
  std::string_view s = a.text;
  switch (n.fn) {
  case Fn::lower:
  case Fn::upper: {
    std::string &r = m_scratch.string();
    n.fn == Fn::lower ? append_lower(&r, s) : append_upper(&r, s);
    *out = Value::string(r);
    return true;
  }
  case Fn::trim:
    *out = Value::string(trim_spaces(s));
    return true;
  case Fn::starts_with:
    *out = Value::of(s.substr(0, args[1].text.size()) == args[1].text);
    return true;
  case Fn::ends_with:
    *out = Value::of(s.size() >= args[1].text.size() &&
                     s.substr(s.size() - args[1].text.size()) == args[1].text);
    return true;
  case Fn::contains:
    *out = Value::of(s.find(args[1].text) != std::string_view::npos);
    return true;
  case Fn::matches:
    *out = Value::of(RE2::PartialMatch(piece(s), *n.regex));
    return true;
  case Fn::replace: {
    std::string &r = m_scratch.string();
    r.assign(s);
    RE2::GlobalReplace(&r, *n.regex, piece(args[2].text));
    *out = Value::string(r);
    return true;
  }
  default:
    break;
  }
  *why = "unknown function";
  return false;
}

} // namespace sluice::expr
