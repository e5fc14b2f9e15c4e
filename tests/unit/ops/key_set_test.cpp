#include "ops/key_set.hpp"

#include <catch2/catch.hpp>
#include <set>
#include <string>

namespace sluice::ops {
namespace {

TEST_CASE("key set remembers a key once", "[ops][key_set]") {
  KeySet set(false);
  set.set_live(0, true);
  CHECK(set.insert(hash_key("a"), "", 0));
  CHECK_FALSE(set.insert(hash_key("a"), "", 0));
  CHECK(set.insert(hash_key("b"), "", 0));
  CHECK(set.slots_of(0) == 2);
}

TEST_CASE("key set forgets a generation that is marked dead", "[ops][key_set]") {
  KeySet set(false);
  set.set_live(1, true);
  set.set_live(2, true);
  CHECK(set.insert(hash_key("old"), "", 1));
  CHECK(set.insert(hash_key("new"), "", 2));
  set.set_live(1, false);
  CHECK(set.insert(hash_key("old"), "", 2)); // forgotten: inserted again
  CHECK_FALSE(set.insert(hash_key("new"), "", 2));
  // Reusing the id brings nothing back.
  set.set_live(1, true);
  CHECK(set.slots_of(1) == 0);
  int live = 0;
  set.for_each([&](uint8_t, const Hash128&, std::string_view) { ++live; });
  CHECK(live == 2);
}

TEST_CASE("key set holds a million keys in at most 29 bytes each", "[ops][key_set]") {
  KeySet set(false);
  set.set_live(0, true);
  const int n = 1000000;
  for (int i = 0; i < n; ++i) {
    REQUIRE(set.insert(hash_key("key-" + std::to_string(i)), "", 0));
  }
  for (int i = 0; i < n; i += 997) {
    REQUIRE_FALSE(set.insert(hash_key("key-" + std::to_string(i)), "", 0));
  }
  CHECK(set.memory_bytes() / n <= 29);
}

TEST_CASE("key set rebuilds shards that fill with dead entries without growing",
          "[ops][key_set]") {
  KeySet set(false);
  uint64_t peak = 0;
  for (int round = 0; round < 20; ++round) {
    auto gen = static_cast<uint8_t>(round % 200);
    set.set_live(gen, true);
    for (int i = 0; i < 20000; ++i) {
      set.insert(hash_key(std::to_string(round) + ":" + std::to_string(i)), "", gen);
    }
    if (round > 0) {
      set.set_live(static_cast<uint8_t>((round - 1) % 200), false);
    }
    peak = std::max(peak, set.memory_bytes());
  }
  CHECK(peak < 40000 * 40);
}

TEST_CASE("key set compares the key bytes in exact mode", "[ops][key_set]") {
  KeySet set(true);
  set.set_live(0, true);
  Hash128 same{1, 2}; // two different keys forced to one hash: both are kept
  CHECK(set.insert(same, "first", 0));
  CHECK(set.insert(same, "second", 0));
  CHECK_FALSE(set.insert(same, "first", 0));
  CHECK_FALSE(set.insert(same, "second", 0));
  std::set<std::string> keys;
  set.for_each([&](uint8_t, const Hash128&, std::string_view k) { keys.emplace(k); });
  CHECK(keys == std::set<std::string>{"first", "second"});
  CHECK(set.key_bytes() == 4 + 5 + 4 + 6);
  set.set_live(0, false);
  CHECK(set.key_bytes() == 0);
}

TEST_CASE("key hash is XXH3-128 of the bytes", "[ops][key_set]") {
  CHECK(hash_key("a") == hash_key("a"));
  CHECK_FALSE(hash_key("a") == hash_key("b"));
  CHECK_FALSE(hash_key("") == hash_key(std::string_view("\0", 1)));
}

} // namespace
} // namespace sluice::ops
