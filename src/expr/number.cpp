#include "expr/number.hpp"

#include "core/json_check.hpp"
#include "core/json_writer.hpp"

#include <charconv>
#include <cmath>
#include <fmt/format.h>

namespace sluice::expr {
namespace {

// A JSON number as sign, significant digits and the decimal exponent of its
// first digit: 0.0120 -> {false, "12", -1} (0.12e-1); zero has no digits.
struct Decimal {
  bool negative = false;
  std::string digits;
  int64_t exponent = 0; // value = 0.d1d2d3… × 10^exponent
};

Decimal parse_decimal(std::string_view t) {
  Decimal d;
  size_t i = 0;
  if (i < t.size() && t[i] == '-') {
    d.negative = true;
    ++i;
  }
  int64_t int_digits = 0;
  int64_t leading_zeros = 0; // zeros after the point before the first significant digit
  bool seen_point = false;
  for (; i < t.size(); ++i) {
    char c = t[i];
    if (c == '.') {
      seen_point = true;
      continue;
    }
    if (c < '0' || c > '9') {
      break;
    }
    if (d.digits.empty() && c == '0') {
      if (seen_point) {
        ++leading_zeros;
      }
      continue;
    }
    if (!seen_point) {
      ++int_digits;
    }
    d.digits.push_back(c);
  }
  int64_t exp = 0;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    bool neg = false;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) {
      neg = t[i] == '-';
      ++i;
    }
    for (; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i) {
      if (exp < 1'000'000'000) {
        exp = exp * 10 + (t[i] - '0');
      }
    }
    exp = neg ? -exp : exp;
  }
  while (!d.digits.empty() && d.digits.back() == '0') {
    d.digits.pop_back();
  }
  if (d.digits.empty()) {
    d.negative = false;
    return d;
  }
  d.exponent = (int_digits > 0 ? int_digits : -leading_zeros) + exp;
  return d;
}

int compare_magnitude(const Decimal &a, const Decimal &b) {
  if (a.exponent != b.exponent) {
    return a.exponent < b.exponent ? -1 : 1;
  }
  int c = a.digits.compare(b.digits);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

int compare_decimals(const Decimal &a, const Decimal &b) {
  bool a_zero = a.digits.empty();
  bool b_zero = b.digits.empty();
  if (a_zero || b_zero) {
    if (a_zero && b_zero) {
      return 0;
    }
    if (a_zero) {
      return b.negative ? 1 : -1;
    }
    return a.negative ? -1 : 1;
  }
  if (a.negative != b.negative) {
    return a.negative ? -1 : 1;
  }
  int m = compare_magnitude(a, b);
  return a.negative ? -m : m;
}

Decimal decimal_of(const Number &n) {
  if (n.kind == Number::Kind::integer) {
    fmt::format_int text(n.integer);
    return parse_decimal(std::string_view(text.data(), text.size()));
  }
  return parse_decimal(n.text);
}

double text_to_double(std::string_view t) {
  double d = 0;
  auto r = std::from_chars(t.data(), t.data() + t.size(), d);
  if (r.ec == std::errc::result_out_of_range) {
    // Beyond the range of a double: infinity or zero with the right sign.
    Decimal dec = parse_decimal(t);
    double v = dec.exponent > 0 ? HUGE_VAL : 0.0;
    return dec.negative ? -v : v;
  }
  return d;
}

template <class T> int compare_plain(T a, T b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

// The common case, compared without building digit strings: an integer part of
// up to 18 digits and a fraction, no exponent.
struct Simple {
  bool negative = false;
  uint64_t whole = 0;
  std::string_view fraction; // without trailing zeros
};

bool simple_of(const Number &n, Simple *out) {
  if (n.kind == Number::Kind::integer) {
    out->negative = n.integer < 0;
    out->whole =
        n.integer < 0 ? 0 - static_cast<uint64_t>(n.integer) : static_cast<uint64_t>(n.integer);
    out->fraction = {};
    return true;
  }
  std::string_view t = n.text;
  size_t i = 0;
  out->negative = !t.empty() && t[0] == '-';
  i += out->negative ? 1 : 0;
  size_t start = i;
  uint64_t whole = 0;
  while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
    whole = whole * 10 + static_cast<uint64_t>(t[i] - '0');
    ++i;
  }
  if (i - start > 18 || i == start) {
    return false;
  }
  out->whole = whole;
  out->fraction = {};
  if (i == t.size()) {
    return true;
  }
  if (t[i] != '.') {
    return false;
  }
  std::string_view frac = t.substr(i + 1);
  if (frac.find_first_of("eE") != std::string_view::npos) {
    return false;
  }
  while (!frac.empty() && frac.back() == '0') {
    frac.remove_suffix(1);
  }
  out->fraction = frac;
  return true;
}

int compare_simple(const Simple &a, const Simple &b) {
  auto sign = [](const Simple &s) {
    return s.whole == 0 && s.fraction.empty() ? 0 : (s.negative ? -1 : 1);
  };
  int sa = sign(a);
  int sb = sign(b);
  if (sa != sb || sa == 0) {
    return compare_plain(sa, sb);
  }
  int m = a.whole != b.whole ? compare_plain(a.whole, b.whole)
                             : compare_plain(a.fraction.compare(b.fraction), 0);
  return sa > 0 ? m : -m;
}

} // namespace

