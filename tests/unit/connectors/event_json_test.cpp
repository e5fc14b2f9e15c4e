#include "connectors/event_json.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace sluice::connectors {
namespace {

core::JsonPath path(const std::string& text) {
  core::JsonPath out;
  std::string why;
  REQUIRE(core::JsonPath::parse(text, &out, &why));
  return out;
}

// The key fields of `json` as "where=value" strings; false when reading failed.
bool keys_of(const std::string& json, std::vector<std::string>* out, std::string* why) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(json);
  simdjson::ondemand::document doc;
  REQUIRE_FALSE(parser.iterate(padded).get(doc));
  return for_each_key_field(
      doc,
      [out](std::string_view, simdjson::ondemand::value value, const std::string& where,
            std::string*) {
        std::string_view raw;
        raw = value.raw_json_token();
        out->push_back(where + "=" + std::string(raw));
        return true;
      },
      why);
}

} // namespace

TEST_CASE("under_before moves an after path under before and leaves others empty",
          "[connectors][event_json]") {
  CHECK(under_before(path("after.id")).text() == R"(before["id"])");
  core::JsonPath quoted = under_before(path(R"(after["a \"b\""][2])"));
  REQUIRE(quoted.steps().size() == 3);
  CHECK(quoted.steps()[0].name == "before");
  CHECK(quoted.steps()[1].name == "a \"b\"");
  CHECK(quoted.steps()[2].index == 2);
  CHECK(under_before(path("key.id")).steps().empty());
}

TEST_CASE("for_each_key_field visits the key object's fields in order", "[connectors][event_json]") {
  std::vector<std::string> keys;
  std::string why;
  REQUIRE(keys_of(R"({"op":"insert","key":{"b":1,"a":"x"}})", &keys, &why));
  CHECK(keys == std::vector<std::string>{"key.b=1", R"(key.a="x")"});
  keys.clear();
  CHECK(keys_of(R"({"op":"insert"})", &keys, &why));
  CHECK(keys_of(R"({"key":null})", &keys, &why));
  CHECK(keys.empty());
  CHECK_FALSE(keys_of(R"({"key":[1]})", &keys, &why));
  CHECK(why == "field \"key\" is not an object");
}

} // namespace sluice::connectors
