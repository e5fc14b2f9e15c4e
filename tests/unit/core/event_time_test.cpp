#include "core/event_time.hpp"

#include <catch2/catch.hpp>

namespace sluice::core {
namespace {

int64_t of_json(const std::string& value) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string json("{\"t\":" + value + "}");
  simdjson::ondemand::document doc;
  REQUIRE(parser.iterate(json).get(doc) == simdjson::SUCCESS);
  simdjson::ondemand::value v;
  REQUIRE(doc.find_field("t").get(v) == simdjson::SUCCESS);
  int64_t ms = 0;
  std::string why;
  REQUIRE(event_time_of(v, &ms, &why));
  return ms;
}

TEST_CASE("event time numbers are told apart by magnitude", "[core][event_time]") {
  CHECK(of_json("1732400000") == 1732400000000);
  CHECK(of_json("1732400000.123") == 1732400000123);
  CHECK(of_json("1732400000123") == 1732400000123);
  CHECK(of_json("1732400000123456") == 1732400000123);
  CHECK(of_json("1732400000123456789") == 1732400000123);
  CHECK(of_json("0") == 0);
  CHECK(of_json("1.5e12") == 1500000000000);
}

TEST_CASE("event time strings are RFC 3339", "[core][event_time]") {
  CHECK(of_json("\"2024-11-23T22:13:20Z\"") == 1732400000000);
  CHECK(of_json("\"2024-11-23T22:13:20.123Z\"") == 1732400000123);
  CHECK(of_json("\"2024-11-23 23:13:20.1234+01:00\"") == 1732400000123);
  CHECK(of_json("\"2024-11-23T22:13:20\"") == 1732400000000);
  CHECK(of_json("\"1970-01-01T00:00:00-00:30\"") == 1800000);
}

TEST_CASE("event time rejects what is not a time", "[core][event_time]") {
  int64_t ms = 0;
  std::string why;
  for (const char* bad : {"2024-13-01T00:00:00Z", "2024-11-23", "2024-11-23T25:00:00Z",
                          "yesterday", "2024-11-23T22:13:20Zjunk", "2024-02-30T00:00:00Z"}) {
    INFO(bad);
    CHECK_FALSE(event_time_from_string(bad, &ms, &why));
  }
  CHECK(why.find("RFC 3339") != std::string::npos);
  CHECK_FALSE(event_time_from_number(1.0 / 0.0, &ms));
}

} // namespace
} // namespace sluice::core
