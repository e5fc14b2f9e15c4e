#include "ops/holdback.hpp"

#include "ops_test_support.hpp"

#include <catch2/catch.hpp>

namespace sluice::ops {
namespace {

using namespace test;

core::control::Record barrier(uint64_t n) {
  core::control::Checkpoint c;
  c.checkpoint = n;
  return c;
}

TEST_CASE("holdback writes a control record at once when nothing is held", "[ops][holdback]") {
  Holdback h;
  Collect out;
  h.add_control("B1", barrier(1), out);
  CHECK(out.lines == std::vector<std::string>{"B1"});
  CHECK(h.input_epoch() == 0);
}

TEST_CASE("holdback keeps control records in order behind earlier events", "[ops][holdback]") {
  Holdback h;
  Collect out;
  h.add_event(50);
  h.add_control("B1", barrier(1), out);
  h.add_control("B2", barrier(2), out); // behind B1 though its own epoch is empty
  h.add_event(10);
  h.add_control("B3", barrier(3), out);
  CHECK(out.lines.empty());
  CHECK(h.held() == 3);
  CHECK(h.input_epoch() == 3);
  CHECK(h.later_min_ts() == 10);
  h.remove_event(0);
  h.release_ready(out);
  CHECK(out.lines == std::vector<std::string>{"B1", "B2"});
  CHECK(h.output_epoch() == 2);
  h.remove_event(2);
  h.release_ready(out);
  CHECK(out.lines == std::vector<std::string>{"B1", "B2", "B3"});
  CHECK(h.buffered() == 0);
  CHECK(h.later_min_ts() == INT64_MAX);
}

} // namespace
} // namespace sluice::ops
