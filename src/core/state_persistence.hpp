// Persisted operator state (DESIGN §4.5): the hooks that restore a stateful
// operator at the start record and save it before each checkpoint barrier.
//
// A stateful operator (ops::Dedupe) implements PersistentState: it hands its
// changes out as bytes and takes them back, and knows no file. StatePersistence
// (a ControlHook of the operator stage) does the rest with a StateJournal: at the
// start record it restores exactly the version of the barrier named in
// `resume` (or an empty state when `resume` is null), discards every newer
// version and cuts the side files back to their sizes at that barrier; before a
// barrier goes on it syncs the side files and appends the operator's delta, or,
// once the newest segment holds about twice the live state, a snapshot in a new
// segment, after which it deletes the segments older than every version the
// store's sinks may still resume from. SideFileSync only syncs side files before
// barriers and at a clean end (a stage with side files and no state). Not thread-safe. Throw
// Error: data for missing or corrupt state (unless reset is allowed), io, and
// temporary for a locked state directory.
#pragma once

#include "core/checkpoint_store.hpp"
#include "core/log.hpp"
#include "core/operator_stage.hpp"
#include "core/side_file.hpp"
#include "core/state_journal.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::core {

class PersistentState {
 public:
  virtual ~PersistentState() = default;
  // Empties the state and forgets pending changes.
  virtual void reset_state() = 0;
  // Applies a saved snapshot (to an empty state) or a delta, oldest first. False
  // with a reason when the bytes are not a state this operator can load.
  virtual bool load_state(std::string_view bytes, bool snapshot, std::string* why) = 0;
  // Moves the changes made since the last call (or the last snapshot) into *out.
  virtual void take_delta(std::string* out) = 0;
  // Writes the whole state; the pending changes are then forgotten (it holds them).
  virtual void write_snapshot(StateWriter& out) = 0;
  // About how many bytes write_snapshot() would write now.
  virtual uint64_t snapshot_size() const = 0;
  // What the state holds, for the log ("950000 keys").
  virtual std::string describe_state() const = 0;
};

struct PersistenceOptions {
  CheckpointStore* store = nullptr; // whose sinks say which versions must be kept
  bool reset_state = false;         // --reset-state: missing or corrupt state -> empty state
  // A snapshot is written once the newest segment holds more than
  // `compact_factor` times the snapshot size and more than `compact_min_bytes`.
  double compact_factor = 2.0;
  uint64_t compact_min_bytes = 1 << 20;
};

class StatePersistence : public ControlHook {
 public:
  StatePersistence(StateJournal& journal, PersistentState& state, std::vector<SideFile*> sides,
                   const PersistenceOptions& options, const Log& log);

  void on_start(const control::Start& start) override;
  void before_barrier(const control::Checkpoint& barrier) override;
  void on_finish() override;

  uint64_t snapshots() const { return m_snapshots; }

 private:
  void restore(const control::BarrierId& barrier);
  void start_empty(bool discard_sides);
  void cut_sides(const std::vector<SideSize>& sizes);
  std::vector<SideSize> side_sizes() const;
  void write_snapshot(const control::BarrierId& barrier, const std::vector<SideSize>& sides);
  void prune(const control::BarrierId& newest);

  StateJournal& m_journal;
  PersistentState& m_state;
  std::vector<SideFile*> m_sides;
  PersistenceOptions m_options;
  const Log& m_log;
  std::optional<std::string> m_source; // set at the start record
  std::string m_delta;
  uint64_t m_snapshots = 0;
  bool m_warned_prune = false;
};

// Syncs side files before every barrier.
class SideFileSync : public ControlHook {
 public:
  explicit SideFileSync(std::vector<SideFile*> sides) : m_sides(std::move(sides)) {}
  void before_barrier(const control::Checkpoint&) override { on_finish(); }
  void on_finish() override {
    for (SideFile* s : m_sides) {
      s->sync();
    }
  }

 private:
  std::vector<SideFile*> m_sides;
};

} // namespace sluice::core
