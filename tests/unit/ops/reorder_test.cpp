#include "ops/reorder.hpp"

#include "core/error.hpp"
#include "ops_test_support.hpp"

#include <catch2/catch.hpp>

namespace sluice::ops {
namespace {

using namespace test;
using std::chrono::milliseconds;

ReorderOptions options(int64_t lateness_ms) {
  ReorderOptions o;
  std::string why;
  core::JsonPath::parse("ts", &o.time, &why);
  o.lateness = milliseconds(lateness_ms);
  return o;
}

// Event times are epoch milliseconds: tests count from T0.
constexpr int64_t T0 = 1732406400000;

std::string ev(int64_t ts, const std::string& tag = "") {
  return R"({"ts":)" + std::to_string(T0 + ts) +
         (tag.empty() ? "" : R"(,"tag":")" + tag + "\"") + "}";
}

std::string wm(int64_t ts) {
  return R"({"$sluice":{"watermark":)" + std::to_string(T0 + ts) + "}}";
}

int64_t w(const Reorder& r) { return r.watermark() - T0; }

TEST_CASE("reorder emits events in time order once the watermark passes them",
          "[ops][reorder]") {
  Reorder r(options(2000));
  Feeder f(r);
  f.lines({ev(1000), ev(3000), ev(2000)}); // W = 1000 after ts 3000
  CHECK(f.out.take() == std::vector<std::string>{ev(1000)});
  f.line(ev(5000)); // W = 3000
  CHECK(f.out.take() == std::vector<std::string>{ev(2000), ev(3000)});
  f.line(ev(4000));
  CHECK(f.out.take().empty());
  r.on_finish(f.out);
  CHECK(f.out.take() == std::vector<std::string>{ev(4000), ev(5000)});
}

TEST_CASE("reorder keeps arrival order among equal times", "[ops][reorder]") {
  Reorder r(options(100));
  Feeder f(r);
  f.lines({ev(10, "a"), ev(5, "b"), ev(10, "c"), ev(5, "d"), ev(10, "e")});
  r.on_finish(f.out);
  CHECK(f.out.take() ==
        std::vector<std::string>{ev(5, "b"), ev(5, "d"), ev(10, "a"), ev(10, "c"), ev(10, "e")});
}

TEST_CASE("reorder with no lateness passes ordered events at once", "[ops][reorder]") {
  Reorder r(options(0));
  Feeder f(r);
  f.line(ev(1));
  f.line(ev(2));
  CHECK(f.out.take() == std::vector<std::string>{ev(1), ev(2)});
}

TEST_CASE("reorder emits a late event at once and counts it by default", "[ops][reorder]") {
  std::vector<std::string> warnings;
  ReorderOptions o = options(1000);
  o.warn = [&](const std::string& w) { warnings.push_back(w); };
  Reorder r(o);
  Feeder f(r);
  f.lines({ev(5000), ev(4500), ev(3000)}); // W = 4000: 3000 is late
  CHECK(f.out.take() == std::vector<std::string>{ev(3000)});
  CHECK(r.late() == 1);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("stdin:3: late: event time " + std::to_string(T0 + 3000) +
                         " is 1000 ms below the watermark " + std::to_string(T0 + 4000)) == 0);
  r.on_finish(f.out);
  CHECK(f.out.take() == std::vector<std::string>{ev(4500), ev(5000)});
  CHECK(r.summary().find("1 late events (emitted)") == 0);
}

TEST_CASE("reorder drops late events or writes them to a dead-letter file when told",
          "[ops][reorder]") {
  ReorderOptions o = options(1000);
  o.late = LatePolicy::Mode::drop;
  Reorder dropping(o);
  Feeder f(dropping);
  f.lines({ev(5000), ev(3000)});
  dropping.on_finish(f.out);
  CHECK(f.out.take() == std::vector<std::string>{ev(5000)});
  CHECK(dropping.late() == 1);

  SideLines dead;
  o.late = LatePolicy::Mode::dead_letter;
  o.late_file = &dead;
  Reorder lettering(o);
  Feeder g(lettering);
  g.lines({ev(5000), ev(3000)});
  REQUIRE(dead.lines.size() == 1);
  CHECK(dead.lines[0] == R"({"source":"stdin","line":2,"reason":"late: event time )" +
                             std::to_string(T0 + 3000) + " is 1000 ms below the watermark " +
                             std::to_string(T0 + 4000) + R"(","raw":"{\"ts\":)" +
                             std::to_string(T0 + 3000) + R"(}"})");
}

