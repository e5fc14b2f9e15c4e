// DedupeState: what `sluice dedupe` remembers, and how it forgets (issue 5).
//
// Keys live in a KeySet by generation. Inserts go to the current generation,
// and a new one starts when the current holds max_keys/64 keys or, with
// `within`, when the newest event time has moved on by within/32 since it
// started. With `within`, a generation is forgotten once its newest key's
// event time is older than the newest event time seen minus `within` (so a
// key is remembered at least `within` of event time, and at most about 1/32
// longer); past max_keys keys the oldest generation is forgotten (evicted),
// about 1/64 of max_keys at once.
//
// For saved state every change is also recorded as an operation (open a
// generation, insert a key, drop the oldest generation, raise the newest
// time), so a delta replays into exactly the same state whatever the flags
// are on restore; a snapshot lists the generations and every live entry.
// Not thread-safe; never throws except bad_alloc.
#pragma once

#include "core/state_journal.hpp"
#include "ops/key_set.hpp"

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::ops {

struct DedupeStateOptions {
  std::optional<int64_t> within_ms; // none: keys are forgotten only past max_keys
  uint64_t max_keys = 10'000'000;
  bool exact = false;
  // What the keys are made of (the --key paths): saved state made from other
  // keys is refused.
  std::string key_spec;
};

class DedupeState {
 public:
  explicit DedupeState(DedupeStateOptions options);

  // Remembers a key seen at event time `ts` (needed with within). True when it
  // was not remembered yet (the event is the first of its key).
  bool remember(const Hash128& hash, std::string_view key, std::optional<int64_t> ts);
  // A hint that `hash` is remembered next: its memory starts loading.
  void prefetch(const Hash128& hash) const { m_set.prefetch(hash); }

  uint64_t keys() const { return m_keys; }
  uint64_t evicted_keys() const { return m_evicted; }
  uint64_t evictions() const { return m_evictions; }
  uint64_t expired_keys() const { return m_expired; }
  uint64_t memory_bytes() const { return m_set.memory_bytes(); }

  // Record changes for take_delta() (only with saved state).
  void set_tracking(bool on) { m_tracking = on; }
  void reset();
  bool load(std::string_view bytes, bool snapshot, std::string* why);
  void take_delta(std::string* out);
  void write_snapshot(core::StateWriter& out);
  uint64_t snapshot_size() const;

 private:
  struct Generation {
    uint8_t id = 0;
    uint64_t count = 0;
    int64_t max_ts = INT64_MIN;
    int64_t opened_newest = INT64_MIN;
  };

  void raise_newest(int64_t ts);
  void expire();
  void ensure_current();
  void open_generation(uint8_t id, int64_t opened_newest);
  void drop_oldest();
  bool apply_ops(std::string_view bytes, std::string* why);
  bool load_snapshot(std::string_view bytes, std::string* why);

  DedupeStateOptions m_options;
  uint64_t m_generation_size;
  KeySet m_set;
  std::deque<Generation> m_generations; // oldest first; the back is current
  int64_t m_newest = INT64_MIN;
  uint64_t m_keys = 0;
  uint64_t m_evicted = 0;
  uint64_t m_evictions = 0;
  uint64_t m_expired = 0;
  bool m_tracking = false;
  std::string m_ops; // changes since the last delta or snapshot
};

} // namespace sluice::ops
