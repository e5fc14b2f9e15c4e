#include "ops/dedupe_state.hpp"

#include <catch2/catch.hpp>
#include <random>
#include <set>

namespace sluice::ops {
namespace {

struct StringWriter : core::StateWriter {
  std::string data;
  void write(std::string_view bytes) override { data.append(bytes); }
};

DedupeStateOptions options(std::optional<int64_t> within, uint64_t max_keys, bool exact = false) {
  DedupeStateOptions o;
  o.within_ms = within;
  o.max_keys = max_keys;
  o.exact = exact;
  o.key_spec = "id";
  return o;
}

bool seen(DedupeState& s, const std::string& key, std::optional<int64_t> ts = std::nullopt) {
  return !s.remember(hash_key(key), key, ts);
}

TEST_CASE("dedupe state forgets keys older than the window", "[ops][dedupe_state]") {
  DedupeState s(options(10000, 1000));
  CHECK_FALSE(seen(s, "a", 0));
  CHECK(seen(s, "a", 5000));
  CHECK_FALSE(seen(s, "b", 9000));
  CHECK(seen(s, "a", 9999)); // within 10 s of the newest: still remembered
  CHECK_FALSE(seen(s, "c", 20000));
  CHECK_FALSE(seen(s, "a", 20001)); // older than newest - 10 s: forgotten
  CHECK(seen(s, "c", 20002));
  CHECK(s.expired_keys() >= 2);
}

TEST_CASE("dedupe state remembers at most about 1/32 longer than the window",
          "[ops][dedupe_state]") {
  DedupeState s(options(32000, 1000000));
  for (int64_t t = 0; t <= 100000; t += 10) {
    s.remember(hash_key("k" + std::to_string(t)), "", t);
  }
  // Newest is 100 s: keys before 100 - 32 - 1 - slack are gone, keys after 68 s stay.
  CHECK(seen(s, "k68000", 100000));
  CHECK_FALSE(seen(s, "k60000", 100000));
}

TEST_CASE("dedupe state evicts the oldest keys past max keys", "[ops][dedupe_state]") {
  DedupeState s(options(std::nullopt, 64));
  for (int i = 0; i < 200; ++i) {
    CHECK_FALSE(seen(s, std::to_string(i)));
  }
  CHECK(s.keys() <= 64);
  CHECK(s.keys() >= 63);
  CHECK(s.evicted_keys() == 200 - s.keys());
  CHECK(s.evictions() > 0);
  CHECK(seen(s, "199"));
  CHECK(seen(s, "150"));
  CHECK_FALSE(seen(s, "0")); // the oldest were forgotten
}

TEST_CASE("dedupe state deltas replay into the same state", "[ops][dedupe_state]") {
  for (bool exact : {false, true}) {
    DedupeState live(options(5000, 500, exact));
    live.set_tracking(true);
    DedupeState replica(options(5000, 500, exact));
    std::mt19937 rng(7);
    std::string delta;
    std::vector<std::string> probes;
    int64_t t = 0;
    for (int i = 0; i < 20000; ++i) {
      t += static_cast<int64_t>(rng() % 3);
      std::string key = "k" + std::to_string(rng() % 3000);
      int64_t ts = t - static_cast<int64_t>(rng() % 2000);
      live.remember(hash_key(key), key, ts);
      if (i % 1000 == 999) {
        live.take_delta(&delta);
        std::string why;
        REQUIRE(replica.load(delta, false, &why));
      }
      if (i % 7 == 0) {
        probes.push_back(key);
      }
    }
    CHECK(replica.keys() == live.keys());
    for (const auto& k : probes) {
      // Remembering a probe at the same time changes both alike, so answers must agree.
      CHECK(seen(replica, k, t) == seen(live, k, t));
    }
  }
}

TEST_CASE("dedupe state snapshot restores every remembered key", "[ops][dedupe_state]") {
  DedupeState s(options(60000, 100000, true));
  for (int i = 0; i < 5000; ++i) {
    s.remember(hash_key("k" + std::to_string(i)), "k" + std::to_string(i), i);
  }
  StringWriter w;
  s.write_snapshot(w);
  CHECK(w.data.size() <= s.snapshot_size() + 64);
  DedupeState copy(options(60000, 100000, true));
  std::string why;
  REQUIRE(copy.load(w.data, true, &why));
  CHECK(copy.keys() == 5000);
  for (int i = 0; i < 5000; i += 13) {
    CHECK(seen(copy, "k" + std::to_string(i), 5000));
  }
  CHECK_FALSE(seen(copy, "new", 5000));
}

TEST_CASE("dedupe state refuses a snapshot made from other keys or garbage",
          "[ops][dedupe_state]") {
  DedupeState s(options(std::nullopt, 10));
  s.remember(hash_key("a"), "a", std::nullopt);
  StringWriter w;
  s.write_snapshot(w);
  DedupeStateOptions other = options(std::nullopt, 10);
  other.key_spec = "key.order_id";
  DedupeState copy(other);
  std::string why;
  CHECK_FALSE(copy.load(w.data, true, &why));
  CHECK(why.find("--key id") != std::string::npos);
  DedupeState again(options(std::nullopt, 10));
  CHECK_FALSE(again.load(w.data.substr(0, w.data.size() - 3), true, &why));
  CHECK_FALSE(again.load("garbage", false, &why));
  CHECK_FALSE(again.load(std::string("d\x01K", 3), false, &why));
}

} // namespace
} // namespace sluice::ops