TEST_CASE("reorder refuses an event without a readable time as bad data", "[ops][reorder]") {
  Reorder r(options(1000));
  Feeder f(r);
  CHECK_FALSE(f.line(R"({"x":1})"));
  CHECK(f.last_why == "field \"ts\" is missing (--time)");
  CHECK_FALSE(f.line(R"({"ts":"yesterday"})"));
  CHECK(f.last_why.find("field \"ts\" (--time):") == 0);
  CHECK(f.line(R"({"ts":"2024-11-24T00:00:00Z"})"));
}

TEST_CASE("reorder holds a barrier until the events before it are out", "[ops][reorder]") {
  Reorder r(options(2000));
  Feeder f(r);
  f.lines({start_line(), ev(1000), ev(2000), barrier_line(1)});
  CHECK(f.out.take() == std::vector<std::string>{start_line()});
  f.line(ev(3500)); // W = 1500
  CHECK(f.out.take() == std::vector<std::string>{ev(1000)});
  f.line(ev(4000)); // W = 2000: the last event before the barrier leaves, then the barrier
  CHECK(f.out.take() == std::vector<std::string>{ev(2000), barrier_line(1)});
}

TEST_CASE("reorder never lets an event overtake the barrier it came after", "[ops][reorder]") {
  Reorder r(options(10000));
  Feeder f(r);
  f.lines({start_line(), ev(5000), barrier_line(1), ev(1000), barrier_line(2), ev(3000), k_end});
  CHECK(f.out.take() == std::vector<std::string>{start_line(), ev(5000), barrier_line(1), ev(1000),
                                                 barrier_line(2), ev(3000), k_end});
}

TEST_CASE("reorder passes a barrier at once when it holds nothing", "[ops][reorder]") {
  Reorder r(options(2000));
  Feeder f(r);
  f.lines({start_line(), barrier_line(1)});
  CHECK(f.out.take() == std::vector<std::string>{start_line(), barrier_line(1)});
}

TEST_CASE("reorder advances the watermark by the idle time once barriers flow",
          "[ops][reorder]") {
  Reorder r(options(2000));
  Feeder f(r);
  f.lines({start_line(), ev(10000), ev(11000), ev(12000), barrier_line(1)});
  f.tick(); // stamps the arrival: W = 10000
  CHECK(f.out.take() == std::vector<std::string>{start_line(), ev(10000), wm(10000)});
  f.tick(milliseconds(1900)); // not idle for --idle-timeout (= --lateness) yet
  CHECK(f.out.take().empty());
  f.tick(milliseconds(200)); // idle 2 s: W = 10000 + 2000
  CHECK(f.out.take() ==
        std::vector<std::string>{ev(11000), ev(12000), barrier_line(1), wm(12000)});
  CHECK(w(r) == 12000);
  CHECK(r.buffered() == 0);
  f.tick(std::chrono::seconds(10));
  CHECK(w(r) == 12000); // never past the highest time seen
  CHECK(f.out.take().empty());
}

TEST_CASE("reorder idle advance moves by elapsed time, not to the wall clock",
          "[ops][reorder]") {
  ReorderOptions o = options(5000);
  o.idle = ReorderOptions::Idle::fixed;
  o.idle_timeout = milliseconds(1000);
  Reorder r(o);
  Feeder f(r);
  f.lines({start_line(), ev(100000), ev(101000), ev(104000), ev(110000)}); // W = 105000
  f.tick();
  CHECK(w(r) == 105000);
  f.tick(milliseconds(999));
  CHECK(w(r) == 105000);
  f.tick(milliseconds(1001)); // 2 s idle
  CHECK(w(r) == 107000);
  f.tick(milliseconds(10000));
  CHECK(w(r) == 110000);
  CHECK(r.buffered() == 0);
}

TEST_CASE("reorder without control records neither advances on idle time nor writes watermarks",
          "[ops][reorder]") {
  Reorder r(options(2000));
  Feeder f(r);
  f.lines({ev(1000), ev(2000)});
  f.tick(std::chrono::seconds(60));
  CHECK(r.buffered() == 2);
  CHECK(f.out.take().empty());
  ReorderOptions off = options(2000);
  off.idle = ReorderOptions::Idle::off;
  Reorder r2(off);
  Feeder g(r2);
  g.lines({start_line(), ev(1000), ev(2000)});
  g.tick(std::chrono::seconds(60));
  CHECK(r2.buffered() == 2);
}

