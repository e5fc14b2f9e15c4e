#include "ops/late_events.hpp"

#include "ops_test_support.hpp"

#include <catch2/catch.hpp>

namespace sluice::ops {
namespace {

TEST_CASE("late policy parses emit, drop and dead-letter", "[ops][late_events]") {
  LatePolicy p;
  std::string why;
  CHECK(LatePolicy::parse("drop", &p, &why));
  CHECK(p.mode == LatePolicy::Mode::drop);
  CHECK(LatePolicy::parse("dead-letter:late.ndjson", &p, &why));
  CHECK(p.mode == LatePolicy::Mode::dead_letter);
  CHECK(p.path == "late.ndjson");
  CHECK(LatePolicy::parse("emit", &p, &why));
  CHECK(p.mode == LatePolicy::Mode::emit);
  CHECK_FALSE(LatePolicy::parse("dead-letter:", &p, &why));
  CHECK_FALSE(LatePolicy::parse("keep", &p, &why));
  CHECK(why == "invalid --late \"keep\" (expected emit, drop or dead-letter:FILE)");
}

TEST_CASE("late events warn for the 1st, 10th and 100th", "[ops][late_events]") {
  std::vector<std::string> warnings;
  LateEvents late(LatePolicy::Mode::emit, nullptr,
                  [&](const std::string& w) { warnings.push_back(w); });
  core::Line line;
  line.text = "{}";
  for (int i = 0; i < 150; ++i) {
    line.number = static_cast<uint64_t>(i + 1);
    CHECK(late.handle(line, "late"));
  }
  CHECK(late.count() == 150);
  REQUIRE(warnings.size() == 3);
  CHECK(warnings[2] == "stdin:100: late (emitted out of order; 100 late events so far)");
}

} // namespace
} // namespace sluice::ops
