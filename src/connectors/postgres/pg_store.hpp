// PgStore: the CheckpointStore kept in a PostgreSQL database, in the table
// _sluice_checkpoints of the connection's current schema (DESIGN §4.3,
// `--checkpoint postgresql://…`).
//
// Its own connection serves captures and sinks whose destination is another
// database; every write on it commits with synchronous_commit on. A `sink
// postgres` writing to the same database calls write_entry() on its own
// connection inside the transaction that holds the data. The password, if
// any, comes from libpq's PGPASSWORD or PGPASSFILE (never the command line).
// The run lock is a session-level advisory lock on a key derived from the
// schema and table name, held on a connection of its own (so a reconnect of
// the store's connection cannot drop it); it ends with that session.
// Not thread-safe; throws Error.
#pragma once

#include "connectors/postgres/pg_conn.hpp"
#include "core/checkpoint_store.hpp"

#include <string>

namespace sluice::connectors::postgres {

class PgStore : public core::CheckpointStore {
 public:
  explicit PgStore(std::string uri);

  std::string describe() const override { return m_describe; }
  std::vector<core::StoreEntry> entries(std::string_view source) override;
  core::StoreEntry register_sink(const std::string& source, const std::string& sink,
                                 const std::string& state) override;
  void record(const core::StoreEntry& entry) override;
  std::vector<core::StoreEntry> all_entries() override;
  bool remove(const std::string& source, const std::string& sink) override;
  bool lock_running(core::RunLock mode) override;

  // (host, port, database): equal for the same database.
  const std::string& identity() const { return m_describe; }

  static void create_table(PgConn& conn);
  // Writes `entry` in the connection's open transaction (the caller commits).
  static void write_entry(PgConn& conn, const core::StoreEntry& entry);

 private:
  PgConn& conn();
  std::vector<core::StoreEntry> read_entries(const std::string& sql,
                                             const std::vector<std::optional<std::string>>& params);

  std::string m_uri;
  std::string m_describe;
  PgConn m_conn;
  PgConn m_lock_conn;
  bool m_table_ready = false;
};

} // namespace sluice::connectors::postgres