TEST_CASE("reorder replaces upstream watermarks with its own, rate-limited", "[ops][reorder]") {
  Reorder r(options(1000));
  Feeder f(r);
  f.lines({start_line(), ev(1000), wm(999999), ev(3000)}); // W = 2000
  f.tick();
  CHECK(f.out.take() == std::vector<std::string>{start_line(), ev(1000), wm(2000)});
  f.line(ev(4000)); // W = 3000
  f.tick(milliseconds(50));
  CHECK(f.out.take() == std::vector<std::string>{ev(3000)}); // within 100 ms of the last record
  f.tick(milliseconds(60));
  CHECK(f.out.take() == std::vector<std::string>{wm(3000)});
}

TEST_CASE("reorder watermarks never pass an event held behind a barrier", "[ops][reorder]") {
  Reorder r5(options(5000));
  Feeder g(r5);
  // 6000 waits behind the barrier though W (7000) passed it: the record says 6000.
  g.lines({start_line(), ev(10000), barrier_line(1), ev(6000), ev(12000)});
  g.tick();
  CHECK(g.out.take() == std::vector<std::string>{start_line(), wm(6000)});
  g.line(ev(16000)); // W = 11000
  g.tick(milliseconds(200));
  CHECK(g.out.take() == std::vector<std::string>{ev(10000), barrier_line(1), ev(6000), wm(11000)});
}

TEST_CASE("reorder emits the oldest event early when the buffer is full", "[ops][reorder]") {
  ReorderOptions o = options(100000);
  o.max_events = 2;
  Reorder r(o);
  Feeder f(r);
  f.lines({ev(3000), ev(1000), ev(2000)});
  CHECK(f.out.take() == std::vector<std::string>{ev(1000)});
  CHECK(r.emitted_early() == 1);
  CHECK(w(r) == 1000);
  f.line(ev(500)); // below the watermark the early emit set: late
  CHECK(r.late() == 1);
  o.fail_when_full = true;
  Reorder failing(o);
  Feeder g(failing);
  g.lines({ev(3000), ev(1000)});
  try {
    g.line(ev(2000));
    FAIL("no error");
  } catch (const core::Error& e) {
    CHECK(e.code() == core::ExitCode::data);
  }
}

TEST_CASE("reorder limits its buffer by bytes", "[ops][reorder]") {
  ReorderOptions o = options(100000);
  o.max_bytes = 200;
  Reorder r(o);
  Feeder f(r);
  for (int i = 10; i > 0; --i) {
    f.line(ev(i * 1000, std::string(20, 'x')));
  }
  CHECK(r.buffered() < 10);
  CHECK(r.emitted_early() > 0);
}

TEST_CASE("reorder flushes in order at the end record and drops all on abandon",
          "[ops][reorder]") {
  Reorder r(options(60000));
  Feeder f(r);
  f.lines({start_line(), ev(3), ev(1), barrier_line(1), ev(2), k_end});
  CHECK(f.out.take() ==
        std::vector<std::string>{start_line(), ev(1), ev(3), barrier_line(1), ev(2), k_end});
  Reorder r2(options(60000));
  Feeder g(r2);
  g.lines({start_line(), ev(3), barrier_line(1), ev(1)});
  r2.on_abandon();
  r2.on_finish(g.out);
  CHECK(g.out.take() == std::vector<std::string>{start_line()});
}

TEST_CASE("reorder parses --max-buffer as a count or a size", "[ops][reorder]") {
  uint64_t events = 0;
  uint64_t bytes = 0;
  std::string why;
  CHECK(parse_buffer_limit("1000", &events, &bytes, &why));
  CHECK(events == 1000);
  CHECK(bytes == 0);
  CHECK(parse_buffer_limit("64MiB", &events, &bytes, &why));
  CHECK(events == 0);
  CHECK(bytes == 64ull << 20);
  CHECK_FALSE(parse_buffer_limit("0", &events, &bytes, &why));
  CHECK_FALSE(parse_buffer_limit("lots", &events, &bytes, &why));
}

} // namespace
} // namespace sluice::ops
