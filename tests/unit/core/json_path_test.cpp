#include "core/json_path.hpp"

#include <catch2/catch.hpp>

namespace sluice::core {
namespace {

using Kind = PathStep::Kind;

JsonPath parsed(std::string_view text) {
  JsonPath path;
  std::string why;
  INFO(text);
  REQUIRE(JsonPath::parse(text, &path, &why));
  CHECK(path.text() == text);
  return path;
}

std::string parse_error(std::string_view text) {
  JsonPath path;
  std::string why;
  INFO(text);
  CHECK_FALSE(JsonPath::parse(text, &path, &why));
  CHECK_FALSE(why.empty());
  return why;
}

std::string describe(const JsonPath& path) {
  std::string out;
  for (const auto& s : path.steps()) {
    switch (s.kind) {
    case Kind::field: out.append("<").append(s.name).append(">"); break;
    case Kind::index: out.append("[").append(std::to_string(s.index)).append("]"); break;
    case Kind::every: out.append("[*]"); break;
    }
  }
  return out;
}

TEST_CASE("json path parses dotted fields", "[core][json_path]") {
  CHECK(describe(parsed("a.b.c")) == "<a><b><c>");
  CHECK(describe(parsed(".a")) == "<a>");
  CHECK(describe(parsed("a")) == "<a>");
  CHECK(describe(parsed("after.customer.email")) == "<after><customer><email>");
  CHECK(describe(parsed("$weird-name_1")) == "<$weird-name_1>");
}

TEST_CASE("json path parses quoted keys", "[core][json_path]") {
  CHECK(describe(parsed("a[\"odd key\"]")) == "<a><odd key>");
  CHECK(describe(parsed("a['x.y']")) == "<a><x.y>");
  CHECK(describe(parsed("a[\"x,y\"].b")) == "<a><x,y><b>");
  CHECK(describe(parsed("[\"top\"]")) == "<top>");
  CHECK(describe(parsed("a[\"q\\\"uote\"]")) == "<a><q\"uote>");
  CHECK(describe(parsed("a[\"]\"]")) == "<a><]>");
  CHECK(describe(parsed("a['']")) == "<a><>");
}

TEST_CASE("json path parses indexes and every element", "[core][json_path]") {
  auto items = parsed("items[0]");
  CHECK(describe(items) == "<items>[0]");
  CHECK_FALSE(items.has_every());
  auto cards = parsed("items[*].card");
  CHECK(describe(cards) == "<items>[*]<card>");
  CHECK(cards.has_every());
  CHECK(describe(parsed("m[12][3].x")) == "<m>[12][3]<x>");
  CHECK(describe(parsed("[1]")) == "[1]");
}

TEST_CASE("json path names its last field", "[core][json_path]") {
  CHECK(parsed("a.b.c").last_name() == "c");
  CHECK(parsed("items[0]").last_name() == "items");
  CHECK(parsed("a[\"odd key\"]").last_name() == "odd key");
  CHECK(parsed("[0]").last_name() == "[0]");
}

TEST_CASE("json path rejects what is not a path", "[core][json_path]") {
  CHECK(parse_error("") == "empty path");
  CHECK(parse_error(".") == "empty path");
  parse_error("a..b");
  parse_error("a.");
  CHECK(parse_error("a[").find("after '['") != std::string::npos);
  CHECK(parse_error("a[x]").find("after '['") != std::string::npos);
  CHECK(parse_error("a[0").find("missing ']'") != std::string::npos);
  CHECK(parse_error("a[\"x").find("unterminated quoted key") != std::string::npos);
  CHECK(parse_error("a[\"x\"").find("missing ']'") != std::string::npos);
  parse_error("a[-1]");
  parse_error("a[99999999999999999999999]");
  parse_error("a b");
  parse_error("a]");
  parse_error("a[0]b");
  parse_error("a\"b\"");
  parse_error("..a");
}

struct Doc {
  simdjson::ondemand::parser parser;
  simdjson::padded_string text;
  simdjson::ondemand::document doc;
  explicit Doc(std::string json) : text(json) {
    REQUIRE(parser.iterate(text).get(doc) == simdjson::SUCCESS);
  }
  // The raw JSON found at `path`, or the error.
  std::string find(std::string_view path_text) {
    JsonPath path = parsed(path_text);
    simdjson::ondemand::value v;
    simdjson::error_code e = find_path(doc, path, &v);
    if (e) {
      return std::string("error: ") + simdjson::error_message(e);
    }
    std::string_view raw;
    REQUIRE(raw_json(v, &raw) == simdjson::SUCCESS);
    return std::string(raw);
  }
};

const std::string k_missing =
    std::string("error: ") + simdjson::error_message(simdjson::NO_SUCH_FIELD);

TEST_CASE("json path finds fields in nested objects and arrays", "[core][json_path]") {
  Doc d(
      R"({"id":7,"after":{"customer":{"email":"a@b","odd key":1,"x.y":2},"items":[{"card":"c1"},{"card":"c2"}]},"m":[[1,2],[3,4]]})");
  CHECK(d.find("id") == "7");
  CHECK(d.find("after.customer.email") == "\"a@b\"");
  CHECK(d.find("after.customer[\"odd key\"]") == "1");
  CHECK(d.find("after.customer['x.y']") == "2");
  CHECK(d.find("after.items[1].card") == "\"c2\"");
  CHECK(d.find("after.items[0]") == "{\"card\":\"c1\"}");
  CHECK(d.find("m[1][0]") == "3");
  CHECK(d.find("m") == "[[1,2],[3,4]]");
  // Lookups rewind: any order works, again and again.
  CHECK(d.find("id") == "7");
  CHECK(d.find("m[0][1]") == "2");
}

TEST_CASE("json path reports a missing step as no such field", "[core][json_path]") {
  Doc d(R"({"a":{"b":[10,{"c":"x"}]},"d":1,"s":"str","n":null})");
  CHECK(d.find("x") == k_missing);
  CHECK(d.find("a.x") == k_missing);
  CHECK(d.find("a.b[2]") == k_missing);
  CHECK(d.find("a.b[100]") == k_missing);
  CHECK(d.find("d.e") == k_missing);
  CHECK(d.find("d[0]") == k_missing);
  CHECK(d.find("s.x") == k_missing);
  CHECK(d.find("n.x") == k_missing);
  CHECK(d.find("a[0]") == k_missing);
  CHECK(d.find("a.b.c") == k_missing);
  CHECK(d.find("a.b[1].c") == "\"x\"");
}

TEST_CASE("json path finds keys written with escapes", "[core][json_path]") {
  // Python's json.dumps writes non-ASCII keys as \u escapes by default.
  Doc d(R"({"plain":0,"caf\u00e9":1,"a\"b":2,"t\tab":3,"\u0041":4,"x":{"\u00fcber":5}})");
  CHECK(d.find("[\"caf\xC3\xA9\"]") == "1");
  CHECK(d.find("['a\"b']") == "2");
  CHECK(d.find("[\"t\\tab\"]") == "3");
  CHECK(d.find("A") == "4");
  CHECK(d.find("x[\"\xC3\xBC\x62\x65r\"]") == "5");
  CHECK(d.find("plain") == "0");
  CHECK(d.find("cafe") == k_missing);
  CHECK(d.find("x.uber") == k_missing);
  CHECK(d.find("[\"caf\xC3\xA9\"]") == "1");
}

TEST_CASE("json path lookups refuse every-element paths", "[core][json_path]") {
  Doc d(R"({"items":[{"card":1}]})");
  CHECK(d.find("items[*].card") ==
        std::string("error: ") + simdjson::error_message(simdjson::INVALID_JSON_POINTER));
}

TEST_CASE("json path raw json keeps values as written", "[core][json_path]") {
  Doc d(
      R"({"s":"a\"b\\c\u00e9","n":-12.5e3 ,"big":123456789012345678901234567890,"o":{ "x" : [1, 2] },"a":[ "p", {"q":null} ],"t":true,"f":false,"z":null,"e":"","h":1e999})");
  CHECK(d.find("s") == R"("a\"b\\c\u00e9")");
  CHECK(d.find("n") == "-12.5e3");
  CHECK(d.find("big") == "123456789012345678901234567890");
  CHECK(d.find("o") == R"({ "x" : [1, 2] })");
  CHECK(d.find("a") == R"([ "p", {"q":null} ])");
  CHECK(d.find("t") == "true");
  CHECK(d.find("f") == "false");
  CHECK(d.find("z") == "null");
  CHECK(d.find("e") == "\"\"");
  CHECK(d.find("h") == "1e999");
}

TEST_CASE("json path finds in a document whose root is an array", "[core][json_path]") {
  Doc d(R"([{"a":1},{"a":2}])");
  CHECK(d.find("[1].a") == "2");
  CHECK(d.find("a") == k_missing);
}

} // namespace
} // namespace sluice::core
