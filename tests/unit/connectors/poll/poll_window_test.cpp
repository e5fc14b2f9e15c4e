#include "connectors/poll/poll_window.hpp"

#include <catch2/catch.hpp>

namespace sluice::connectors::poll {
namespace {

PollPos at(int64_t ts, int64_t inc = 0) {
  PollPos p;
  p.has_ts = true;
  p.ts_us = ts;
  p.ts_raw = std::to_string(ts);
  p.ts_is_text = false;
  p.has_inc = true;
  p.inc = inc;
  return p;
}

TEST_CASE("poll positions order by timestamp then increment and round-trip as JSON",
          "[connectors][poll][poll_window]") {
  CHECK(compare(at(1, 5), at(2, 1)) < 0);
  CHECK(compare(at(2, 1), at(2, 2)) < 0);
  CHECK(compare(PollPos(), at(0, 0)) < 0);
  PollPos text = at(10, 3);
  text.ts_is_text = true;
  text.ts_raw = "2024-11-24 00:00:00+00";
  std::string json = position_json(text);
  CHECK(json == R"({"ts":"2024-11-24 00:00:00+00","ts_us":10,"inc":3})");
  PollPos back;
  REQUIRE(parse_position_json(json, &back));
  CHECK(back.ts_raw == text.ts_raw);
  CHECK(back.ts_is_text);
  CHECK(compare(back, text) == 0);
  REQUIRE(parse_position_json(position_json(at(7, 1)), &back));
  CHECK_FALSE(back.ts_is_text);
  CHECK(back.ts_raw == "7");
  CHECK(position_json(PollPos()) == "null");
  CHECK_FALSE(parse_position_json("[1]", &back));
}

TEST_CASE("poll window moves safe at once without concurrent writers",
          "[connectors][poll][poll_window]") {
  PollWindow w;
  w.reset(PollPos());
  CHECK(w.take("a", at(1)));
  CHECK_FALSE(w.take("a", at(1)));
  w.end_poll(at(1), std::nullopt);
  CHECK(compare(w.safe(), at(1)) == 0);
  CHECK(w.remembered() == 0);
}

TEST_CASE("poll window holds safe back while transactions of a poll may still commit",
          "[connectors][poll][poll_window]") {
  PollWindow w;
  w.reset(PollPos());
  // Poll 1 sees a row while transaction 100 runs (xmin 100, xmax 105).
  CHECK(w.take("r1", at(10)));
  w.end_poll(at(10), std::make_pair(100, 105));
  CHECK(w.safe().is_start());
  CHECK(compare(w.emitted(), at(10)) == 0);
  CHECK(w.horizon() == 100u);
  // Poll 2: transaction 100 still runs; a late row of it and the old one come back.
  CHECK(w.take("late", at(5)));
  CHECK_FALSE(w.take("r1", at(10)));
  w.end_poll(at(12), std::make_pair(100, 107));
  CHECK(w.safe().is_start());
  // Poll 3: everything running at poll 1 has ended.
  w.end_poll(std::nullopt, std::make_pair(106, 108));
  CHECK(compare(w.safe(), at(10)) == 0);
  CHECK(w.remembered() == 0);
  // Poll 4: nothing runs: all it saw is safe.
  w.end_poll(std::nullopt, std::make_pair(110, 110));
  CHECK(compare(w.safe(), at(12)) == 0);
  CHECK_FALSE(w.horizon());
}

} // namespace
} // namespace sluice::connectors::poll
