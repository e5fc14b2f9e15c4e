#include "core/path_set.hpp"

#include <catch2/catch.hpp>
#include <map>

namespace sluice::core {
namespace {

// The set of `paths` and the document of `json`, ready to walk.
struct Walk {
  PathSet set;
  simdjson::padded_string padded;
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;

  Walk(const std::string &json, const std::vector<std::string> &paths) : padded(json) {
    for (const auto &text : paths) {
      JsonPath p;
      std::string why;
      REQUIRE(JsonPath::parse(text, &p, &why));
      set.add(p);
    }
    REQUIRE(parser.iterate(padded).get(doc) == simdjson::SUCCESS);
  }
};

// Walks `json` with the set of `paths` and lists "path=value" (and "key" for fields)
// in the order reported.
std::vector<std::string> walk(const std::string &json, const std::vector<std::string> &paths,
                              bool with_keys = false) {
  Walk w(json, paths);
  std::vector<std::string> out;
  auto e = w.set.walk(w.doc, [&](const PathMatch &m) {
    std::string s = paths[m.path] + "=" + std::string(m.value);
    if (with_keys) {
      s += " key " + std::string(m.key);
    }
    out.push_back(s);
  });
  REQUIRE(e == simdjson::SUCCESS);
  return out;
}

using List = std::vector<std::string>;

TEST_CASE("path set finds many paths in one pass in document order", "[core][path_set]") {
  std::string j = R"({"id":"x","ts":5,"after":{"amount":12.50,"customer":{"country":"DE"}},"z":1})";
  CHECK(walk(j, {"after.customer.country", "ts", "after.amount", "id", "nope", "after.nope"}) ==
        List{"id=\"x\"", "ts=5", "after.amount=12.50", "after.customer.country=\"DE\""});
}

TEST_CASE("path set reports values as written with their keys", "[core][path_set]") {
  std::string j = R"({ "a" : { "b" : [1, 2] } , "s" : "q\"x" , "n":-1e999 ,"t":true})";
  CHECK(walk(j, {"a", "s", "n", "t"}, true) == List{"a={ \"b\" : [1, 2] } key \"a\"",
                                                    "s=\"q\\\"x\" key \"s\"", "n=-1e999 key \"n\"",
                                                    "t=true key \"t\""});
}

TEST_CASE("path set matches every element of an array", "[core][path_set]") {
  std::string j = R"({"items":[{"card":"c1","q":1},{"q":2},{"card":"c3"}],"m":[[1,2],[3]]})";
  CHECK(walk(j, {"items[*].card"}) == List{"items[*].card=\"c1\"", "items[*].card=\"c3\""});
  CHECK(walk(j, {"m[*][0]"}) == List{"m[*][0]=1", "m[*][0]=3"});
  CHECK(walk(j, {"items[1].q", "items[*].card"}) ==
        List{"items[*].card=\"c1\"", "items[1].q=2", "items[*].card=\"c3\""});
  CHECK(walk(j, {"items[0].card", "items[*].card"}) ==
        List{"items[0].card=\"c1\"", "items[*].card=\"c1\"", "items[*].card=\"c3\""});
  CHECK(walk(j, {"items[*]"}).size() == 3);
}

TEST_CASE("path set reports a prefix and the paths inside it", "[core][path_set]") {
  std::string j = R"({"after":{"a":1, "b":{"c":2} } ,"x":[ 1 , {"y":3} ]})";
  CHECK(walk(j, {"after", "after.b.c", "x", "x[1].y"}) == List{"after.b.c=2",
                                                               "after={\"a\":1, \"b\":{\"c\":2} }",
                                                               "x[1].y=3", "x=[ 1 , {\"y\":3} ]"});
}

TEST_CASE("path set matches nothing for missing steps and wrong kinds", "[core][path_set]") {
  std::string j = R"({"a":"s","b":null,"c":[1],"d":{"e":1}})";
  CHECK(walk(j, {"a.x", "b.x", "c.x", "c[5]", "d[0]", "d.e.f", "zz", "c[*].q"}).empty());
}

TEST_CASE("path set compares escaped keys by their text", "[core][path_set]") {
  std::string j = R"({"caf\u00e9":1,"a\"b":2,"x":{"\u0041":3}})";
  CHECK(walk(j, {"[\"caf\xC3\xA9\"]", "['a\"b']", "x.A"}, true) ==
        List{"[\"caf\xC3\xA9\"]=1 key \"caf\\u00e9\"", "['a\"b']=2 key \"a\\\"b\"",
             "x.A=3 key \"\\u0041\""});
}

TEST_CASE("path set takes the first of duplicate keys", "[core][path_set]") {
  CHECK(walk(R"({"a":1,"a":2,"b":3})", {"a", "b"}) == List{"a=1", "b=3"});
}

TEST_CASE("path set reports a path added twice under both indexes", "[core][path_set]") {
  CHECK(walk(R"({"a":1})", {"a", "a"}) == List{"a=1", "a=1"});
}

