#include "ops/sequencer.hpp"

#include "core/error.hpp"
#include "ops_test_support.hpp"

#include <catch2/catch.hpp>

namespace sluice::ops {
namespace {

using namespace test;
using std::chrono::milliseconds;

SequencerOptions options(bool partitioned = true) {
  SequencerOptions o;
  std::string why;
  core::JsonPath::parse("seq", &o.seq, &why);
  if (partitioned) {
    core::JsonPath p;
    core::JsonPath::parse("p", &p, &why);
    o.partition = p;
  }
  o.gap_timeout = milliseconds(1000);
  return o;
}

std::string ev(const std::string& p, int64_t seq) {
  return R"({"p":")" + p + R"(","seq":)" + std::to_string(seq) + "}";
}

TEST_CASE("sequencer releases each partition in exact sequence order", "[ops][sequencer]") {
  Sequencer s(options());
  Feeder f(s);
  f.lines({ev("a", 1), ev("a", 3), ev("b", 7), ev("a", 2), ev("b", 9), ev("b", 8)});
  CHECK(f.out.take() == std::vector<std::string>{ev("a", 1), ev("b", 7), ev("a", 2), ev("a", 3),
                                                 ev("b", 8), ev("b", 9)});
  CHECK(s.buffered() == 0);
}

TEST_CASE("sequencer holds a gap up to the gap timeout, then reports it and goes on",
          "[ops][sequencer]") {
  std::vector<std::string> warnings;
  SequencerOptions o = options();
  o.warn = [&](const std::string& w) { warnings.push_back(w); };
  Sequencer s(o);
  Feeder f(s);
  f.lines({ev("a", 1), ev("a", 4), ev("a", 5)});
  f.tick(milliseconds(999));
  CHECK(f.out.take() == std::vector<std::string>{ev("a", 1)});
  f.tick(milliseconds(2));
  CHECK(f.out.take() == std::vector<std::string>{ev("a", 4), ev("a", 5)});
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("partition a: sequence gap: 2..3 missing (waited --gap-timeout)") == 0);
  CHECK(s.gaps() == 1);
  f.line(ev("a", 6));
  CHECK(f.out.take() == std::vector<std::string>{ev("a", 6)});
}

TEST_CASE("sequencer handles numbers below the next expected as late", "[ops][sequencer]") {
  SequencerOptions o = options(false);
  o.late = LatePolicy::Mode::drop;
  Sequencer s(o);
  Feeder f(s);
  f.lines({R"({"seq":10})", R"({"seq":11})", R"({"seq":9})", R"({"seq":11})", R"({"seq":12})"});
  CHECK(f.out.take() == std::vector<std::string>{R"({"seq":10})", R"({"seq":11})", R"({"seq":12})"});
  CHECK(s.late() == 2);
}

TEST_CASE("sequencer keeps arrival order for a repeated number", "[ops][sequencer]") {
  Sequencer s(options(false));
  Feeder f(s);
  f.lines({R"({"seq":1})", R"({"seq":3,"n":1})", R"({"seq":3,"n":2})", R"({"seq":2})"});
  CHECK(f.out.take() == std::vector<std::string>{R"({"seq":1})", R"({"seq":2})",
                                                 R"({"seq":3,"n":1})", R"({"seq":3,"n":2})"});
}

TEST_CASE("sequencer holds barriers behind the events before them", "[ops][sequencer]") {
  Sequencer s(options());
  Feeder f(s);
  f.lines({start_line(), ev("a", 1), ev("a", 3), barrier_line(1), ev("b", 1), ev("a", 2)});
  // b 1 and a 2 arrived after the barrier: they wait for it, and it waits for a 3.
  CHECK(f.out.take() == std::vector<std::string>{start_line(), ev("a", 1)});
  f.tick(milliseconds(1001)); // a's gap (2 is behind the barrier) times out
  CHECK(f.out.take() ==
        std::vector<std::string>{ev("a", 3), barrier_line(1), ev("b", 1), ev("a", 2)});
}

TEST_CASE("sequencer flushes every partition at the end, gaps skipped", "[ops][sequencer]") {
  Sequencer s(options());
  Feeder f(s);
  f.lines({start_line(), ev("a", 1), ev("a", 5), ev("b", 2), ev("b", 4), k_end});
  CHECK(f.out.take() == std::vector<std::string>{start_line(), ev("a", 1), ev("b", 2), ev("a", 5),
                                                 ev("b", 4), k_end});
  CHECK(s.gaps() == 2);
}

TEST_CASE("sequencer skips the oldest gap when the buffer is full", "[ops][sequencer]") {
  SequencerOptions o = options();
  o.max_events = 2;
  Sequencer s(o);
  Feeder f(s);
  f.lines({ev("a", 1), ev("a", 3), ev("a", 4)});
  CHECK(f.out.take() == std::vector<std::string>{ev("a", 1)});
  f.line(ev("a", 5)); // three held: the gap at 2 is skipped
  CHECK(f.out.take() == std::vector<std::string>{ev("a", 3), ev("a", 4), ev("a", 5)});
  o.fail_when_full = true;
  Sequencer failing(o);
  Feeder g(failing);
  g.lines({ev("a", 1), ev("a", 3), ev("a", 4)});
  try {
    g.line(ev("a", 5));
    FAIL("no error");
  } catch (const core::Error& e) {
    CHECK(e.code() == core::ExitCode::data);
  }
}

TEST_CASE("sequencer refuses an event without an integer sequence as bad data",
          "[ops][sequencer]") {
  Sequencer s(options());
  Feeder f(s);
  CHECK_FALSE(f.line(R"({"p":"a"})"));
  CHECK(f.last_why == "field \"seq\" is missing (--seq)");
  CHECK_FALSE(f.line(R"({"p":"a","seq":"x"})"));
  CHECK(f.last_why == "field \"seq\" (--seq) is not an integer");
  CHECK_FALSE(f.line(R"({"seq":1})"));
  CHECK(f.last_why == "field \"p\" is missing (--partition)");
}

} // namespace
} // namespace sluice::ops
