// SqlitePollSource: a SQLite table for `capture poll`. SQLite commits one
// writer at a time, so each poll's rows are complete once read (no snapshot
// is returned and the window moves on at once). The timestamp column may hold
// ISO 8601 text (compared as text, bounded with julianday()) or epoch numbers
// (seconds, milliseconds or microseconds, told by magnitude); the
// incrementing column integers. The key is the primary key, else the
// incrementing column. Not thread-safe; throws Error.
#pragma once

#include "connectors/poll/poll_source.hpp"
#include "connectors/sqlite/db.hpp"

#include <memory>

namespace sluice::connectors::poll {

class SqlitePollSource : public PollSource {
 public:
  SqlitePollSource(const std::string& path, PollOptions options);

  std::string source() const override { return m_source; }
  std::string table() const override { return m_options.table; }
  PollResult poll(const PollPos& safe, const PollPos& emitted,
                  std::optional<uint64_t> horizon) override;

 private:
  struct Column {
    std::string name;
    std::string json_key;
    bool key = false;
  };
  void describe();
  double numeric_bound();
  void read_row(sqlite::Stmt& s, PollResult* out);

  PollOptions m_options;
  std::string m_source;
  sqlite::Db m_db;
  std::vector<Column> m_columns;
  int m_ts = -1;
  int m_inc = -1;
  std::string m_sql;
  std::string m_sql_start;
  double m_unit = 0; // numeric timestamps: units per second (0: not known yet)
};

} // namespace sluice::connectors::poll
