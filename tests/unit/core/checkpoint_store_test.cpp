#include "core/checkpoint_store.hpp"

#include <catch2/catch.hpp>
#include <charconv>

namespace sluice::core {
namespace {

using control::BarrierId;

// Positions in these tests are JSON numbers.
int compare_numbers(std::string_view a, std::string_view b) {
  int64_t x = 0;
  int64_t y = 0;
  std::from_chars(a.data(), a.data() + a.size(), x);
  std::from_chars(b.data(), b.data() + b.size(), y);
  return x < y ? -1 : (x > y ? 1 : 0);
}

StoreEntry entry(std::string sink, std::optional<BarrierId> barrier, std::string pos) {
  StoreEntry e;
  e.source = "src";
  e.sink = std::move(sink);
  e.barrier = std::move(barrier);
  e.pos = std::move(pos);
  return e;
}

TEST_CASE("checkpoint store resumes from the lowest position of two sinks",
          "[core][checkpoint_store]") {
  std::vector<StoreEntry> entries = {entry("a", BarrierId{"r1", 9}, "900"),
                                     entry("b", BarrierId{"r1", 4}, "400")};
  ResumePoint p = lowest_position(entries, compare_numbers);
  CHECK(p.sinks == 2);
  CHECK_FALSE(p.unrecorded);
  REQUIRE(p.barrier);
  CHECK(*p.barrier == BarrierId{"r1", 4});
  CHECK(p.pos == "400");
  std::swap(entries[0], entries[1]);
  p = lowest_position(entries, compare_numbers);
  CHECK(p.pos == "400");
}

TEST_CASE("checkpoint store orders positions by the comparator, not the barrier",
          "[core][checkpoint_store]") {
  // A newer run starts its checkpoints at 1 again: only the positions compare.
  std::vector<StoreEntry> entries = {entry("a", BarrierId{"new", 1}, "1000"),
                                     entry("b", BarrierId{"old", 50}, "700")};
  ResumePoint p = lowest_position(entries, compare_numbers);
  REQUIRE(p.barrier);
  CHECK(*p.barrier == BarrierId{"old", 50});
  CHECK(p.pos == "700");
  auto reversed = [](std::string_view a, std::string_view b) { return -compare_numbers(a, b); };
  p = lowest_position(entries, reversed);
  CHECK(p.pos == "1000");
}

TEST_CASE("checkpoint store takes the oldest barrier of a run where positions cross",
          "[core][checkpoint_store]") {
  // As Kafka entries do after a revoke: the newer barrier compares lower.
  std::vector<StoreEntry> entries = {entry("a", BarrierId{"r1", 7}, "100"),
                                     entry("b", BarrierId{"r1", 5}, "600")};
  ResumePoint p = lowest_position(entries, compare_numbers);
  REQUIRE(p.barrier);
  CHECK(*p.barrier == BarrierId{"r1", 5});
  CHECK(p.pos == "600");
  std::swap(entries[0], entries[1]);
  p = lowest_position(entries, compare_numbers);
  REQUIRE(p.barrier);
  CHECK(*p.barrier == BarrierId{"r1", 5});
}

TEST_CASE("checkpoint store with an unrecorded sink starts from the beginning",
          "[core][checkpoint_store]") {
  std::vector<StoreEntry> entries = {entry("a", BarrierId{"r1", 9}, "900"),
                                     entry("b", std::nullopt, "null")};
  ResumePoint p = lowest_position(entries, compare_numbers);
  CHECK(p.unrecorded);
  CHECK_FALSE(p.barrier);
  CHECK(p.pos == "null");
  CHECK(p.sinks == 2);
  std::swap(entries[0], entries[1]);
  p = lowest_position(entries, compare_numbers);
  CHECK(p.unrecorded);
  CHECK_FALSE(p.barrier);
}

TEST_CASE("checkpoint store without sinks starts from the beginning", "[core][checkpoint_store]") {
  ResumePoint p = lowest_position({}, compare_numbers);
  CHECK(p.sinks == 0);
  CHECK_FALSE(p.unrecorded);
  CHECK_FALSE(p.barrier);
  CHECK(p.pos == "null");
}

TEST_CASE("checkpoint store knows when every sink reached a barrier", "[core][checkpoint_store]") {
  BarrierId last{"r2", 5};
  CHECK_FALSE(all_sinks_reached({}, last));
  CHECK(all_sinks_reached({entry("a", BarrierId{"r2", 5}, "1")}, last));
  CHECK(all_sinks_reached(
      {entry("a", BarrierId{"r2", 6}, "1"), entry("b", BarrierId{"r2", 5}, "1")}, last));
  CHECK_FALSE(all_sinks_reached(
      {entry("a", BarrierId{"r2", 6}, "1"), entry("b", BarrierId{"r2", 4}, "1")}, last));
  CHECK_FALSE(all_sinks_reached({entry("a", BarrierId{"r1", 9}, "1")}, last));
  CHECK_FALSE(all_sinks_reached({entry("a", std::nullopt, "null")}, last));
}

TEST_CASE("checkpoint store wall clock is epoch milliseconds", "[core][checkpoint_store]") {
  int64_t now = wall_clock_ms();
  CHECK(now > 1700000000000); // after 2023
  CHECK(now < 4102444800000); // before 2100
}

} // namespace
} // namespace sluice::core
