#include "expr_test_support.hpp"

namespace sluice::expr {
namespace {

using test::eval;
using test::run;

const std::string k_event =
    R"({"id":"e1","op":"update","ts":1732406400000,"after":{"amount":290.43,"n":7,"s":"Zoë Müller",)"
    R"("email":"Jo@Example.COM","items":[{"sku":"P1","qty":2},{"sku":"P2","qty":1}],"none":null,)"
    R"("big":123456789012345678901234567890,"dec":0.1000000000000000000001,"flag":false,"esc":"a\"b\u00e9",)"
    R"("tags":["x","y"],"obj":{"k":1, "j":[1,2]}}})";

TEST_CASE("expressions compare numbers exactly", "[expr][eval]") {
  CHECK(eval("after.amount > 100", k_event) == "true");
  CHECK(eval("after.amount == 290.430", k_event) == "true");
  CHECK(eval("after.amount < 290.43", k_event) == "false");
  CHECK(eval("after.big > 123456789012345678901234567889", k_event) == "true");
  CHECK(eval("after.big == 123456789012345678901234567891", k_event) == "false");
  CHECK(eval("after.big == 1.23456789012345678901234567890e29", k_event) == "true");
  CHECK(eval("after.dec > 0.1", k_event) == "true");
  CHECK(eval("after.dec == 0.1", k_event) == "false");
  CHECK(eval("-123456789012345678901234567890 < -123456789012345678901234567889") == "true");
  CHECK(eval("64.0 == 64") == "true");
  CHECK(eval("1e2 == 100") == "true");
  CHECK(eval("0 == -0.0") == "true");
  CHECK(eval("1e999 > 1e998") == "true");
  CHECK(eval("-1e999 < -1e998") == "true");
}

TEST_CASE("expressions treat null as jq for equality and as SQL for order", "[expr][eval]") {
  CHECK(eval("after.missing == null", k_event) == "true");
  CHECK(eval("after.none == null", k_event) == "true");
  CHECK(eval("null == null") == "true");
  CHECK(eval("null != 1") == "true");
  CHECK(eval("op != \"delete\"", "{}") == "true");
  CHECK(eval("after.missing < 100", k_event) == "false");
  CHECK(eval("after.missing >= 100", k_event) == "false");
  CHECK(eval("null < 1") == "false");
  CHECK(eval("null <= null") == "false");
  CHECK(eval("\"10\" < 20") == "false");
  CHECK(eval("\"10\" == 10") == "false");
  CHECK(eval("after.missing + 1", k_event) == "null");
  CHECK(eval("lower(after.missing)", k_event) == "null");
}

TEST_CASE("expressions combine with and or not and in", "[expr][eval]") {
  CHECK(eval("op == \"update\" and after.n > 5", k_event) == "true");
  CHECK(eval("op == \"insert\" or after.n > 5", k_event) == "true");
  CHECK(eval("not after.flag", k_event) == "true");
  CHECK(eval("not after.missing", k_event) == "true");
  CHECK(eval("!(after.n == 7) || false", k_event) == "false");
  CHECK(eval("op in [\"insert\", \"update\"]", k_event) == "true");
  CHECK(eval("op not in [\"insert\", \"update\"]", k_event) == "false");
  CHECK(eval("after.n in [1, 7.0]", k_event) == "true");
  CHECK(eval("\"y\" in after.tags", k_event) == "true");
  CHECK(eval("\"P2\" in after.items[*].sku", k_event) == "true");
  CHECK(eval("\"P3\" in after.items[*].sku", k_event) == "false");
  CHECK(eval("null in [1, null]") == "true");
  CHECK(eval("1 in null") == "false");
  // and/or short-circuit: the error on the right is never reached.
  CHECK(eval("false and 1 / 0 == 1") == "false");
  CHECK(eval("true or 1 / 0 == 1") == "true");
}

TEST_CASE("expressions do arithmetic", "[expr][eval]") {
  CHECK(eval("after.n * 2 + 1", k_event) == "15");
  CHECK(eval("after.n / 2", k_event) == "3.5");
  CHECK(eval("after.n / 7", k_event) == "1");
  CHECK(eval("after.n % 4", k_event) == "3");
  CHECK(eval("-after.n", k_event) == "-7");
  CHECK(eval("after.amount * 2", k_event) == "580.86");
  // Integer overflow goes on in doubles, as jq computes everything.
  CHECK(eval("9223372036854775807 + 1") == "9.223372036854776e+18");
  CHECK(eval("\"a\" + \"b\"") == "\"ab\"");
  CHECK(eval("1 / 0").rfind("error: division by zero", 0) == 0);
  CHECK(eval("5 % 0").rfind("error: modulo by zero", 0) == 0);
  CHECK(eval("\"a\" * 2") == "error: cannot multiply a string and a number (column 5)");
  CHECK(eval("-\"a\"").rfind("error: cannot negate a string", 0) == 0);
}

TEST_CASE("expressions call the string functions", "[expr][eval]") {
  CHECK(eval("lower(after.email)", k_event) == "\"jo@example.com\"");
  CHECK(eval("upper(after.s)", k_event) == "\"ZOË MÜLLER\"");
  CHECK(eval("lower(\"ÀÉÎ ΣΑΣ\")") == "\"àéî σασ\"");
  CHECK(eval("len(after.s)", k_event) == "10");
  CHECK(eval("len(after.items)", k_event) == "2");
  CHECK(eval("len(after.obj)", k_event) == "2");
  CHECK(eval("len(after.items[*].sku)", k_event) == "2");
  CHECK(eval("trim(\"  x y \\t\")") == "\"x y\"");
  CHECK(eval("starts_with(after.email, \"Jo@\")", k_event) == "true");
  CHECK(eval("ends_with(after.email, \".COM\")", k_event) == "true");
  CHECK(eval("ends_with(\"a\", \"abc\")") == "false");
  CHECK(eval("contains(after.email, \"Example\")", k_event) == "true");
  CHECK(eval("contains(after.tags, \"x\")", k_event) == "true");
  CHECK(eval("matches(after.email, '(?i)@example\\.com$')", k_event) == "true");
  CHECK(eval("matches(after.email, '^\\d+$')", k_event) == "false");
  CHECK(eval("replace(after.email, '@.*', '@x')", k_event) == "\"Jo@x\"");
  CHECK(eval("replace(\"a1b22\", '(\\d+)', '<\\1>')") == "\"a<1>b<22>\"");
  CHECK(eval("concat(id, \"-\", after.n, after.missing, true)", k_event) == "\"e1-7true\"");
  CHECK(eval("coalesce(after.missing, after.none, after.n, 1)", k_event) == "7");
  CHECK(eval("coalesce(after.missing)", k_event) == "null");
  CHECK(eval("to_number(\" 12.50 \")") == "12.50");
  CHECK(eval("to_number(\"12x\")") == "null");
  CHECK(eval("to_number(\"99999999999999999999\") > 99999999999999999998") == "true");
  CHECK(eval("to_string(after.amount)", k_event) == "\"290.43\"");
  CHECK(eval("to_string(after.obj)", k_event) == "\"{\\\"k\\\":1, \\\"j\\\":[1,2]}\"");
  CHECK(eval("after.esc == 'a\"bé'", k_event) == "true");
  CHECK(eval("len(after.esc)", k_event) == "4");
  CHECK(eval("lower(1)") == "error: lower() wants a string as argument 1, not a number (column 1)");
}

TEST_CASE("expressions test presence and choose", "[expr][eval]") {
  CHECK(eval("exists(after.none)", k_event) == "true");
  CHECK(eval("exists(after.missing)", k_event) == "false");
  CHECK(eval("exists(after.items[*].qty)", k_event) == "true");
  CHECK(eval("if(after.n > 5, \"big\", \"small\")", k_event) == "\"big\"");
  CHECK(eval("if(after.missing, 1 / 0, 2)", k_event) == "2");
  CHECK(eval("env(\"SET\")") == "\"value\"");
  CHECK(eval("env(\"UNSET_VARIABLE\")") == "null");
}

TEST_CASE("expressions compare event times with now and durations", "[expr][eval]") {
  int64_t now = 1732406400000 + 60'000;
  CHECK(run("ts > now() - 5m", k_event, now).json == "true");
  CHECK(run("ts > now() - 30s", k_event, now).json == "false");
  CHECK(run("now() - ts", k_event, now).json == "60000");
  CHECK(run("now() - ts >= 1m", k_event, now).json == "true");
  CHECK(run("now() - ts > 1m", k_event, now).json == "false");
  // Seconds, microseconds and RFC 3339 strings are read by magnitude and form.
  CHECK(run("1732406400 > now() - 5m", "{}", now).json == "true");
  CHECK(run("1732406400000000 > now() - 5m", "{}", now).json == "true");
  CHECK(run("\"2024-11-24T00:00:00Z\" > now() - 5m", "{}", now).json == "true");
  CHECK(run("\"2024-11-23T23:00:00Z\" > now() - 5m", "{}", now).json == "false");
  CHECK(run("\"not a time\" > now() - 5m", "{}", now).json == "false");
  CHECK(run("ts + 1h > now()", k_event, now).json == "true");
  CHECK(run("now()", "{}", now).json == "1732406460000");
  CHECK(run("5m + 250ms", "{}", now).json == "300250");
  CHECK(run("5m > 299s", "{}", now).json == "true");
}

TEST_CASE("expressions compare lists arrays and objects as JSON", "[expr][eval]") {
  CHECK(eval("after.tags == [\"x\", \"y\"]", k_event) == "true");
  CHECK(eval("after.obj == after.obj", k_event) == "true");
  CHECK(eval("after.items[*].qty == [2, 1]", k_event) == "true");
  CHECK(eval("after.tags < [\"z\"]", k_event) == "false");
  CHECK(eval("[1, after.n, \"s\"]", k_event) == "[1,7,\"s\"]");
  // Members in any order, numbers by value and exactly, strings by their characters.
  CHECK(eval("after.obj == a", R"({"after":{"obj":{"j":[1.0, 2],"k":1}},"a":{"k":10e-1,"j":[1,2e0]}})") ==
        "true");
  std::string big = R"({"x":[1,123456789012345678901234567890],"y":[1, 123456789012345678901234567890.0],)"
                    R"("z":[1,123456789012345678901234567891],"s":["\u00e9"],"t":["é"]})";
  CHECK(eval("x == y", big) == "true");
  CHECK(eval("x == z", big) == "false");
  CHECK(eval("x == [1, 123456789012345678901234567890]", big) == "true");
  CHECK(eval("s == t", big) == "true");
  CHECK(eval("[1.0000000000000000000001] == [1]") == "false");
  CHECK(eval("len(z)", big) == "2");
  CHECK(eval("len(x) + len(\"\")", big) == "2");
}

TEST_CASE("expressions evaluate paths with odd keys", "[expr][eval]") {
  std::string ev = R"({"odd key":1,"true":2,"a":{"b-c":3},"caf\u00e9":4})";
  // A leading [ is a list: a key that needs brackets starts with a dot.
  CHECK(eval("[\"odd key\"] + 0", ev) == "error: cannot add a list and a number (column 13)");
  CHECK(eval(".[\"odd key\"] + 1", ev) == "2");
  CHECK(eval(".true", ev) == "2");
  CHECK(eval("a[\"b-c\"]", ev) == "3");
  CHECK(eval("café", ev) == "4");
}

} // namespace
} // namespace sluice::expr
