#include "ops/event_fields.hpp"

#include <catch2/catch.hpp>

namespace sluice::ops {
namespace {

struct Doc {
  simdjson::ondemand::parser parser;
  simdjson::padded_string text;
  simdjson::ondemand::document doc;
  explicit Doc(const std::string& json) : text(json) {
    REQUIRE(parser.iterate(text).get(doc) == simdjson::SUCCESS);
  }
};

core::JsonPath path(const std::string& text) {
  core::JsonPath p;
  std::string why;
  REQUIRE(core::JsonPath::parse(text, &p, &why));
  return p;
}

std::string canonical(const std::string& json, const std::string& at) {
  Doc d(json);
  std::string out;
  std::string why;
  REQUIRE(append_canonical(d.doc, path(at), "--key", &out, &why));
  return out;
}

TEST_CASE("canonical keys ignore spelling and keep types apart", "[ops][event_fields]") {
  CHECK(canonical(R"({"k":"a\u00e9"})", "k") == canonical(R"({"k":"aé"})", "k"));
  CHECK(canonical(R"({"k":{"x":[1, 2]}})", "k") == canonical(R"({"k":{"x":[1,2]}})", "k"));
  CHECK(canonical(R"({"k":1})", "k") != canonical(R"({"k":"1"})", "k"));
  CHECK(canonical(R"({"k":true})", "k") != canonical(R"({"k":"true"})", "k"));
  CHECK(canonical(R"({"a":{"b":7}})", "a.b") == canonical(R"({"a":{"c":0,"b":7}})", "a.b"));
}

TEST_CASE("event fields name the field and flag when missing or wrong", "[ops][event_fields]") {
  Doc d(R"({"ts":"2024-11-24T00:00:01Z","n":"x"})");
  int64_t ms = 0;
  std::string why;
  REQUIRE(read_event_time(d.doc, path("ts"), "--time", &ms, &why));
  CHECK(ms == 1732406401000);
  CHECK_FALSE(read_event_time(d.doc, path("when"), "--time", &ms, &why));
  CHECK(why == "field \"when\" is missing (--time)");
  int64_t n = 0;
  CHECK_FALSE(read_integer(d.doc, path("n"), "--seq", &n, &why));
  CHECK(why == "field \"n\" (--seq) is not an integer");
}

} // namespace
} // namespace sluice::ops
