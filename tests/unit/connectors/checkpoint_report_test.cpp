#include "connectors/checkpoint_report.hpp"

#include <catch2/catch.hpp>

namespace sluice::connectors {
namespace {

ReportRow row(std::string source, std::string sink, std::optional<uint64_t> checkpoint,
              std::string pos, int64_t updated_ms) {
  core::StoreEntry e;
  e.source = std::move(source);
  e.sink = std::move(sink);
  if (checkpoint) {
    e.barrier = core::control::BarrierId{"8f3c", *checkpoint};
  }
  e.pos = std::move(pos);
  e.state = "{\"size\":10}";
  e.updated_ms = updated_ms;
  return ReportRow{e, std::nullopt};
}

TEST_CASE("checkpoint report writes ages in the largest two units", "[connectors][checkpoint_report]") {
  CHECK(format_age(1000, 1000) == "0s");
  CHECK(format_age(1000, 43'500) == "42s");
  CHECK(format_age(0, 312'000 + 5) == "-");
  CHECK(format_age(1, 312'001) == "5m12s");
  CHECK(format_age(1, 3 * 3600'000 + 4 * 60'000 + 1) == "3h04m");
  CHECK(format_age(1, 2 * 86400'000LL + 5 * 3600'000 + 1) == "2d05h");
  CHECK(format_age(5000, 1000) == "0s"); // a clock that went back
}

TEST_CASE("checkpoint report table aligns its columns", "[connectors][checkpoint_report]") {
  std::vector<ReportRow> rows{row("file:///in.ndjson", "out.ndjson", 17, "{\"offset\":10}", 1000),
                              row("file:///in.ndjson", "sqlite:x.db#t", std::nullopt, "null", 1000)};
  rows[0].lag = SourceLag{"bytes", 2048, {}};
  std::string table = format_table(rows, 61'000);
  CHECK(table ==
        "SOURCE             SINK           RUN   CHECKPOINT  POS            STATE        AGE    LAG\n"
        "file:///in.ndjson  out.ndjson     8f3c  17          {\"offset\":10}  {\"size\":10}  1m00s  2048 bytes\n"
        "file:///in.ndjson  sqlite:x.db#t  -     -           null           {\"size\":10}  1m00s  -\n");
}

TEST_CASE("checkpoint report table lists the lag of each partition", "[connectors][checkpoint_report]") {
  std::vector<ReportRow> rows{row("kafka://b/orders", "out", 3, "{\"orders/0\":4,\"orders/1\":2}", 1)};
  rows[0].lag = SourceLag{"messages", 5, {{"orders/0", 1}, {"orders/1", 4}}};
  CHECK(format_table(rows, 1).find("5 messages (orders/0=1,orders/1=4)\n") != std::string::npos);
}

TEST_CASE("checkpoint report writes one JSON object per entry", "[connectors][checkpoint_report]") {
  std::vector<ReportRow> rows{row("src", "a", 17, "\"0/16B3748\"", 1000),
                              row("src", "b", std::nullopt, "null", 1000)};
  rows[0].lag = SourceLag{"bytes", 40, {}};
  CHECK(format_ndjson(rows, 3000) ==
        "{\"source\":\"src\",\"sink\":\"a\",\"run\":\"8f3c\",\"checkpoint\":17,\"pos\":\"0/16B3748\","
        "\"state\":{\"size\":10},\"updated\":1000,\"age_ms\":2000,\"lag\":{\"unit\":\"bytes\","
        "\"total\":40,\"parts\":{}}}\n"
        "{\"source\":\"src\",\"sink\":\"b\",\"run\":null,\"checkpoint\":null,\"pos\":null,"
        "\"state\":{\"size\":10},\"updated\":1000,\"age_ms\":2000,\"lag\":null}\n");
}

TEST_CASE("checkpoint report of no entries is the header alone", "[connectors][checkpoint_report]") {
  CHECK(format_table({}, 0) == "SOURCE  SINK  RUN  CHECKPOINT  POS  STATE  AGE  LAG\n");
  CHECK(format_ndjson({}, 0).empty());
}

} // namespace
} // namespace sluice::connectors
