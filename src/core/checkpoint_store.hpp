// CheckpointStore: where sinks record how far they have committed and captures
// read where to resume (DESIGN §4.3–4.4).
//
// An entry is keyed by (source id, sink id) and holds the newest barrier whose
// events the sink has committed (run, checkpoint, pos) plus the sink's own state
// (e.g. the output file's size). A sink registers before it reads: an entry with
// no barrier means "acknowledge nothing, resume from the beginning".
// Implementations: FileStore here; SQLite and PostgreSQL stores live in their
// connectors. Methods throw Error (data for a corrupt store, io otherwise).
//
// The run lock (core/run_lock.hpp) tells the checkpoint tool whether a
// pipeline is running with the store: every stage holds it shared while it
// runs; `sluice checkpoint set|reset` takes it exclusively.
#pragma once

#include "core/control.hpp"
#include "core/run_lock.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::core {

struct StoreEntry {
  std::string source;
  std::string sink;
  std::optional<control::BarrierId> barrier; // none: registered, nothing recorded yet
  std::string pos = "null";                  // JSON text of the barrier's position
  std::string state = "null";                // JSON text kept for the sink
  int64_t updated_ms = 0;                    // wall clock of the last change
};

class CheckpointStore {
 public:
  virtual ~CheckpointStore() = default;

  // What to call the store in messages (never a password).
  virtual std::string describe() const = 0;
  // Every entry for `source`; readers never lock.
  virtual std::vector<StoreEntry> entries(std::string_view source) = 0;
  // Adds (source, sink) with no barrier and `state` unless it exists; returns the
  // entry as stored.
  virtual StoreEntry register_sink(const std::string& source, const std::string& sink,
                                   const std::string& state) = 0;
  // Replaces the entry of (entry.source, entry.sink); durable when it returns.
  virtual void record(const StoreEntry& entry) = 0;

  // Every entry of every source, ordered by source, then sink; readers never lock.
  virtual std::vector<StoreEntry> all_entries() = 0;
  // Removes the entry of (source, sink); false when there was none.
  virtual bool remove(const std::string& source, const std::string& sink) = 0;
  // Takes the run lock and holds it until the store is destroyed: shared waits
  // while the checkpoint tool holds it; exclusive returns false at once when a
  // running stage (or another tool) holds it.
  virtual bool lock_running(RunLock mode) = 0;
};

// Where a capture resumes: the lowest barrier over the registered sinks. Within
// one run that is the oldest barrier (the smallest checkpoint); across runs, the
// barrier at the lowest position by `compare`.
struct ResumePoint {
  std::optional<control::BarrierId> barrier; // none: start from the beginning
  std::string pos = "null";
  size_t sinks = 0;        // registered sinks
  bool unrecorded = false; // a registered sink has recorded nothing yet
};

// compare(a, b) orders two positions of the source (JSON texts): <0, 0, >0.
using PosCompare = std::function<int(std::string_view, std::string_view)>;

ResumePoint lowest_position(const std::vector<StoreEntry>& entries, const PosCompare& compare);

// True when every registered sink has recorded `barrier` or a later one of its run.
bool all_sinks_reached(const std::vector<StoreEntry>& entries, const control::BarrierId& barrier);

int64_t wall_clock_ms();

} // namespace sluice::core