bool number_from_json(std::string_view token, Number *out) {
  // Fast path: -?[1-9][0-9]{0,17} or a plain decimal, valid by construction.
  size_t i = token.size() > 0 && token[0] == '-' ? 1 : 0;
  size_t start = i;
  while (i < token.size() && token[i] >= '0' && token[i] <= '9') {
    ++i;
  }
  bool leading_zero = i - start > 1 && token[start] == '0';
  if (i > start && !leading_zero && i - start <= 18) {
    if (i == token.size()) {
      int64_t v = 0;
      std::from_chars(token.data(), token.data() + token.size(), v);
      *out = Number::of(v);
      return true;
    }
    size_t j = i + 1;
    while (j < token.size() && token[j] >= '0' && token[j] <= '9') {
      ++j;
    }
    if (token[i] == '.' && j > i + 1 && j == token.size()) {
      *out = Number::of_text(token);
      return true;
    }
  }
  if (!core::is_json_number(token)) {
    return false;
  }
  size_t digits = token.size() - (token[0] == '-' ? 1 : 0);
  bool plain = digits <= 18 && token.find_first_of(".eE") == std::string_view::npos;
  if (plain) {
    int64_t v = 0;
    std::from_chars(token.data(), token.data() + token.size(), v);
    *out = Number::of(v);
    return true;
  }
  *out = Number::of_text(token);
  return true;
}

void append_canonical_number(std::string *out, std::string_view token) {
  Decimal d = parse_decimal(token);
  if (d.digits.empty()) {
    out->push_back('0');
    return;
  }
  if (d.negative) {
    out->push_back('-');
  }
  out->append(d.digits);
  out->push_back('e');
  fmt::format_int exponent(d.exponent);
  out->append(exponent.data(), exponent.size());
}

int compare_decimal_texts(std::string_view a, std::string_view b) {
  return compare_decimals(parse_decimal(a), parse_decimal(b));
}

int compare_numbers(const Number &a, const Number &b) {
  using K = Number::Kind;
  if (a.kind == K::integer && b.kind == K::integer) {
    return compare_plain(a.integer, b.integer);
  }
  if (a.kind == K::real || b.kind == K::real) {
    return compare_plain(to_double(a), to_double(b));
  }
  Simple x;
  Simple y;
  if (simple_of(a, &x) && simple_of(b, &y)) {
    return compare_simple(x, y);
  }
  return compare_decimals(decimal_of(a), decimal_of(b));
}

double to_double(const Number &n) {
  switch (n.kind) {
  case Number::Kind::integer:
    return static_cast<double>(n.integer);
  case Number::Kind::real:
    return n.real;
  case Number::Kind::text:
    return text_to_double(n.text);
  }
  return 0;
}

bool to_integer(const Number &n, int64_t *out) {
  if (n.kind == Number::Kind::integer) {
    *out = n.integer;
    return true;
  }
  double d = to_double(n);
  if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.2e18) {
    *out = static_cast<int64_t>(d);
    return true;
  }
  return false;
}

Number negate(const Number &n) {
  if (n.kind == Number::Kind::integer && n.integer != INT64_MIN) {
    return Number::of(-n.integer);
  }
  return Number::of(-to_double(n));
}

bool arithmetic(Arith op, const Number &a, const Number &b, Number *out, std::string *why) {
  if (a.kind == Number::Kind::integer && b.kind == Number::Kind::integer) {
    int64_t x = a.integer;
    int64_t y = b.integer;
    int64_t r = 0;
    switch (op) {
    case Arith::add:
      if (!__builtin_add_overflow(x, y, &r)) {
        *out = Number::of(r);
        return true;
      }
      break;
    case Arith::sub:
      if (!__builtin_sub_overflow(x, y, &r)) {
        *out = Number::of(r);
        return true;
      }
      break;
    case Arith::mul:
      if (!__builtin_mul_overflow(x, y, &r)) {
        *out = Number::of(r);
        return true;
      }
      break;
    case Arith::div:
    case Arith::mod:
      if (y == 0) {
        *why = op == Arith::div ? "division by zero" : "modulo by zero";
        return false;
      }
      if (x == INT64_MIN && y == -1) {
        break;
      }
      if (op == Arith::mod) {
        *out = Number::of(x % y);
        return true;
      }
      if (x % y == 0) {
        *out = Number::of(x / y);
        return true;
      }
      break;
    }
  }
  double x = to_double(a);
  double y = to_double(b);
  switch (op) {
  case Arith::add:
    *out = Number::of(x + y);
    return true;
  case Arith::sub:
    *out = Number::of(x - y);
    return true;
  case Arith::mul:
    *out = Number::of(x * y);
    return true;
  case Arith::div:
  case Arith::mod:
    if (y == 0) {
      *why = op == Arith::div ? "division by zero" : "modulo by zero";
      return false;
    }
    *out = Number::of(op == Arith::div ? x / y : std::fmod(x, y));
    return true;
  }
  return true;
}

void append_number(std::string *out, const Number &n) {
  switch (n.kind) {
  case Number::Kind::integer: {
    fmt::format_int text(n.integer);
    out->append(text.data(), text.size());
    return;
  }
  case Number::Kind::text:
    out->append(n.text);
    return;
  case Number::Kind::real: {
    core::JsonWriter w(out);
    w.number(n.real);
    return;
  }
  }
}

} // namespace sluice::expr
