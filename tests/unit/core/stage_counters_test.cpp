#include "core/stage_counters.hpp"

#include "core/error_policy.hpp"

#include <catch2/catch.hpp>
#include <thread>

namespace sluice::core {
namespace {

TEST_CASE("stage counters add and reset", "[core][stage_counters]") {
  StageCounters& c = stage_counters();
  c.reset();
  c.events_in.add();
  c.events_in.add(4);
  c.bytes_out.set(100);
  c.error(BadKind::too_long);
  c.error(BadKind::too_long);
  c.error(BadKind::rejected);
  CHECK(c.events_in.get() == 5);
  CHECK(c.bytes_out.get() == 100);
  CHECK(c.errors[static_cast<int>(BadKind::too_long)].get() == 2);
  CHECK(c.errors_total() == 3);
  CHECK_FALSE(c.source_lag.known());
  c.set_source_lag(2048, LagUnit::messages);
  CHECK(c.source_lag.get() == 2048);
  CHECK(c.source_lag_unit.load() == LagUnit::messages);
  c.reset();
  CHECK(c.events_in.get() == 0);
  CHECK(c.errors_total() == 0);
  CHECK_FALSE(c.source_lag.known());
  CHECK_FALSE(c.last_checkpoint_ms.known());
}

TEST_CASE("stage counters written by one thread are read by another", "[core][stage_counters]") {
  Counter counter;
  std::thread writer([&] {
    for (int i = 0; i < 100000; ++i) {
      counter.add();
    }
  });
  uint64_t seen = 0;
  while (seen < 100000) {
    uint64_t now = counter.get();
    REQUIRE(now >= seen); // a reader never sees it go back
    seen = now;
  }
  writer.join();
  CHECK(counter.get() == 100000);
}

TEST_CASE("stage counters name every bad-data kind", "[core][stage_counters]") {
  CHECK(std::string(bad_kind_name(BadKind::malformed)) == "malformed");
  CHECK(std::string(bad_kind_name(BadKind::too_long)) == "too_long");
  CHECK(std::string(bad_kind_name(BadKind::rejected)) == "rejected");
  CHECK(std::string(bad_kind_name(BadKind::source)) == "source");
  CHECK(std::string(lag_unit_name(LagUnit::bytes)) == "bytes");
}

TEST_CASE("stage counters count what bad data reports by kind", "[core][stage_counters]") {
  stage_counters().reset();
  ErrorPolicy policy;
  policy.mode = ErrorPolicy::Mode::skip;
  Log log("test", true);
  BadData bad(policy, log);
  bad.report("stdin", 1, "x", "not JSON", BadKind::malformed);
  bad.report("f", 2, "y", "odd");
  CHECK(stage_counters().errors[static_cast<int>(BadKind::malformed)].get() == 1);
  CHECK(stage_counters().errors[static_cast<int>(BadKind::source)].get() == 1);
  CHECK(bad.count() == 2);
}

} // namespace
} // namespace sluice::core
