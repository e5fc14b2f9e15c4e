// CheckpointReport: how `sluice checkpoint show` prints the entries of a
// checkpoint store: a table for people (one row per (source, sink), the
// barrier, position, sink state, age and the source's lag where known) or
// NDJSON for scripts (one object per entry). Pure formatting: thread-safe,
// never throws (bad_alloc aside).
#pragma once

#include "core/checkpoint_store.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sluice::connectors {

// How far the source is ahead of an entry's position.
struct SourceLag {
  std::string unit;                          // "bytes" (PostgreSQL WAL) or "messages" (Kafka)
  int64_t total = 0;                         // summed over the parts
  std::map<std::string, int64_t> parts;      // Kafka: per "topic/partition"
};

struct ReportRow {
  core::StoreEntry entry;
  std::optional<SourceLag> lag;
};

// "0s", "42s", "5m12s", "3h04m", "2d05h"; "-" for a negative or zero time stamp.
std::string format_age(int64_t updated_ms, int64_t now_ms);

// A header line and one aligned line per row, each ending in a newline.
std::string format_table(const std::vector<ReportRow>& rows, int64_t now_ms);

// One JSON object per row: source, sink, run, checkpoint (null when nothing is
// recorded), pos and state (their JSON), updated and age_ms (milliseconds),
// lag (null, or {"unit","total","parts"}).
std::string format_ndjson(const std::vector<ReportRow>& rows, int64_t now_ms);

} // namespace sluice::connectors
