#include "connectors/postgres/pg_array.hpp"

#include <catch2/catch.hpp>

namespace sluice::connectors::postgres {
namespace {

std::string flat(std::string_view text, char delimiter = ',') {
  std::vector<ArrayItem> items;
  std::string why;
  if (!split_pg_array(text, delimiter, &items, &why)) {
    return "error";
  }
  std::string out;
  for (const auto& i : items) {
    switch (i.kind) {
    case ArrayItem::Kind::open:
      out += "{";
      break;
    case ArrayItem::Kind::close:
      out += "}";
      break;
    case ArrayItem::Kind::null:
      out += "N;";
      break;
    default:
      out += "<" + i.text + ">";
    }
  }
  return out;
}

TEST_CASE("pg arrays split into items", "[connectors][postgres][pg_array]") {
  CHECK(flat("{}") == "{}");
  CHECK(flat("{1,2}") == "{<1><2>}");
  CHECK(flat("{ a , b }") == "{<a><b>}");
  CHECK(flat(R"({"x,y","q\"z",\,})") == R"({<x,y><q"z><,>})");
  CHECK(flat("{NULL,null,\"NULL\"}") == "{N;N;<NULL>}");
  CHECK(flat("{{1},{2}}") == "{{<1>}{<2>}}");
  CHECK(flat("[1:2]={3,4}") == "{<3><4>}");
  CHECK(flat("{(0,0),(1,1);(2,2),(3,3)}", ';') == "{<(0,0),(1,1)><(2,2),(3,3)>}");
}

TEST_CASE("pg arrays refuse malformed text", "[connectors][postgres][pg_array]") {
  for (const char* bad : {"", "1,2", "{1,2", "{1,,2}", "{\"a}", "{1}x", "{{1}"}) {
    INFO(bad);
    CHECK(flat(bad) == "error");
  }
}

TEST_CASE("pg array elements are quoted for array literals", "[connectors][postgres][pg_array]") {
  std::string out;
  append_array_element(&out, R"(a"b\c)");
  CHECK(out == R"("a\"b\\c")");
}

} // namespace
} // namespace sluice::connectors::postgres
