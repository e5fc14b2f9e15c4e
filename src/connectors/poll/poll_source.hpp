// PollSource: one table of one database as `capture poll` reads it — the
// database-specific half (PostgreSQL in pg_poll, SQLite in sqlite_poll).
//
// A poll returns, in position order, the rows whose position is above
// `emitted` (new rows) and, on databases with concurrent writers, the rows
// between `safe` and `emitted` that transactions still running at earlier
// polls may have committed since — each as the JSON of the row, its key and
// its position — plus the snapshot (xmin, xmax) it ran in, if the database has
// one. Rows whose timestamp is newer than now minus --delay wait for a later
// poll. Not thread-safe; throws Error.
#pragma once

#include "connectors/poll/poll_window.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sluice::connectors::poll {

struct PollOptions {
  std::string table;                  // --table
  std::string timestamp_column;       // --timestamp-column (may be empty)
  std::string incrementing_column;    // --incrementing-column (may be empty)
  std::chrono::milliseconds delay{2000};
  size_t limit = 10000;               // rows per poll
};

struct PolledRow {
  std::string bad;      // why the row cannot be an event (a value), or empty
  std::string after;    // the row as a JSON object
  std::string key;      // the key as a JSON object, or null
  PollPos pos;
  int64_t ts_ms = 0;    // the event time: the timestamp column, or the poll's time
};

struct PollResult {
  std::vector<PolledRow> rows;
  bool more = false; // the limit was reached: poll again at once
  std::optional<std::pair<uint64_t, uint64_t>> snapshot;
};

class PollSource {
 public:
  virtual ~PollSource() = default;
  // "postgres://host:port/db" or "sqlite:/absolute/path".
  virtual std::string source() const = 0;
  // The table as events name it ("public.orders").
  virtual std::string table() const = 0;
  // `horizon`: the oldest xmin of the polls not yet safe (PollWindow::horizon).
  virtual PollResult poll(const PollPos& safe, const PollPos& emitted,
                          std::optional<uint64_t> horizon) = 0;
};

} // namespace sluice::connectors::poll
