#include "expr/expression.hpp"

#include "core/json_writer.hpp"
#include "core/units.hpp"
#include "expr/lexer.hpp"

#include <algorithm>
#include <deque>
#include <fmt/format.h>

namespace sluice::expr {

struct Expression::Impl {
  std::string text;
  std::vector<Node> nodes;
  size_t root = 0;
  std::vector<core::JsonPath> paths;
  std::vector<size_t> slots;
  std::deque<std::string> strings; // literal texts (stable addresses)
  std::deque<std::vector<Value>> lists;
  bool uses_now = false;
};

namespace {

// Deeper expressions are refused, so that neither the parser nor the
// evaluator (which recurse once per level) can run out of stack: parentheses,
// calls, lists and unary operators nest at most k_max_nesting levels, and a
// chain such as `a or b or c …` has at most k_max_depth terms.
constexpr size_t k_max_nesting = 64;
constexpr size_t k_max_depth = 1000;

struct FnInfo {
  const char *name;
  Fn fn;
  size_t min_args;
  size_t max_args;
};

constexpr FnInfo k_functions[] = {
    {"lower", Fn::lower, 1, 1},
    {"upper", Fn::upper, 1, 1},
    {"len", Fn::len, 1, 1},
    {"trim", Fn::trim, 1, 1},
    {"starts_with", Fn::starts_with, 2, 2},
    {"ends_with", Fn::ends_with, 2, 2},
    {"contains", Fn::contains, 2, 2},
    {"matches", Fn::matches, 2, 2},
    {"replace", Fn::replace, 3, 3},
    {"concat", Fn::concat, 1, 64},
    {"coalesce", Fn::coalesce, 1, 64},
    {"to_number", Fn::to_number, 1, 1},
    {"to_string", Fn::to_string, 1, 1},
    {"env", Fn::env, 1, 1},
    {"now", Fn::now, 0, 0},
    {"exists", Fn::exists, 1, 1},
    {"if", Fn::if_, 3, 3},
};

std::string function_list() {
  std::string out;
  for (const auto &f : k_functions) {
    out += out.empty() ? "" : " ";
    out += f.name;
  }
  return out;
}

} // namespace

class Parser {
public:
  Parser(Expression::Impl &impl, std::vector<Token> tokens) : m_x(impl), m_t(std::move(tokens)) {}

  bool run(ParseError *error) {
    size_t root = 0;
    if (!or_expr(&root)) {
      *error = m_error;
      return false;
    }
    if (peek().kind != Tok::end) {
      *error = {peek().column, fmt::format("unexpected '{}'", peek().text)};
      return false;
    }
    if (m_too_deep) {
      *error = {m_deep_column,
                fmt::format("the expression is more than {} operations deep", k_max_depth)};
      return false;
    }
    m_x.root = root;
    return true;
  }

private:
  const Token &peek() const { return m_t[m_pos]; }
  const Token &take() { return m_t[m_pos++]; }

  bool fail(size_t column, std::string message) {
    m_error = {column, std::move(message)};
    return false;
  }
  bool fail_here(const char *expected) {
    const Token &t = peek();
    if (t.kind == Tok::end) {
      return fail(t.column, fmt::format("expected {} at the end", expected));
    }
    return fail(t.column, fmt::format("expected {}, found '{}'", expected, t.text));
  }

  // Adds a node; notes the first one deeper than k_max_depth (a long chain
  // `a + b + c …` is built by a loop, not by recursion, so depth is counted here).
  size_t add(Node n) {
    size_t depth = 1;
    for (size_t a : n.args) {
      depth = std::max(depth, m_depth[a] + 1);
    }
    if (depth > k_max_depth && !m_too_deep) {
      m_too_deep = true;
      m_deep_column = n.column;
    }
    m_depth.push_back(depth);
    m_x.nodes.push_back(std::move(n));
    return m_x.nodes.size() - 1;
  }

  // Guards the parser's own recursion (parentheses, calls, lists, unary chains).
  bool enter(size_t column) {
    if (++m_nesting > k_max_nesting) {
      return fail(column, fmt::format("the expression is nested more than {} levels deep",
                                      k_max_nesting));
    }
    return true;
  }
  size_t binary(Op op, size_t column, size_t a, size_t b) {
    Node n;
    n.op = op;
    n.column = column;
    n.args = {a, b};
    return add(std::move(n));
  }