TEST_CASE("path values keep the matches of each path", "[core][path_set]") {
  PathSet set;
  JsonPath a, b;
  std::string why;
  REQUIRE(JsonPath::parse("k[*]", &a, &why));
  REQUIRE(JsonPath::parse("z", &b, &why));
  set.add(a);
  set.add(b);
  simdjson::padded_string padded(std::string(R"({"k":[1,"two",{"t":3}]})"));
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  REQUIRE(parser.iterate(padded).get(doc) == simdjson::SUCCESS);
  PathValues values;
  REQUIRE(values.extract(set, doc) == simdjson::SUCCESS);
  REQUIRE(values.matches[0].size() == 3);
  CHECK(values.matches[0][2].value == R"({"t":3})");
  CHECK(values.matches[0][1].type == simdjson::ondemand::json_type::string);
  CHECK(values.first(1) == nullptr);
  // A second document reuses the storage and forgets the first.
  simdjson::padded_string other(std::string(R"({"z":true})"));
  REQUIRE(parser.iterate(other).get(doc) == simdjson::SUCCESS);
  REQUIRE(values.extract(set, doc) == simdjson::SUCCESS);
  CHECK(values.matches[0].empty());
  REQUIRE(values.first(1) != nullptr);
  CHECK(values.first(1)->value == "true");
}

TEST_CASE("path set reports an error in the part it reads", "[core][path_set]") {
  PathSet set;
  JsonPath a;
  std::string why;
  REQUIRE(JsonPath::parse("a.b", &a, &why));
  set.add(a);
  simdjson::padded_string padded(std::string(R"({"a":{"\q":1,"b":2}})"));
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  REQUIRE(parser.iterate(padded).get(doc) == simdjson::SUCCESS);
  CHECK(set.walk(doc, [](const PathMatch &) {}) != simdjson::SUCCESS);
}

TEST_CASE("path set compares raw keys of every length exactly", "[core][path_set]") {
  // Names shorter than 8 bytes, up to the padding, and longer, each against a key
  // that is a prefix of the name and a key the name is a prefix of.
  for (size_t n : {1, 6, 7, 8, 9, 15, 16, 63, 64, 100}) {
    std::string name(n, 'k');
    name.back() = 'z';
    std::string shorter = name.substr(0, n - 1);
    std::string json = "{\"" + shorter + "\":1,\"" + name + "x\":2,\"" + name + "\":3}";
    CHECK(walk(json, {name}) == List{name + "=3"});
    CHECK(walk(json, {name + "x"}) == List{name + "x=2"});
    if (!shorter.empty()) {
      CHECK(walk(json, {shorter}) == List{shorter + "=1"});
    }
  }
  CHECK(walk(R"({"b":1,"":2,"a":3})", {"[\"\"]", "a"}) == List{"[\"\"]=2", "a=3"});
}

// check_and_extract of `json` for `paths`: the error, and "path=value" of the matches.
std::pair<simdjson::error_code, List> check(const std::string &json,
                                            const std::vector<std::string> &paths) {
  Walk w(json, paths);
  PathValues values;
  simdjson::error_code e = values.check_and_extract(w.set, w.doc, json);
  List found;
  for (size_t i = 0; i < paths.size(); ++i) {
    for (const auto &m : values.matches[i]) {
      found.push_back(paths[i] + "=" + std::string(m.value));
    }
  }
  return {e, found};
}

TEST_CASE("path values check the object in the same pass", "[core][path_set]") {
  auto ok = check(R"({"a":{"b":1,"c":[1,{"d":2}]},"e":3})", {"a.b"});
  CHECK(ok.first == simdjson::SUCCESS);
  CHECK(ok.second == List{"a.b=1"});
  // Nothing wanted: the whole object is still walked.
  CHECK(check(R"({"a":{"b":1}} {"x":1})", {}).first == simdjson::TRAILING_CONTENT);
  // What follows the last wanted field is checked too.
  CHECK(check(R"({"a":{"b":1}} {"x":1})", {"a.b"}).first == simdjson::TRAILING_CONTENT);
  CHECK(check(R"({"a":1,"z":{"q":1})", {"a"}).first != simdjson::SUCCESS);
  CHECK(check(R"({"a":1,"z":[1,2})", {"a"}).first != simdjson::SUCCESS);
  CHECK(check(R"({"a":1,2:3})", {"a"}).first != simdjson::SUCCESS);
  for (const char *not_object : {"[1,2]", "\"s\"", "12", "null", "true"}) {
    CHECK(check(not_object, {"a"}).first == simdjson::INCORRECT_TYPE);
  }
  // An escaped key is still found, and the check holds on the second walk.
  auto escaped = check(R"({"\u0061":5,"b":1} x)", {"a"});
  CHECK(escaped.first != simdjson::SUCCESS);
  auto found = check(R"({"\u0061":5,"b":1})", {"a"});
  CHECK(found.first == simdjson::SUCCESS);
  CHECK(found.second == List{"a=5"});
}

} // namespace
} // namespace sluice::core
