#include "connectors/kafka/start_offset.hpp"

#include <catch2/catch.hpp>

namespace sluice::connectors::kafka {
namespace {

TEST_CASE("kafka start offsets parse every form of -o", "[connectors][kafka][start_offset]") {
  StartOffset o;
  std::string why;
  REQUIRE(StartOffset::parse("beginning", &o, &why));
  CHECK(o.kind == StartOffset::Kind::beginning);
  CHECK_FALSE(o.is_moving());
  REQUIRE(StartOffset::parse("end", &o, &why));
  CHECK(o.kind == StartOffset::Kind::end);
  CHECK(o.is_moving());
  REQUIRE(StartOffset::parse("1234", &o, &why));
  CHECK(o.kind == StartOffset::Kind::offset);
  CHECK(o.value == 1234);
  REQUIRE(StartOffset::parse("-10", &o, &why));
  CHECK(o.kind == StartOffset::Kind::tail);
  CHECK(o.value == 10);
  CHECK(o.text() == "-10");
  REQUIRE(StartOffset::parse("@1732406400000", &o, &why));
  CHECK(o.kind == StartOffset::Kind::timestamp);
  CHECK(o.value == 1732406400000);
  CHECK(o.text() == "@1732406400000");
}

TEST_CASE("kafka start offsets reject anything else", "[connectors][kafka][start_offset]") {
  StartOffset o;
  std::string why;
  for (const char* bad :
       {"", "start", "-", "@", "1x", "--1", "@-5", "stored", "9999999999999999999"}) {
    INFO(bad);
    CHECK_FALSE(StartOffset::parse(bad, &o, &why));
  }
  CHECK(why.find("beginning, end, OFFSET, -N or @TIMESTAMP_MS") != std::string::npos);
}

} // namespace
} // namespace sluice::connectors::kafka
