#include "expr/expression.hpp"
#include "expr/lexer.hpp"
#include "expr/number.hpp"

#include <catch2/catch.hpp>

namespace sluice::expr {
namespace {

std::string error_of(const std::string &text) {
  Expression e;
  ParseError err;
  if (Expression::parse(text, &e, &err)) {
    return "ok";
  }
  return std::to_string(err.column) + ": " + err.message;
}

TEST_CASE("lexer splits paths numbers durations strings and symbols", "[expr][lexer]") {
  std::vector<Token> t;
  size_t column = 0;
  std::string why;
  REQUIRE(tokenize(R"(a.b["x y"][*] >= -1.5e3 and 5m != 'r\d' in ["s\n"])", &t, &column, &why));
  std::vector<Tok> kinds;
  for (const auto &x : t) {
    kinds.push_back(x.kind);
  }
  CHECK(kinds == std::vector<Tok>{Tok::path, Tok::ge, Tok::minus, Tok::number, Tok::kw_and,
                                  Tok::duration, Tok::ne, Tok::string, Tok::kw_in, Tok::lbracket,
                                  Tok::string, Tok::rbracket, Tok::end});
  CHECK(t[0].text == "a.b[\"x y\"][*]");
  CHECK(t[7].value == "r\\d");
  CHECK(t[10].value == "s\n");
  CHECK(t[3].column == 18);
  CHECK_FALSE(tokenize("a # b", &t, &column, &why));
  CHECK(column == 2);
  CHECK_FALSE(tokenize("\"open", &t, &column, &why));
  CHECK(why == "unterminated string");
}

TEST_CASE("parser reports the column of the first error", "[expr][parser]") {
  CHECK(error_of("a > 1") == "ok");
  CHECK(error_of("a >") == "3: expected a value at the end");
  CHECK(error_of("(a > 1") == "6: expected ')' at the end");
  CHECK(error_of("a > 1 )") == "6: unexpected ')'");
  CHECK(error_of("a < b < c") == "6: comparisons do not chain: use 'and'");
  CHECK(error_of("foo(1)") == "0: unknown function 'foo' (functions: lower upper len trim "
                              "starts_with ends_with contains matches replace concat coalesce "
                              "to_number to_string env now exists if)");
  CHECK(error_of("lower(a, b)") == "0: lower() takes 1 argument, not 2");
  CHECK(error_of("if(a, b)") == "0: if() takes 3 arguments, not 2");
  CHECK(error_of("exists(1)") == "7: exists() takes a path");
  CHECK(error_of("matches(a, b)") == "11: the pattern must be a string literal");
  CHECK(error_of("matches(a, '(')").rfind("11: invalid regular expression", 0) == 0);
  CHECK(error_of("env(a)") == "4: env() takes a string: env(\"VAR\")");
  CHECK(error_of("01 == 1") == "0: invalid number '01'");
  CHECK(error_of("5parsecs > 1").rfind("0: ", 0) == 0);
  CHECK(error_of("a not b") == "2: unexpected 'not'");
  CHECK(error_of(std::string("\"\xff\"")) == "0: the expression is not valid UTF-8");
}

TEST_CASE("parser refuses expressions nested too deep for the stack", "[expr][parser]") {
  CHECK(error_of(std::string(63, '(') + "1" + std::string(63, ')')) == "ok");
  CHECK(error_of(std::string(100000, '(') + "1" + std::string(100000, ')')) ==
        "64: the expression is nested more than 64 levels deep");
  CHECK(error_of(std::string(100000, '-') + "1").rfind("63: the expression is nested", 0) == 0);
  std::string nots;
  for (int i = 0; i < 50000; ++i) {
    nots += "not ";
  }
  CHECK(error_of(nots + "true").rfind("252: the expression is nested", 0) == 0);
  std::string chain = "a";
  for (int i = 0; i < 999; ++i) {
    chain += " or a";
  }
  CHECK(error_of(chain) == "ok");
  for (int i = 0; i < 100000; ++i) {
    chain += " + 1";
  }
  CHECK(error_of(chain).find(": the expression is more than 1000 operations deep") !=
        std::string::npos);
}

TEST_CASE("parse errors print the expression with a caret", "[expr][parser]") {
  ParseError e{16, "expected a value, found ')'"};
  CHECK(
      format_parse_error("--where", "after.amount > )", e) ==
      "--where: expected a value, found ')' at column 17\n  after.amount > )\n                  ^");
  ParseError u{4, "x"};
  CHECK(format_parse_error("--set", "\"é\" ?", u) == "--set: x at column 4\n  \"é\" ?\n     ^");
}

TEST_CASE("expressions list their paths and resolve env once", "[expr][parser]") {
  Expression e;
  ParseError err;
  REQUIRE(Expression::parse("a.b > 1 and env(\"X\") == c[*].d and now() > 0", &e, &err));
  REQUIRE(e.paths().size() == 2);
  CHECK(e.paths()[1].text() == "c[*].d");
  CHECK(e.uses_now());
  CHECK(e.env_names() == std::vector<std::string>{"X"});
  e.resolve_env([](const std::string &) { return std::optional<std::string>("v"); });
  CHECK(e.env_names().empty());
}

TEST_CASE("numbers compare exactly from their digits", "[expr][number]") {
  auto cmp = [](const char *a, const char *b) {
    Number x;
    Number y;
    REQUIRE(number_from_json(a, &x));
    REQUIRE(number_from_json(b, &y));
    return compare_numbers(x, y);
  };
  CHECK(cmp("1", "1.0") == 0);
  CHECK(cmp("-0", "0.000") == 0);
  CHECK(cmp("0.1", "0.10000000000000000000001") == -1);
  CHECK(cmp("18446744073709551616", "18446744073709551615") == 1);
  CHECK(cmp("-18446744073709551616", "-18446744073709551615") == -1);
  CHECK(cmp("1e3", "999.999") == 1);
  CHECK(cmp("12.5e-1", "1.25") == 0);
  CHECK(cmp("-2.5", "-2.4") == -1);
  CHECK(cmp("100", "99.999999999999999999999") == 1);
  CHECK(cmp("1e999", "1e998") == 1);
  CHECK(cmp("0.001", "1e-3") == 0);
  Number n;
  CHECK_FALSE(number_from_json("01", &n));
  CHECK_FALSE(number_from_json("1.", &n));
  CHECK(compare_numbers(Number::of(0.1), Number::of_text("0.1")) == 0);
  auto canonical = [](const char *t) {
    std::string out;
    append_canonical_number(&out, t);
    return out;
  };
  CHECK(canonical("1.50") == "15e1");
  CHECK(canonical("15e-1") == "15e1");
  CHECK(canonical("-0.0012") == "-12e-2");
  CHECK(canonical("-0e5") == "0");
  CHECK(canonical("123456789012345678901234567890") == "12345678901234567890123456789e30");
}

} // namespace
} // namespace sluice::expr
