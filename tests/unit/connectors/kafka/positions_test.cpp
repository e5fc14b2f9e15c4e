#include "connectors/kafka/positions.hpp"

#include <catch2/catch.hpp>

namespace sluice::connectors::kafka {
namespace {

TEST_CASE("kafka positions round-trip through their JSON text", "[connectors][kafka][positions]") {
  Offsets o{{{"orders", 0}, 12}, {{"orders", 10}, 3}, {{"a.b_c-d", 2}, 0}};
  std::string text = format_offsets(o);
  CHECK(text == R"({"a.b_c-d/2":0,"orders/0":12,"orders/10":3})");
  Offsets back;
  std::string why;
  REQUIRE(parse_offsets(text, &back, &why));
  CHECK(back == o);
  REQUIRE(parse_offsets("null", &back, &why));
  CHECK(back.empty());
  CHECK(format_offsets({}) == "{}");
}

TEST_CASE("kafka positions reject what is not a position", "[connectors][kafka][positions]") {
  Offsets o;
  std::string why;
  CHECK_FALSE(parse_offsets("[1]", &o, &why));
  CHECK_FALSE(parse_offsets(R"({"orders":1})", &o, &why));
  CHECK(why.find("orders") != std::string::npos);
  CHECK_FALSE(parse_offsets(R"({"orders/x":1})", &o, &why));
  CHECK_FALSE(parse_offsets(R"({"orders/1":-1})", &o, &why));
  CHECK_FALSE(parse_offsets(R"({"/1":1})", &o, &why));
  CHECK_FALSE(parse_offsets(R"({"orders/1":"1"})", &o, &why));
  CHECK_FALSE(parse_offsets(R"({"orders/1":1)", &o, &why));
}

TEST_CASE("kafka positions order by partition and by sum when they cross",
          "[connectors][kafka][positions]") {
  Offsets a{{{"t", 0}, 5}, {{"t", 1}, 5}};
  Offsets b{{{"t", 0}, 6}, {{"t", 1}, 5}};
  CHECK(compare_offsets(a, b) < 0);
  CHECK(compare_offsets(b, a) > 0);
  CHECK(compare_offsets(a, a) == 0);
  Offsets fewer{{{"t", 0}, 5}};
  CHECK(compare_offsets(fewer, a) < 0); // a missing partition is behind
  Offsets crossed{{{"t", 0}, 1}, {{"t", 1}, 100}};
  CHECK(compare_offsets(crossed, a) > 0);
  CHECK(compare_offsets(a, crossed) < 0);
  CHECK(describe({"t", 3}) == "t/3");
}

TEST_CASE("kafka positions of several sinks merge per partition to what all recorded",
          "[connectors][kafka][positions]") {
  // A sink past a revoke no longer lists t/1; one that recorded an earlier
  // barrier is behind on t/0: neither entry alone is what both recorded.
  Offsets later{{{"t", 0}, 100}, {{"t", 2}, 7}};
  Offsets earlier{{{"t", 0}, 90}, {{"t", 1}, 50}, {{"t", 2}, 9}};
  Offsets merged = merge_recorded({later, earlier});
  CHECK(merged == Offsets{{{"t", 0}, 90}, {{"t", 2}, 7}});
  CHECK(merge_recorded({later}) == later);
  CHECK(merge_recorded({}).empty());
}

} // namespace
} // namespace sluice::connectors::kafka
