// Expression: a parsed expression of the language of sluice-transform(1), ready
// to evaluate against events.
//
// parse() tokenizes and parses the whole text, checks function names, arities
// and literal arguments (regular expressions are compiled once here with RE2),
// and reports the first error with its column, for the caret message of
// format_parse_error. Parentheses, calls, lists and unary operators nest at
// most 64 levels and a chain of operators is at most 1000 deep: deeper
// expressions are parse errors, so evaluation cannot exhaust the stack. The
// paths an expression reads are listed by paths(); the caller binds them to
// slots of a core::PathSet and evaluates with the values it extracted (see
// expr/eval.hpp). env("VAR") names are resolved once, before the
// first event, by the caller (operators never read the environment).
//
// Immutable once bound; an Expression may be moved (its nodes stay in place).
// Never throws except bad_alloc.
#pragma once

#include "core/json_path.hpp"
#include "core/path_set.hpp"
#include "expr/value.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <re2/re2.h>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::expr {

enum class Op : uint8_t {
  literal,
  path,
  list,
  neg,
  not_,
  and_,
  or_,
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  add,
  sub,
  mul,
  div,
  mod,
  in,
  call,
};

enum class Fn : uint8_t {
  lower,
  upper,
  len,
  trim,
  starts_with,
  ends_with,
  contains,
  matches,
  replace,
  concat,
  coalesce,
  to_number,
  to_string,
  env,
  now,
  exists,
  if_,
};

struct Node {
  Op op = Op::literal;
  Fn fn = Fn::lower;
  size_t column = 0;
  std::vector<size_t> args; // node indexes
  Value literal;
  size_t path = 0; // Op::path: index into paths()
  std::unique_ptr<RE2> regex;
  std::string name; // Fn::env: the variable
};

struct ParseError {
  size_t column = 0;
  std::string message;
};

class Expression {
public:
  Expression();
  ~Expression();
  Expression(Expression &&) noexcept;
  Expression &operator=(Expression &&) noexcept;

  static bool parse(std::string_view text, Expression *out, ParseError *error);

  const std::string &text() const;
  const std::vector<core::JsonPath> &paths() const;
  bool uses_now() const;
  // The variables env() reads; resolve() replaces each by its value (null when unset).
  std::vector<std::string> env_names() const;
  void resolve_env(const std::function<std::optional<std::string>(const std::string &)> &lookup);
  // Adds every path to `set`; the evaluator reads path i from slot(i).
  void bind(core::PathSet &set);
  size_t slot(size_t path) const;

  const Node &node(size_t i) const;
  size_t root() const;

private:
  struct Impl;
  friend class Parser;
  std::unique_ptr<Impl> m_impl;
};

// "--where: unexpected ')' at column 16" and the expression with a caret under it.
std::string format_parse_error(std::string_view what, std::string_view text, const ParseError &e);

} // namespace sluice::expr
