#include "expr/text.hpp"
#include "expr/value.hpp"

#include <catch2/catch.hpp>

namespace sluice::expr {
namespace {

TEST_CASE("text helpers count and case-map code points", "[expr][text]") {
  CHECK(count_code_points("") == 0);
  CHECK(count_code_points("Zoë 😀") == 5);
  std::string s;
  append_upper(&s, "straße ǆ é");
  CHECK(s == "STRAßE Ǆ É"); // simple case mapping: ß stays, no length change
  s.clear();
  append_lower(&s, "ÀÉÎ ΣΑΣ İ");
  CHECK(s.rfind("àéî σασ ", 0) == 0);
  CHECK(trim_spaces(" \t\r\n x y \n") == "x y");
  CHECK(trim_spaces("   ").empty());
  CHECK(offset_of_last_code_points("abcdé", 2) == 3);
  CHECK(offset_of_last_code_points("ab", 5) == 0);
  CHECK(offset_of_last_code_points("ab", 0) == 2);
}

TEST_CASE("values read event times by magnitude and form", "[expr][value]") {
  int64_t ms = 0;
  Number n;
  REQUIRE(number_from_json("1732406400", &n));
  CHECK(to_time(Value::of(n), &ms));
  CHECK(ms == 1732406400000);
  REQUIRE(number_from_json("1732406400123456", &n));
  CHECK(to_time(Value::of(n), &ms));
  CHECK(ms == 1732406400123);
  REQUIRE(number_from_json("1732406400.5", &n));
  CHECK(to_time(Value::of(n), &ms));
  CHECK(ms == 1732406400500);
  CHECK(to_time(Value::string("2024-11-24T00:00:00.250+01:00"), &ms));
  CHECK(ms == 1732402800250);
  CHECK_FALSE(to_time(Value::string("yesterday"), &ms));
  CHECK_FALSE(to_time(Value::of(true), &ms));
  CHECK(values_equal(Value::time(1732406400000), Value::string("2024-11-24T00:00:00Z")));
  CHECK_FALSE(values_ordered(Order::less, Value::time(0), Value::of(true)));
}

TEST_CASE("values order only within one type", "[expr][value]") {
  CHECK(values_ordered(Order::less, Value::string("a"), Value::string("b")));
  CHECK(values_ordered(Order::less, Value::string("Z"), Value::string("a")));
  CHECK(values_ordered(Order::less, Value::string("z"), Value::string("é")));
  CHECK(values_ordered(Order::less_equal, Value::of(false), Value::of(true)));
  CHECK_FALSE(values_ordered(Order::less, Value::of(Number::of(int64_t{1})), Value::string("2")));
  CHECK_FALSE(values_ordered(Order::greater_equal, Value::null(), Value::null()));
  CHECK(values_ordered(Order::greater, Value::duration(2000), Value::duration(1999)));
  CHECK_FALSE(values_equal(Value::of(Number::of(int64_t{0})), Value::of(false)));
  CHECK_FALSE(values_equal(Value::string(""), Value::null()));
  CHECK(is_truthy(Value::of(Number::of(int64_t{0}))));
  CHECK(is_truthy(Value::string("")));
  CHECK_FALSE(is_truthy(Value::null()));
}

TEST_CASE("values write valid JSON with control characters escaped", "[expr][value]") {
  std::string out;
  append_json(&out, Value::string("a\x01\n\"b\\"));
  CHECK(out == R"("a\u0001\n\"b\\")");
  out.clear();
  append_json(&out, Value::of(Number::of(1e308 * 10)));
  CHECK(out == "null"); // infinity has no JSON spelling
  out.clear();
  append_json(&out, Value::duration(1500));
  CHECK(out == "1.5");
  out.clear();
  append_text(&out, Value::null());
  CHECK(out == "null");
}

} // namespace
} // namespace sluice::expr
