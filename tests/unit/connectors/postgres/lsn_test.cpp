#include "connectors/postgres/lsn.hpp"

#include <catch2/catch.hpp>

namespace sluice::connectors::postgres {
namespace {

TEST_CASE("lsn parses and prints the X/Y form", "[connectors][postgres][lsn]") {
  uint64_t v = 0;
  REQUIRE(parse_lsn("0/16B3748", &v));
  CHECK(v == 0x16B3748);
  REQUIRE(parse_lsn("1A/0", &v));
  CHECK(v == 0x1A00000000ull);
  CHECK(format_lsn(v) == "1A/0");
  CHECK(format_lsn(0x16B3748) == "0/16B3748");
  REQUIRE(parse_lsn("FFFFFFFF/FFFFFFFF", &v));
  CHECK(v == UINT64_MAX);
  REQUIRE(parse_lsn("0/abc", &v));
  CHECK(v == 0xABC);
}

TEST_CASE("lsn refuses what is not an LSN", "[connectors][postgres][lsn]") {
  uint64_t v = 0;
  for (const char* bad : {"", "/", "0/", "/1", "16B3748", "0/16B3748 ", "x/1", "1/2/3",
                          "123456789/0", "-1/0"}) {
    INFO(bad);
    CHECK_FALSE(parse_lsn(bad, &v));
  }
}

} // namespace
} // namespace sluice::connectors::postgres
