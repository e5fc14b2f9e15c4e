#include "connectors/postgres/pg_capture.hpp"

#include <catch2/catch.hpp>

namespace sluice::connectors::postgres {
namespace {

TEST_CASE("capture positions parse as LSNs and snapshot points", "[connectors][postgres][pg_capture]") {
  CHECK(parse_position("null").kind == PgPosition::Kind::none);
  PgPosition p = parse_position("\"0/16B3748\"");
  CHECK(p.kind == PgPosition::Kind::lsn);
  CHECK(p.lsn == 0x16B3748);
  p = parse_position(R"({"snapshot":"0/10"})");
  CHECK(p.kind == PgPosition::Kind::snapshot);
  CHECK(p.lsn == 0x10);
  p = parse_position(R"({"snapshot":"0/10","complete":true})");
  CHECK(p.kind == PgPosition::Kind::snapshot_complete);
  for (const char* bad : {"\"x\"", "12", "{\"a\":1}", "[", "{\"snapshot\":5}"}) {
    INFO(bad);
    CHECK(parse_position(bad).kind == PgPosition::Kind::invalid);
  }
}

TEST_CASE("capture positions order snapshots before streaming positions",
          "[connectors][postgres][pg_capture]") {
  core::Log log("test", true);
  PostgresCaptureOptions o;
  o.connect.uri = "postgresql://127.0.0.1:1/db";
  PostgresCapture c(o, log); // connects only when it seeks
  CHECK(c.source_id() == "postgres://127.0.0.1:1/db#sluice");
  CHECK(c.compare_pos("\"0/10\"", "\"0/20\"") < 0);
  CHECK(c.compare_pos("\"1/0\"", "\"0/FFFFFFFF\"") > 0);
  CHECK(c.compare_pos(R"({"snapshot":"9/0"})", "\"0/1\"") < 0);
  CHECK(c.compare_pos("\"0/10\"", "\"0/10\"") == 0);
  CHECK(c.position() == "null");
}

} // namespace
} // namespace sluice::connectors::postgres
