#include "connectors/postgres/copy_text.hpp"

#include <catch2/catch.hpp>

namespace sluice::connectors::postgres {
namespace {

std::string field(SinkValue::Kind kind, const std::string& text, ColumnClass c = ColumnClass::plain) {
  std::string out;
  std::string scratch;
  append_copy_field(&out, {kind, text}, c, &scratch);
  return out;
}

using K = SinkValue::Kind;

TEST_CASE("copy text escapes what COPY's text format would misread", "[connectors][postgres][copy_text]") {
  CHECK(field(K::null, "") == "\\N");
  CHECK(field(K::string, "a\tb\nc\\d\re") == "a\\tb\\nc\\\\d\\re");
  CHECK(field(K::string, "\\N") == "\\\\N");
  CHECK(field(K::number, "1.50") == "1.50");
  CHECK(field(K::boolean, "true") == "true");
  CHECK(field(K::object, R"({"a":"x\ny"})") == R"({"a":"x\\ny"})");
}

TEST_CASE("copy text converts values for json array bytea and time columns",
          "[connectors][postgres][copy_text]") {
  CHECK(field(K::string, "x\"y", ColumnClass::json) == R"("x\\"y")");
  CHECK(field(K::number, "1", ColumnClass::json) == "1");
  CHECK(field(K::array, R"([1,null,"a b",[2],{"k":1}])", ColumnClass::array) ==
        R"({1,NULL,"a b",{2},"{\\"k\\":1}"})");
  CHECK(field(K::string, "AQL/", ColumnClass::bytea) == "\\\\x0102ff");
  CHECK(field(K::string, "not base64!", ColumnClass::bytea) == "not base64!");
  CHECK(field(K::number, "1732406401250", ColumnClass::time) == "2024-11-24 00:00:01.250+00");
  CHECK(field(K::number, "1732406401", ColumnClass::time) == "2024-11-24 00:00:01.000+00");
  CHECK(field(K::string, "2024-11-24T00:00:00Z", ColumnClass::time) == "2024-11-24T00:00:00Z");
}

TEST_CASE("copy text turns JSON arrays into array literals", "[connectors][postgres][copy_text]") {
  std::string out;
  CHECK(json_array_to_pg("[]", &out));
  CHECK(out == "{}");
  out.clear();
  CHECK(json_array_to_pg(R"([[1,2],[3,4]])", &out));
  CHECK(out == "{{1,2},{3,4}}");
  out.clear();
  CHECK_FALSE(json_array_to_pg(R"({"a":1})", &out));
  CHECK_FALSE(json_array_to_pg("[1,", &out));
  CHECK(out.empty());
}

} // namespace
} // namespace sluice::connectors::postgres
