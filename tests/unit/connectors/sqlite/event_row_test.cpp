#include "connectors/sqlite/event_row.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using sluice::connectors::sqlite::EventOp;
using sluice::connectors::sqlite::EventRow;
using sluice::connectors::sqlite::NamedValue;
using sluice::connectors::sqlite::SqlType;
using sluice::core::JsonPath;

namespace {

std::vector<JsonPath> paths(const std::vector<std::string>& texts) {
  std::vector<JsonPath> out(texts.size());
  std::string why;
  for (size_t i = 0; i < texts.size(); ++i) {
    REQUIRE(JsonPath::parse(texts[i], &out[i], &why));
  }
  return out;
}

// Reads `json` into `row`; false with `why` for bad data.
class Reader {
 public:
  bool read(EventRow& row, const std::string& json, std::string* why = nullptr) {
    m_padded = simdjson::padded_string(json);
    REQUIRE(m_parser.iterate(m_padded).get(m_doc) == simdjson::SUCCESS);
    std::string reason;
    bool ok = row.read(m_doc, &reason);
    if (why != nullptr) {
      *why = reason;
    }
    return ok;
  }

 private:
  simdjson::ondemand::parser m_parser;
  simdjson::padded_string m_padded;
  simdjson::ondemand::document m_doc;
};

std::string names(const std::vector<NamedValue>& values) {
  std::string out;
  for (const auto& v : values) {
    out += out.empty() ? "" : ",";
    out += v.name;
  }
  return out;
}

} // namespace

TEST_CASE("event row tells CDC ops from other events", "[connectors][sqlite][event_row]") {
  EventRow row({});
  Reader reader;
  const std::vector<std::pair<std::string, EventOp>> cases = {
      {"insert", EventOp::insert}, {"update", EventOp::update},
      {"read", EventOp::read},     {"upsert", EventOp::other}};
  for (const auto& [op, want] : cases) {
    REQUIRE(reader.read(row, R"({"op":")" + op + R"(","key":{"k":1},"after":{"a":1}})"));
    CHECK(row.op() == want);
  }
  REQUIRE(reader.read(row, R"({"op":"delete","key":{"k":1},"after":null})"));
  CHECK(row.op() == EventOp::remove);
  CHECK(row.fields().empty());
  REQUIRE(reader.read(row, R"({"op":"truncate"})"));
  CHECK(row.op() == EventOp::truncate);
  CHECK(row.keys().empty());
  REQUIRE(reader.read(row, R"({"op":7,"a":1})"));
  CHECK_FALSE(row.is_cdc());
  CHECK(names(row.fields()) == "op,a");
}

TEST_CASE("event row takes the row from after for CDC events and the whole event otherwise",
          "[connectors][sqlite][event_row]") {
  EventRow row({});
  Reader reader;
  REQUIRE(reader.read(row, R"({"id":"x","op":"update","key":{"k":1},"after":{"k":1,"v":"w"}})"));
  CHECK(names(row.keys()) == "k");
  CHECK(names(row.fields()) == "k,v");
  REQUIRE(reader.read(row, R"({"id":"x","data":{"v":1},"n":null})"));
  CHECK(row.keys().empty());
  CHECK(names(row.fields()) == "id,data,n");
  CHECK(row.fields()[2].value.type == SqlType::null);
  std::string why;
  CHECK_FALSE(reader.read(row, R"({"op":"insert","key":{"k":1},"after":[1]})", &why));
  CHECK(why.find("\"after\" is not an object") != std::string::npos);
  CHECK_FALSE(reader.read(row, R"({"op":"insert","key":[1],"after":{}})", &why));
  CHECK(why == "field \"key\" is not an object");
}

TEST_CASE("event row reads key values at the upsert paths and keeps them across the row",
          "[connectors][sqlite][event_row]") {
  EventRow row(paths({"key.id", R"(after["a b"])"}));
  Reader reader;
  REQUIRE(reader.read(row, R"({"op":"update","key":{"id":"k\"1"},"after":{"a b":2,"s":"x\ny"}})"));
  REQUIRE(row.keys().size() == 2);
  CHECK(row.keys()[0].name == "id");
  CHECK(row.keys()[0].value.text == "k\"1");
  CHECK(row.keys()[1].name == "a b");
  CHECK(row.keys()[1].value.integer == 2);
  CHECK(row.fields()[1].value.text == "x\ny");
  // A delete finds an `after` path under `before`.
  REQUIRE(reader.read(row, R"({"op":"delete","key":{"id":"k"},"before":{"a b":3},"after":null})"));
  CHECK(row.keys()[1].value.integer == 3);
  std::string why;
  CHECK_FALSE(reader.read(row, R"({"op":"update","key":{},"after":{"a b":2}})", &why));
  CHECK(why == "key field \"key.id\" is missing");
  CHECK_FALSE(reader.read(row, R"({"op":"update","key":{"id":null},"after":{}})", &why));
  CHECK(why == "key field \"key.id\" is null");
}