  bool or_expr(size_t *out) {
    if (!enter(peek().column)) {
      return false;
    }
    bool ok = or_chain(out);
    --m_nesting;
    return ok;
  }

  bool or_chain(size_t *out) {
    if (!and_expr(out)) {
      return false;
    }
    while (peek().kind == Tok::kw_or) {
      size_t column = take().column;
      size_t rhs = 0;
      if (!and_expr(&rhs)) {
        return false;
      }
      *out = binary(Op::or_, column, *out, rhs);
    }
    return true;
  }

  bool and_expr(size_t *out) {
    if (!not_expr(out)) {
      return false;
    }
    while (peek().kind == Tok::kw_and) {
      size_t column = take().column;
      size_t rhs = 0;
      if (!not_expr(&rhs)) {
        return false;
      }
      *out = binary(Op::and_, column, *out, rhs);
    }
    return true;
  }

  bool not_expr(size_t *out) {
    if (peek().kind != Tok::kw_not) {
      return comparison(out);
    }
    size_t column = take().column;
    size_t arg = 0;
    if (!enter(column)) {
      return false;
    }
    bool ok = not_expr(&arg);
    --m_nesting;
    if (!ok) {
      return false;
    }
    Node n;
    n.op = Op::not_;
    n.column = column;
    n.args = {arg};
    *out = add(std::move(n));
    return true;
  }

  static bool comparison_op(Tok t, Op *op) {
    switch (t) {
    case Tok::eq:
      *op = Op::eq;
      return true;
    case Tok::ne:
      *op = Op::ne;
      return true;
    case Tok::lt:
      *op = Op::lt;
      return true;
    case Tok::le:
      *op = Op::le;
      return true;
    case Tok::gt:
      *op = Op::gt;
      return true;
    case Tok::ge:
      *op = Op::ge;
      return true;
    default:
      return false;
    }
  }

  bool comparison(size_t *out) {
    if (!additive(out)) {
      return false;
    }
    Op op = Op::eq;
    size_t column = peek().column;
    bool negated = false;
    if (peek().kind == Tok::kw_not && m_t[m_pos + 1].kind == Tok::kw_in) {
      negated = true;
      ++m_pos;
    }
    if (peek().kind == Tok::kw_in) {
      op = Op::in;
    } else if (negated || !comparison_op(peek().kind, &op)) {
      return !negated || fail_here("'in'");
    }
    take();
    size_t rhs = 0;
    if (!additive(&rhs)) {
      return false;
    }
    *out = binary(op, column, *out, rhs);
    if (negated) {
      Node n;
      n.op = Op::not_;
      n.column = column;
      n.args = {*out};
      *out = add(std::move(n));
    }
    Op again = Op::eq;
    if (comparison_op(peek().kind, &again) || peek().kind == Tok::kw_in) {
      return fail(peek().column, "comparisons do not chain: use 'and'");
    }
    return true;
  }

  bool additive(size_t *out) {
    if (!multiplicative(out)) {
      return false;
    }
    while (peek().kind == Tok::plus || peek().kind == Tok::minus) {
      const Token &t = take();
      size_t rhs = 0;
      if (!multiplicative(&rhs)) {
        return false;
      }
      *out = binary(t.kind == Tok::plus ? Op::add : Op::sub, t.column, *out, rhs);
    }
    return true;
  }

  bool multiplicative(size_t *out) {
    if (!unary(out)) {
      return false;
    }
    while (peek().kind == Tok::star || peek().kind == Tok::slash || peek().kind == Tok::percent) {
      const Token &t = take();
      size_t rhs = 0;
      if (!unary(&rhs)) {
        return false;
      }
      Op op = t.kind == Tok::star ? Op::mul : t.kind == Tok::slash ? Op::div : Op::mod;
      *out = binary(op, t.column, *out, rhs);
    }
    return true;
  }

  bool unary(size_t *out) {
    if (peek().kind != Tok::minus) {
      return primary(out);
    }
    size_t column = take().column;
    if (peek().kind == Tok::number) {
      // -123456789012345678901234567890 stays exact: fold the sign into the literal.
      const Token &t = take();
      std::string text(1, '-');
      text.append(t.text);
      return number_literal(t.column, std::move(text), out);
    }
    size_t arg = 0;
    if (!enter(column)) {
      return false;
    }
    bool ok = unary(&arg);
    --m_nesting;
    if (!ok) {
      return false;
    }
    Node n;
    n.op = Op::neg;
    n.column = column;
    n.args = {arg};
    *out = add(std::move(n));
    return true;
  }

