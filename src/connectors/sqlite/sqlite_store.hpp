// SqliteStore: the CheckpointStore kept in a SQLite database, in the table
// _sluice_checkpoints (DESIGN §4.3, `--checkpoint sqlite:DB`).
//
// Its own connection serves captures (readers, WAL mode: never blocked) and
// sinks whose destination is another database. A `sink sqlite` writing to the
// same database instead calls write_entry() on its own connection inside the
// transaction that holds the data, so data and position commit together.
// The run lock is an flock on "<DB>-sluice.lock" beside the database.
// Not thread-safe; throws Error.
#pragma once

#include "connectors/sqlite/db.hpp"
#include "core/checkpoint_store.hpp"

#include <memory>
#include <optional>

namespace sluice::connectors::sqlite {

class SqliteStore : public core::CheckpointStore {
 public:
  explicit SqliteStore(std::string path);

  std::string describe() const override { return "sqlite:" + m_path; }
  std::vector<core::StoreEntry> entries(std::string_view source) override;
  core::StoreEntry register_sink(const std::string& source, const std::string& sink,
                                 const std::string& state) override;
  void record(const core::StoreEntry& entry) override;
  std::vector<core::StoreEntry> all_entries() override;
  bool remove(const std::string& source, const std::string& sink) override;
  bool lock_running(core::RunLock mode) override;

  const std::string& path() const { return m_path; }

  // Creates the table if missing, on `db`.
  static void create_table(Db& db);
  // Writes `entry` on `db` in its current transaction (caller commits).
  static void write_entry(Db& db, const core::StoreEntry& entry);

 private:
  Db& writer();
  // Rows of `sql` (bound to `source` when given); none when nothing was recorded.
  std::vector<core::StoreEntry> read_entries(const char* sql, const std::string* source);

  std::string m_path;
  std::unique_ptr<Db> m_db; // opened on first use: a reader must not create the file
  std::optional<core::FlockFile> m_run_lock;
};

} // namespace sluice::connectors::sqlite
