// CheckpointAdmin: the operations of `sluice checkpoint show|set|reset` on a
// checkpoint store (file, sqlite:DB or postgresql://…), like Kafka's
// kafka-consumer-groups --describe / --reset-offsets, but for every source.
//
// set and reset first take the store's run lock exclusively: when a running
// stage holds it they throw Error(temporary, 75) naming the store, unless
// `force`. set gives every entry it changes one fresh barrier (a new run id,
// checkpoint 0), so stateful operators do not restore a state saved for another
// position; for a Kafka position with a group it first commits the offsets to
// the group, because a capture resumes from the larger of the stored and the
// committed offset. Not thread-safe; throws Error.
#pragma once

#include "connectors/checkpoint_report.hpp"
#include "connectors/kafka/properties.hpp"
#include "core/checkpoint_store.hpp"
#include "core/log.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace sluice::connectors {

// Which entries: empty strings select every source or every sink.
struct EntryFilter {
  std::string source;
  std::string sink;
  bool matches(const core::StoreEntry& e) const;
};

// The entries `filter` selects, in store order.
std::vector<ReportRow> select_entries(core::CheckpointStore& store, const EntryFilter& filter);

// Takes the run lock for set/reset; throws Error(temporary) when a pipeline
// holds it, or warns and goes on when `force`.
void lock_for_change(core::CheckpointStore& store, bool force, const core::Log& log);

struct KafkaGroupCommit {
  kafka::Properties properties; // bootstrap.servers set
  std::string group;
  std::chrono::milliseconds timeout{10000};
};

// Sets the position of the selected entries of filter.source (filter.sink:
// one, or every sink of the source) to `pos` (JSON text); returns them as
// stored. Error(usage) when no entry matches or `pos` is not JSON (or not a
// Kafka position while `group` is given).
std::vector<ReportRow> set_position(core::CheckpointStore& store, const EntryFilter& filter,
                                    const std::string& pos,
                                    const std::optional<KafkaGroupCommit>& group);

// Removes the selected entries; returns them. Error(usage) when none matches.
std::vector<ReportRow> reset_entries(core::CheckpointStore& store, const EntryFilter& filter);

} // namespace sluice::connectors
