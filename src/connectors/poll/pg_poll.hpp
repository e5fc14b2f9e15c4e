// PgPollSource: a PostgreSQL table for `capture poll`. Each poll runs in one
// REPEATABLE READ transaction: it reads the snapshot's xmin and xmax (so
// PollWindow knows which transactions may still commit rows below what it
// saw), the new rows after `emitted` with a timestamp older than now() minus
// --delay, and the rows between `safe` and `emitted` written by transactions
// at or after the horizon. The timestamp column must be timestamp,
// timestamptz or date; the incrementing column an integer. The key is the
// primary key, else the incrementing column. Not thread-safe; throws Error.
#pragma once

#include "connectors/poll/poll_source.hpp"
#include "connectors/postgres/pg_conn.hpp"
#include "connectors/postgres/pg_values.hpp"

namespace sluice::connectors::poll {

class PgPollSource : public PollSource {
 public:
  PgPollSource(postgres::ConnectSpec spec, PollOptions options, postgres::ValueOptions values);

  std::string source() const override { return m_source; }
  std::string table() const override { return m_table; }
  PollResult poll(const PollPos& safe, const PollPos& emitted,
                  std::optional<uint64_t> horizon) override;

 private:
  struct Column {
    std::string name;
    std::string json_key;
    uint32_t type_oid = 0;
    bool key = false;
  };
  void describe();
  std::string after(const std::string& column_sql, const PollPos& p,
                    std::vector<std::optional<std::string>>* params) const;
  void read_rows(const postgres::PgResult& r, PollResult* out);

  postgres::ConnectSpec m_spec;
  PollOptions m_options;
  postgres::PgConn m_conn;
  postgres::TypeRegistry m_types;
  postgres::ValueMapper m_mapper;
  std::string m_source;
  std::string m_table;
  std::string m_quoted;
  std::vector<Column> m_columns;
  int m_ts = -1;
  int m_inc = -1;
  bool m_ts_offset = false; // timestamptz
  std::string m_select;
  std::string m_order;    // the position: t.ts, t.inc or (t.ts, t.inc)
  std::string m_order_by; // " ORDER BY …"
};

} // namespace sluice::connectors::poll
