#include "connectors/postgres/sink_event.hpp"

#include <catch2/catch.hpp>

namespace sluice::connectors::postgres {
namespace {

struct Reader {
  SinkEventReader reader;
  explicit Reader(std::vector<std::string> upsert = {}, const char* if_newer = nullptr,
                  std::optional<std::string> table = std::nullopt)
      : reader(paths(upsert), order(if_newer), std::move(table)) {}

  static std::vector<core::JsonPath> paths(const std::vector<std::string>& texts) {
    std::vector<core::JsonPath> out;
    for (const auto& t : texts) {
      core::JsonPath p;
      std::string why;
      REQUIRE(core::JsonPath::parse(t, &p, &why));
      out.push_back(p);
    }
    return out;
  }
  static std::optional<core::JsonPath> order(const char* text) {
    if (text == nullptr) {
      return std::nullopt;
    }
    return paths({text})[0];
  }
  bool read(const std::string& json, SinkEvent* e, std::string* why) {
    simdjson::padded_string padded(json);
    simdjson::ondemand::parser parser;
    simdjson::ondemand::document doc;
    REQUIRE(parser.iterate(padded).get(doc) == simdjson::SUCCESS);
    return reader.read(doc, e, why);
  }
};

TEST_CASE("sink events read a CDC envelope into table key and fields",
          "[connectors][postgres][sink_event]") {
  Reader r;
  SinkEvent e;
  std::string why;
  REQUIRE(r.read(R"({"op":"update","table":"public.o","key":{"id":7},"after":{"id":7,"s":"a\"b",)"
                 R"("n":1.50,"b":true,"j":{"x":[1]},"z":null}})",
                 &e, &why));
  CHECK(e.op == SinkOp::update);
  CHECK(e.table == "public.o");
  REQUIRE(e.keys.size() == 1);
  CHECK(e.keys[0].name == "id");
  CHECK(e.keys[0].value.text == "7");
  REQUIRE(e.fields.size() == 6);
  CHECK(e.fields[1].value.text == "a\"b");
  CHECK(e.fields[2].value.kind == SinkValue::Kind::number);
  CHECK(e.fields[2].value.text == "1.50");
  CHECK(e.fields[3].value.text == "true");
  CHECK(e.fields[4].value.kind == SinkValue::Kind::object);
  CHECK(e.fields[4].value.text == R"({"x":[1]})");
  CHECK(e.fields[5].value.kind == SinkValue::Kind::null);
}

TEST_CASE("sink events take keys from upsert paths and before for deletes",
          "[connectors][postgres][sink_event]") {
  Reader r({"after.id"}, "ts", std::string("t"));
  SinkEvent e;
  std::string why;
  REQUIRE(r.read(R"({"op":"delete","ts":5,"before":{"id":3},"after":null})", &e, &why));
  CHECK(e.table == "t");
  CHECK(e.keys[0].name == "id");
  CHECK(e.keys[0].value.text == "3");
  CHECK(e.order->text == "5");
  CHECK(e.fields.empty());
}

TEST_CASE("sink events report what makes them bad data", "[connectors][postgres][sink_event]") {
  Reader r;
  SinkEvent e;
  std::string why;
  CHECK_FALSE(r.read(R"({"op":"insert","key":{"id":1},"after":{"id":1}})", &e, &why));
  CHECK(why.find("no \"table\"") != std::string::npos);
  CHECK_FALSE(r.read(R"({"op":"insert","table":"t","key":{"id":null},"after":{}})", &e, &why));
  CHECK(why == "key field \"key.id\" is null");
  CHECK_FALSE(r.read(R"({"op":"insert","table":"t","key":{"id":1},"after":5})", &e, &why));
  CHECK(why.find("\"after\" is not an object") != std::string::npos);
  CHECK_FALSE(r.read(R"({"op":"insert","table":"t","key":3,"after":{}})", &e, &why));
  Reader newer({}, "ts");
  CHECK_FALSE(newer.read(R"({"op":"insert","table":"t","after":{}})", &e, &why));
  CHECK(why == "--if-newer field \"ts\" is missing");
  CHECK(newer.read(R"({"op":"truncate","table":"t"})", &e, &why));
}

TEST_CASE("sink events without an op are rows of their own fields", "[connectors][postgres][sink_event]") {
  Reader r({}, nullptr, std::string("logs"));
  SinkEvent e;
  std::string why;
  REQUIRE(r.read(R"({"a":1,"b":"x"})", &e, &why));
  CHECK(e.op == SinkOp::other);
  CHECK(e.keys.empty());
  CHECK(e.fields.size() == 2);
}

} // namespace
} // namespace sluice::connectors::postgres
