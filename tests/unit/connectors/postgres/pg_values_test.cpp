#include "connectors/postgres/pg_values.hpp"

#include <catch2/catch.hpp>

namespace sluice::connectors::postgres {
namespace {

std::string map(uint32_t oid, std::string_view text, ValueOptions o = {}) {
  TypeRegistry types;
  ValueMapper m(types, o);
  std::string out;
  std::string why;
  INFO(text);
  REQUIRE(m.append(&out, types.get(oid), text, &why));
  return out;
}

TEST_CASE("values keep integers and numerics as printed", "[connectors][postgres][pg_values]") {
  CHECK(map(20, "-9223372036854775808") == "-9223372036854775808");
  CHECK(map(1700, "1234567890123456789012345678901234567890.0000000001") ==
        "1234567890123456789012345678901234567890.0000000001");
  CHECK(map(1700, "NaN") == "\"NaN\"");
  CHECK(map(701, "-Infinity") == "\"-Infinity\"");
  CHECK(map(701, "1.5e-07") == "1.5e-07");
  CHECK(map(700, "-0") == "-0");
}

TEST_CASE("values map booleans json bytea and text", "[connectors][postgres][pg_values]") {
  CHECK(map(16, "t") == "true");
  CHECK(map(16, "f") == "false");
  CHECK(map(3802, R"({"a": 1, "b": [1, 2]})") == R"({"a":1,"b":[1,2]})");
  CHECK(map(114, "{\n  \"a\" : \"x y\"\n}") == R"({"a":"x y"})");
  CHECK(map(17, "\\x0102ff") == "\"AQL/\"");
  CHECK(map(17, "\\x") == "\"\"");
  CHECK(map(25, "line\nbreak \"q\"") == R"("line\nbreak \"q\"")");
  CHECK(map(2950, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11") ==
        "\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\"");
  CHECK(map(1186, "1 day 02:00:00") == "\"1 day 02:00:00\"");
}

TEST_CASE("values write dates and times as RFC 3339", "[connectors][postgres][pg_values]") {
  CHECK(map(1082, "2024-11-24") == "\"2024-11-24\"");
  CHECK(map(1114, "2024-11-24 12:34:56.789") == "\"2024-11-24T12:34:56.789\"");
  CHECK(map(1184, "2024-11-24 12:34:56.789+00") == "\"2024-11-24T12:34:56.789Z\"");
  CHECK(map(1184, "2024-11-24 12:34:56+05:30") == "\"2024-11-24T12:34:56+05:30\"");
  CHECK(map(1184, "2024-11-24 12:34:56-02") == "\"2024-11-24T12:34:56-02:00\"");
  CHECK(map(1184, "infinity") == "\"infinity\"");
  CHECK(map(1082, "-infinity") == "\"-infinity\"");
  CHECK(map(1114, "0044-03-15 12:00:00 BC") == "\"0044-03-15 12:00:00 BC\"");
  CHECK(map(1266, "12:34:56+02") == "\"12:34:56+02:00\"");
  CHECK(map(1083, "12:34:56.5") == "\"12:34:56.5\"");
}

TEST_CASE("values write times as epoch milliseconds on request", "[connectors][postgres][pg_values]") {
  ValueOptions ms{true, false};
  CHECK(map(1184, "2024-11-24 00:00:01.25+00", ms) == "1732406401250");
  CHECK(map(1184, "2024-11-24 01:00:00+01", ms) == "1732406400000");
  CHECK(map(1114, "2024-11-24 00:00:00", ms) == "1732406400000");
  CHECK(map(1082, "2024-11-24", ms) == "1732406400000");
  CHECK(map(1082, "1969-12-31", ms) == "-86400000");
  CHECK(map(1184, "infinity", ms) == "\"infinity\"");
}

TEST_CASE("values map arrays element by element", "[connectors][postgres][pg_values]") {
  CHECK(map(1007, "{1,2,NULL}") == "[1,2,null]");
  CHECK(map(1007, "{}") == "[]");
  CHECK(map(1007, "{{1,2},{3,4}}") == "[[1,2],[3,4]]");
  CHECK(map(1009, R"({"a b","c\"d",NULL,"NULL",e})") == R"(["a b","c\"d",null,"NULL","e"])");
  CHECK(map(1000, "{t,f}") == "[true,false]");
  CHECK(map(3807, R"({"{\"a\": 1}","[2]"})") == R"([{"a":1},[2]])");
  CHECK(map(1231, "[0:1]={1.5,NaN}") == R"([1.5,"NaN"])");
  CHECK(map(1185, R"({"2024-11-24 00:00:00+00"})") == R"(["2024-11-24T00:00:00Z"])");
}

TEST_CASE("values refuse text their type does not print", "[connectors][postgres][pg_values]") {
  TypeRegistry types;
  ValueMapper m(types, ValueOptions{false, true});
  std::string out;
  std::string why;
  CHECK_FALSE(m.append(&out, types.get(16), "yes", &why));
  CHECK_FALSE(m.append(&out, types.get(17), "\\x0", &why));
  CHECK_FALSE(m.append(&out, types.get(17), "abc", &why));
  CHECK_FALSE(m.append(&out, types.get(1007), "{1,2", &why));
  CHECK_FALSE(m.append(&out, types.get(25), "\xff\xfe", &why));
  CHECK(why.find("UTF-8") != std::string::npos);
}

TEST_CASE("values parse PostgreSQL times", "[connectors][postgres][pg_values]") {
  int64_t us = 0;
  REQUIRE(pg_time_to_us("2024-11-24 00:00:00.000001+00", true, &us));
  CHECK(us == 1732406400000001);
  CHECK_FALSE(pg_time_to_us("2024-13-01", false, &us));
  CHECK_FALSE(pg_time_to_us("2024-11-24 25:00", false, &us));
  CHECK(rfc3339_of_pg("2024-11-24 00:00:00+00", true) == "2024-11-24T00:00:00Z");
  CHECK(rfc3339_of_pg("garbage", true) == "garbage");
}

} // namespace
} // namespace sluice::connectors::postgres
