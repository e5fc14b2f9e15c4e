#include "connectors/sqlite/sql_value.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using sluice::connectors::sqlite::declared_type;
using sluice::connectors::sqlite::keep_text;
using sluice::connectors::sqlite::read_sql_value;
using sluice::connectors::sqlite::SqlType;
using sluice::connectors::sqlite::SqlValue;

namespace {

// The SQL value of every top-level field of `json`, in order.
std::vector<SqlValue> values_of(simdjson::ondemand::parser& parser, const std::string& json,
                                std::string* why = nullptr) {
  static simdjson::padded_string padded;
  padded = simdjson::padded_string(json);
  simdjson::ondemand::document doc;
  REQUIRE(parser.iterate(padded).get(doc) == simdjson::SUCCESS);
  simdjson::ondemand::object object;
  REQUIRE(doc.get_object().get(object) == simdjson::SUCCESS);
  std::vector<SqlValue> out;
  for (auto field : object) {
    SqlValue v;
    std::string reason;
    if (!read_sql_value(field.value(), &v, &reason)) {
      if (why != nullptr) {
        *why = reason;
      }
      return out;
    }
    out.push_back(v);
  }
  return out;
}

} // namespace

TEST_CASE("sql values follow the JSON type of each value", "[connectors][sqlite][sql_value]") {
  simdjson::ondemand::parser parser;
  auto v = values_of(parser, R"({"s":"a\"b\u00e9","i":-5,"r":1.5,"t":true,"f":false,"n":null,)"
                             R"("o":{"a": [1, 2]},"a":[ {"b":null} ],"x":1e2})");
  REQUIRE(v.size() == 9);
  CHECK(v[0].type == SqlType::text);
  CHECK(v[0].text == "a\"b\xc3\xa9");
  CHECK((v[1].type == SqlType::integer && v[1].integer == -5));
  CHECK((v[2].type == SqlType::real && v[2].real == 1.5));
  CHECK((v[3].type == SqlType::integer && v[3].integer == 1));
  CHECK((v[4].type == SqlType::integer && v[4].integer == 0));
  CHECK(v[5].type == SqlType::null);
  CHECK((v[6].type == SqlType::text && v[6].text == R"({"a": [1, 2]})"));
  CHECK((v[7].type == SqlType::text && v[7].text == R"([ {"b":null} ])"));
  CHECK((v[8].type == SqlType::real && v[8].real == 100.0));
}

TEST_CASE("sql values keep numbers no int64 or double holds as their digits",
          "[connectors][sqlite][sql_value]") {
  simdjson::ondemand::parser parser;
  auto v = values_of(parser, R"({"u":18446744073709551615,"big":-123456789012345678901234 ,)"
                             R"("huge":1e999,"min":-9223372036854775808})");
  REQUIRE(v.size() == 4);
  CHECK((v[0].type == SqlType::text && v[0].text == "18446744073709551615"));
  CHECK((v[1].type == SqlType::text && v[1].text == "-123456789012345678901234"));
  CHECK((v[2].type == SqlType::text && v[2].text == "1e999"));
  CHECK((v[3].type == SqlType::integer && v[3].integer == INT64_MIN));
}

TEST_CASE("sql values reject invalid JSON values", "[connectors][sqlite][sql_value]") {
  simdjson::ondemand::parser parser;
  std::string why;
  CHECK(values_of(parser, R"({"a":1,"b":01})", &why).size() == 1);
  CHECK(why == "invalid number 01");
  CHECK(values_of(parser, R"({"a":nul})", &why).empty());
  CHECK(why == "invalid literal");
  CHECK(values_of(parser, R"({"a":"\x"})", &why).empty());
  CHECK(why == "invalid string");
}

TEST_CASE("sql values own their text after keep_text and declare column types",
          "[connectors][sqlite][sql_value]") {
  std::string source = "abc";
  SqlValue v;
  v.type = SqlType::text;
  v.text = source;
  std::string storage;
  keep_text(&v, &storage);
  source = "xyz";
  CHECK(v.text == "abc");
  CHECK(v.text.data() == storage.data());
  CHECK(std::string(declared_type(SqlType::integer)) == "INTEGER");
  CHECK(std::string(declared_type(SqlType::real)) == "REAL");
  CHECK(std::string(declared_type(SqlType::text)) == "TEXT");
  CHECK(std::string(declared_type(SqlType::null)).empty());
}
