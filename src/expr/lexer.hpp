// Lexer of the expression language: turns an expression into tokens with the
// byte column where each starts (for the caret under a parse error).
//
// Paths are one token (`after.customer["odd key"].items[*].sku`, a leading `.`
// allowed); a path that is a single name followed by `(` is a function name,
// and `and or not in true false null` are keywords. Numbers keep their text; a
// number directly followed by a unit (`250ms`, `5m`) is a duration. Strings are
// "double-quoted" with JSON escapes or 'single-quoted' and raw (only \' is an
// escape), handy for regular expressions. Pure; never throws except bad_alloc.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::expr {

enum class Tok {
  end,
  number,
  duration,
  string,
  path,
  name, // name: a function name
  kw_and,
  kw_or,
  kw_not,
  kw_in,
  kw_true,
  kw_false,
  kw_null,
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  plus,
  minus,
  star,
  slash,
  percent,
  lparen,
  rparen,
  lbracket,
  rbracket,
  comma,
};

struct Token {
  Tok kind = Tok::end;
  size_t column = 0;     // byte offset in the expression
  std::string_view text; // as written
  std::string value;     // string: the decoded text
};

// False with the column and a reason at the first thing that is not a token.
bool tokenize(std::string_view text, std::vector<Token> *out, size_t *error_column,
              std::string *why);

} // namespace sluice::expr