  bool literal(size_t column, Value v, size_t *out) {
    Node n;
    n.op = Op::literal;
    n.column = column;
    n.literal = v;
    *out = add(std::move(n));
    return true;
  }

  bool number_literal(size_t column, std::string text, size_t *out) {
    const std::string &kept = m_x.strings.emplace_back(std::move(text));
    Number num;
    if (!number_from_json(kept, &num)) {
      return fail(column, fmt::format("invalid number '{}'", kept));
    }
    return literal(column, Value::of(num), out);
  }

  bool primary(size_t *out) {
    const Token &t = peek();
    switch (t.kind) {
    case Tok::number:
      take();
      return number_literal(t.column, std::string(t.text), out);
    case Tok::duration: {
      take();
      std::chrono::microseconds d{};
      std::string why;
      if (!core::parse_duration(t.text, &d, &why)) {
        return fail(t.column, why);
      }
      return literal(t.column, Value::duration(d.count()), out);
    }
    case Tok::string: {
      take();
      const std::string &kept = m_x.strings.emplace_back(t.value);
      return literal(t.column, Value::string(kept), out);
    }
    case Tok::kw_true:
      take();
      return literal(t.column, Value::of(true), out);
    case Tok::kw_false:
      take();
      return literal(t.column, Value::of(false), out);
    case Tok::kw_null:
      take();
      return literal(t.column, Value::null(), out);
    case Tok::path:
      take();
      return path(t, out);
    case Tok::name:
      take();
      return call(t, out);
    case Tok::lparen: {
      take();
      if (!or_expr(out)) {
        return false;
      }
      if (peek().kind != Tok::rparen) {
        return fail_here("')'");
      }
      take();
      return true;
    }
    case Tok::lbracket:
      take();
      return list(t.column, out);
    default:
      return fail_here("a value");
    }
  }

  bool path(const Token &t, size_t *out) {
    core::JsonPath p;
    std::string why;
    if (!core::JsonPath::parse(t.text, &p, &why)) {
      return fail(t.column, why);
    }
    Node n;
    n.op = Op::path;
    n.column = t.column;
    n.path = m_x.paths.size();
    m_x.paths.push_back(std::move(p));
    *out = add(std::move(n));
    return true;
  }

  bool arguments(std::vector<size_t> *args, Tok close) {
    if (peek().kind == close) {
      take();
      return true;
    }
    for (;;) {
      size_t a = 0;
      if (!or_expr(&a)) {
        return false;
      }
      args->push_back(a);
      if (peek().kind == close) {
        take();
        return true;
      }
      if (peek().kind != Tok::comma) {
        return fail_here(close == Tok::rparen ? "',' or ')'" : "',' or ']'");
      }
      take();
    }
  }

  bool list(size_t column, size_t *out) {
    Node n;
    n.op = Op::list;
    n.column = column;
    if (!arguments(&n.args, Tok::rbracket)) {
      return false;
    }
    *out = add(std::move(n));
    return true;
  }

  bool call(const Token &name, size_t *out) {
    const FnInfo *info = nullptr;
    for (const auto &f : k_functions) {
      if (name.text == f.name) {
        info = &f;
      }
    }
    if (info == nullptr) {
      return fail(name.column,
                  fmt::format("unknown function '{}' (functions: {})", name.text, function_list()));
    }
    take(); // '('
    Node n;
    n.op = Op::call;
    n.fn = info->fn;
    n.column = name.column;
    if (!arguments(&n.args, Tok::rparen)) {
      return false;
    }
    if (n.args.size() < info->min_args || n.args.size() > info->max_args) {
      std::string want = info->min_args == info->max_args
                             ? fmt::format("{}", info->min_args)
                             : fmt::format("at least {}", info->min_args);
      return fail(name.column, fmt::format("{}() takes {} argument{}, not {}", info->name, want,
                                           info->min_args == 1 && info->max_args == 1 ? "" : "s",
                                           n.args.size()));
    }
    if (!check_call(&n)) {
      return false;
    }
    *out = add(std::move(n));
    return true;
  }

  const Node *string_literal(size_t index) const {
    const Node &a = m_x.nodes[index];
    return a.op == Op::literal && a.literal.type == Type::string ? &a : nullptr;
  }

