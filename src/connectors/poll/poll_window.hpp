// PollWindow: what `capture poll` has emitted and how far it may claim to be
// complete (DESIGN §4.1 for query-based CDC).
//
// A position orders rows by the timestamp column, then the incrementing
// column. `emitted` is the highest position any poll returned; `safe` the one
// a barrier may carry: every row at or below it has been emitted for good.
// On PostgreSQL a transaction still running at a poll may later commit rows
// below what that poll saw (its timestamp or sequence value was taken
// earlier), so a poll's high position becomes safe only once every
// transaction running at that poll has ended (the xmin of a later snapshot has
// passed the poll's xmax); until then the rows between safe and emitted are
// read again, and the ones already emitted are skipped by id. Databases
// without concurrent writers (SQLite) make each poll safe at once.
// Not thread-safe; never throws except bad_alloc.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <unordered_set>

namespace sluice::connectors::poll {

struct PollPos {
  bool has_ts = false;
  int64_t ts_us = 0;   // the timestamp column, µs since the epoch
  std::string ts_raw;  // as the database prints it (to bind it back)
  bool ts_is_text = true;
  bool has_inc = false;
  int64_t inc = 0;     // the incrementing column

  bool is_start() const { return !has_ts && !has_inc; }
};

// <0, 0, >0; the start sorts first.
int compare(const PollPos& a, const PollPos& b);

// {"ts":…,"inc":…} (members present as known), or null for the start.
std::string position_json(const PollPos& p);
// Parses position_json's output; false when `json` is not one.
bool parse_position_json(std::string_view json, PollPos* out);

class PollWindow {
 public:
  void reset(const PollPos& safe);

  const PollPos& safe() const { return m_safe; }
  const PollPos& emitted() const { return m_emitted; }
  // False when `id` was emitted already (since safe).
  bool take(const std::string& id, const PollPos& pos);
  // Ends a poll that saw rows up to `high` (or none). With a snapshot (xmin,
  // xmax) of the database, safe moves only as described above; without, to high.
  void end_poll(const std::optional<PollPos>& high,
                std::optional<std::pair<uint64_t, uint64_t>> snapshot);
  size_t remembered() const { return m_ids.size(); }
  // The xmin of the oldest poll whose transactions may still commit rows below
  // emitted: rows written by older transactions need not be read again.
  std::optional<uint64_t> horizon() const;

 private:
  void advance_safe(const PollPos& to);

  struct Pending {
    uint64_t xmin = 0;
    uint64_t xmax = 0;
    PollPos high;
  };
  PollPos m_safe;
  PollPos m_emitted;
  std::deque<Pending> m_pending;
  std::unordered_set<std::string> m_ids;
  std::multimap<std::pair<int64_t, int64_t>, std::string> m_by_pos;
};

} // namespace sluice::connectors::poll
