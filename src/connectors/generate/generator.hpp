// Generator: the ordered stream of events `sluice capture generate` emits, as
// a pure function of its options (no I/O, no clock).
//
// Base events g = 0, 1, 2, … have event time ts = t0 + g*1000/R (R = rate, or
// 1000 when the rate is 0) and change one row: a table drawn uniformly from the
// list, a key uniformly from 1..keys; a key's first change is an insert, later
// ones 93% updates and 7% deletes, and the change after a delete inserts again.
// `version` counts a key's changes (1 at the first insert, +1 per change, deletes
// included), so a re-insert continues above the delete.
//
// Each event arrives at ts + d, d = 0 or, with probability `disorder`, uniform
// in [1, L] ms (L = lateness); with probability `dup_rate` it also gets a
// duplicate (the same line, pos included) arriving within [arrival, ts + L].
// No change of a key arrives before the key's previous change or duplicate, so
// each key's versions arrive in order. Events are emitted in ascending
// (arrival, generation order): every event's ts is at least the highest ts
// emitted before it minus L, and with no disorder and no duplicates ts never
// decreases. An event's "pos" is "<t0>:<n>", n the events emitted up to it,
// and its "source" is "generate:seed=S".
//
// Not thread-safe; throws only std::bad_alloc.
#pragma once

#include "connectors/generate/random.hpp"
#include "connectors/generate/rows.hpp"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace sluice::connectors::generate {

struct GeneratorOptions {
  uint64_t seed = 1;
  uint64_t keys = 10000; // distinct keys per table
  std::vector<std::string> tables{"public.orders"};
  double dup_rate = 0;   // 0..1
  double disorder = 0;   // 0..1: the fraction of events delayed
  int64_t lateness_ms = 2000;
  double rate = 0;       // events per second of event time; 0 means 1000
  int64_t t0_ms = 1732406400000;
};

class Generator {
 public:
  explicit Generator(GeneratorOptions options);

  // Arrival time (epoch ms) of the next event, which is always known.
  int64_t next_arrival();
  // Appends the next event's line (without a newline) and moves past it.
  void write_next(std::string* out);
  // Moves past the next event without writing it (fast: nothing is formatted).
  void skip_next();
  // Events emitted (written or skipped) so far, and the arrival of the last one
  // (t0 before the first).
  uint64_t emitted() const { return m_emitted; }
  int64_t last_arrival() const { return m_last_arrival; }
  const GeneratorOptions& options() const { return m_options; }

 private:
  struct KeyState {
    uint64_t version = 0;
    bool exists = false;
    uint64_t insert_version = 0;
    int64_t last_arrival = 0; // of the key's latest change or duplicate
  };
  struct Slot {
    Change change;
    uint64_t emitted = 0; // the original's n, repeated by its duplicate
    bool has_duplicate = false;
  };
  struct Pending {
    int64_t arrival;
    uint64_t seq;
    uint32_t slot;
    bool duplicate;
  };

  void fill();
  void push_base();
  void push(int64_t arrival, uint32_t slot, bool duplicate);
  uint32_t new_slot();
  KeyState& key_state(uint32_t table, uint64_t key);
  // Takes the next event off the queue; `n` is the pos count its line carries.
  Change take(uint64_t* n);
  int64_t ts_of(uint64_t g) const;

  GeneratorOptions m_options;
  RowWriter m_rows;
  uint64_t m_stream;        // the seed mixed, for per-event random streams
  Chance m_disorder;
  Chance m_duplicate;
  uint64_t m_next_g = 0;
  uint64_t m_seq = 0;
  uint64_t m_emitted = 0;
  int64_t m_last_arrival;
  std::vector<Pending> m_queue; // a min-heap on (arrival, seq)
  std::vector<Slot> m_slots;
  std::vector<uint32_t> m_free_slots;
  // Per (table, key): a flat array while it is small, a hash map otherwise.
  std::vector<KeyState> m_dense_keys;
  std::unordered_map<uint64_t, KeyState> m_sparse_keys;
};

} // namespace sluice::connectors::generate