  bool check_call(Node *n) {
    switch (n->fn) {
    case Fn::exists:
      if (m_x.nodes[n->args[0]].op != Op::path) {
        return fail(m_x.nodes[n->args[0]].column, "exists() takes a path");
      }
      return true;
    case Fn::env: {
      const Node *a = string_literal(n->args[0]);
      if (a == nullptr) {
        return fail(m_x.nodes[n->args[0]].column, "env() takes a string: env(\"VAR\")");
      }
      n->name = std::string(a->literal.text);
      return true;
    }
    case Fn::now:
      m_x.uses_now = true;
      return true;
    case Fn::matches:
    case Fn::replace: {
      const Node *a = string_literal(n->args[1]);
      if (a == nullptr) {
        return fail(m_x.nodes[n->args[1]].column, "the pattern must be a string literal");
      }
      RE2::Options options;
      options.set_log_errors(false);
      n->regex = std::make_unique<RE2>(
          re2::StringPiece(a->literal.text.data(), a->literal.text.size()), options);
      if (!n->regex->ok()) {
        return fail(a->column, "invalid regular expression: " + n->regex->error());
      }
      return true;
    }
    default:
      return true;
    }
  }

  Expression::Impl &m_x;
  std::vector<Token> m_t;
  size_t m_pos = 0;
  ParseError m_error;
  std::vector<size_t> m_depth; // per node: the depth of its subtree
  size_t m_nesting = 0;
  bool m_too_deep = false;
  size_t m_deep_column = 0;
};

Expression::Expression() : m_impl(std::make_unique<Impl>()) {}
Expression::~Expression() = default;
Expression::Expression(Expression &&) noexcept = default;
Expression &Expression::operator=(Expression &&) noexcept = default;

bool Expression::parse(std::string_view text, Expression *out, ParseError *error) {
  auto impl = std::make_unique<Impl>();
  impl->text = std::string(text);
  if (!core::is_valid_utf8(impl->text)) {
    *error = {0, "the expression is not valid UTF-8"};
    return false;
  }
  std::vector<Token> tokens;
  std::string why;
  size_t column = 0;
  if (!tokenize(impl->text, &tokens, &column, &why)) {
    *error = {column, why};
    return false;
  }
  Parser parser(*impl, std::move(tokens));
  if (!parser.run(error)) {
    return false;
  }
  out->m_impl = std::move(impl);
  return true;
}

const std::string &Expression::text() const {
  return m_impl->text;
}
const std::vector<core::JsonPath> &Expression::paths() const {
  return m_impl->paths;
}
bool Expression::uses_now() const {
  return m_impl->uses_now;
}
const Node &Expression::node(size_t i) const {
  return m_impl->nodes[i];
}
size_t Expression::root() const {
  return m_impl->root;
}
size_t Expression::slot(size_t path) const {
  return m_impl->slots[path];
}

std::vector<std::string> Expression::env_names() const {
  std::vector<std::string> names;
  for (const auto &n : m_impl->nodes) {
    if (n.op == Op::call && n.fn == Fn::env) {
      names.push_back(n.name);
    }
  }
  return names;
}

void Expression::resolve_env(
    const std::function<std::optional<std::string>(const std::string &)> &lookup) {
  for (auto &n : m_impl->nodes) {
    if (n.op != Op::call || n.fn != Fn::env) {
      continue;
    }
    std::optional<std::string> value = lookup(n.name);
    n.op = Op::literal;
    n.args.clear();
    n.literal = value ? Value::string(m_impl->strings.emplace_back(*value)) : Value::null();
  }
}

void Expression::bind(core::PathSet &set) {
  m_impl->slots.clear();
  for (const auto &p : m_impl->paths) {
    m_impl->slots.push_back(set.add(p));
  }
}

std::string format_parse_error(std::string_view what, std::string_view text, const ParseError &e) {
  // The caret goes under the column counted in characters, not bytes.
  size_t shown = 0;
  for (size_t i = 0; i < e.column && i < text.size(); ++i) {
    shown += (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
  }
  std::string flat(text);
  for (auto &c : flat) {
    if (c == '\n' || c == '\t' || c == '\r') {
      c = ' ';
    }
  }
  return fmt::format("{}: {} at column {}\n  {}\n  {}^", what, e.message, shown + 1, flat,
                     std::string(shown, ' '));
}

} // namespace sluice::expr
