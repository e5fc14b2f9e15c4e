// Numbers of the expression language: integers that fit 64 bits, doubles made
// by arithmetic, and JSON number texts kept as written (PostgreSQL numeric,
// integers beyond 64 bits, 1e999), so that comparisons are exact: texts and
// integers are compared from their digits, never through a double; a computed
// double is compared as a double.
//
// Plain values and pure functions; thread-safe; never throw (except bad_alloc).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::expr {

struct Number {
  enum class Kind : uint8_t { integer, real, text };
  Kind kind = Kind::integer;
  union { // by kind
    int64_t integer = 0;
    double real;
  };
  std::string_view text; // a valid JSON number; not owned

  static Number of(int64_t i) {
    Number n;
    n.integer = i;
    return n;
  }
  static Number of(double d) {
    Number n;
    n.kind = Kind::real;
    n.real = d;
    return n;
  }
  static Number of_text(std::string_view token) {
    Number n;
    n.kind = Kind::text;
    n.text = token;
    return n;
  }
};

// Reads a JSON number token: an integer of up to 18 digits becomes `integer`,
// anything else stays `text` (the view must outlive the Number). False when
// `token` is not a JSON number.
bool number_from_json(std::string_view token, Number *out);

// -1, 0 or 1.
int compare_numbers(const Number &a, const Number &b);
// Exact comparison of two JSON number texts.
int compare_decimal_texts(std::string_view a, std::string_view b);

// Appends a text that is the same for JSON numbers of the same value, whatever
// their spelling ("1.50", "15e-1" -> "15e1"; zero -> "0"): the sign, the
// significant digits and the decimal exponent of the first digit (0.d1d2… × 10^e).
void append_canonical_number(std::string *out, std::string_view token);

double to_double(const Number &n);
// True (with the value) when `n` is an integer that fits int64.
bool to_integer(const Number &n, int64_t *out);

enum class Arith : uint8_t { add, sub, mul, div, mod };
// False with a reason on division by zero.
bool arithmetic(Arith op, const Number &a, const Number &b, Number *out, std::string *why);
Number negate(const Number &n);

// Appends the JSON text of `n` (a text as written, a double in its shortest form).
void append_number(std::string *out, const Number &n);

} // namespace sluice::expr
