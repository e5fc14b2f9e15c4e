#include "connectors/sqlite/sqlite_store.hpp"

#include "core/error.hpp"

#include <unistd.h>

namespace sluice::connectors::sqlite {

namespace {

constexpr const char* k_upsert =
    "INSERT INTO _sluice_checkpoints(source, sink, run, checkpoint, pos, state, updated) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(source, sink) DO UPDATE SET "
    "run = excluded.run, checkpoint = excluded.checkpoint, pos = excluded.pos, "
    "state = excluded.state, updated = excluded.updated";

void bind_entry(Stmt& s, const core::StoreEntry& e) {
  s.bind_text(1, e.source);
  s.bind_text(2, e.sink);
  if (e.barrier) {
    s.bind_text(3, e.barrier->run);
    s.bind_int(4, static_cast<int64_t>(e.barrier->checkpoint));
  } else {
    s.bind_null(3);
    s.bind_null(4);
  }
  s.bind_text(5, e.pos);
  s.bind_text(6, e.state);
  s.bind_int(7, e.updated_ms);
}

core::StoreEntry read_entry(const Stmt& s) {
  core::StoreEntry e;
  e.source = s.column_text(0);
  e.sink = s.column_text(1);
  if (!s.column_is_null(2) && !s.column_is_null(3)) {
    e.barrier = core::control::BarrierId{s.column_text(2), static_cast<uint64_t>(s.column_int(3))};
  }
  e.pos = s.column_text(4);
  e.state = s.column_text(5);
  e.updated_ms = s.column_int(6);
  return e;
}

} // namespace

SqliteStore::SqliteStore(std::string path) : m_path(std::move(path)) {}

void SqliteStore::create_table(Db& db) {
  db.exec("CREATE TABLE IF NOT EXISTS _sluice_checkpoints(source TEXT NOT NULL, sink TEXT NOT "
          "NULL, run TEXT, checkpoint INTEGER, pos TEXT NOT NULL DEFAULT 'null', state TEXT NOT "
          "NULL DEFAULT 'null', updated INTEGER NOT NULL, PRIMARY KEY(source, sink))");
}

void SqliteStore::write_entry(Db& db, const core::StoreEntry& entry) {
  Stmt s = db.prepare(k_upsert);
  bind_entry(s, entry);
  s.step();
}

Db& SqliteStore::writer() {
  if (!m_db) {
    m_db = std::make_unique<Db>(m_path, true);
    m_db->use_wal();
    // Every write on this connection must be durable when it returns. The
    // pragma cannot change inside a transaction, so it is set once, here.
    m_db->exec("PRAGMA synchronous=FULL");
    create_table(*m_db);
  }
  return *m_db;
}

std::vector<core::StoreEntry> SqliteStore::read_entries(const char* sql,
                                                        const std::string* source) {
  if (!m_db && access(m_path.c_str(), F_OK) != 0) {
    return {};
  }
  Db reader(m_path, false);
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(reader.get(), sql, -1, &raw, nullptr) != SQLITE_OK) {
    // No table yet: nothing recorded.
    return {};
  }
  Stmt s(raw, reader.get());
  if (source != nullptr) {
    s.bind_text(1, *source);
  }
  std::vector<core::StoreEntry> out;
  while (s.step()) {
    out.push_back(read_entry(s));
  }
  return out;
}

std::vector<core::StoreEntry> SqliteStore::entries(std::string_view source) {
  std::string wanted(source);
  return read_entries("SELECT source, sink, run, checkpoint, pos, state, updated FROM "
                      "_sluice_checkpoints WHERE source = ?1 ORDER BY sink",
                      &wanted);
}

std::vector<core::StoreEntry> SqliteStore::all_entries() {
  return read_entries("SELECT source, sink, run, checkpoint, pos, state, updated FROM "
                      "_sluice_checkpoints ORDER BY source, sink",
                      nullptr);
}

bool SqliteStore::remove(const std::string& source, const std::string& sink) {
  if (!m_db && access(m_path.c_str(), F_OK) != 0) {
    return false;
  }
  Db& db = writer();
  db.exec("BEGIN IMMEDIATE");
  Stmt s = db.prepare("DELETE FROM _sluice_checkpoints WHERE source = ?1 AND sink = ?2");
  s.bind_text(1, source);
  s.bind_text(2, sink);
  s.step();
  bool removed = sqlite3_changes(db.get()) > 0;
  s.reset();
  db.exec("COMMIT");
  return removed;
}

bool SqliteStore::lock_running(core::RunLock mode) {
  m_run_lock = core::FlockFile::acquire(m_path + "-sluice.lock", mode);
  return m_run_lock.has_value();
}

core::StoreEntry SqliteStore::register_sink(const std::string& source, const std::string& sink,
                                            const std::string& state) {
  Db& db = writer();
  db.exec("BEGIN IMMEDIATE");
  Stmt find = db.prepare("SELECT source, sink, run, checkpoint, pos, state, updated FROM "
                         "_sluice_checkpoints WHERE source = ?1 AND sink = ?2");
  find.bind_text(1, source);
  find.bind_text(2, sink);
  if (find.step()) {
    core::StoreEntry e = read_entry(find);
    find.reset();
    db.exec("COMMIT");
    return e;
  }
  find.reset();
  core::StoreEntry added{source, sink, std::nullopt, "null", state, core::wall_clock_ms()};
  write_entry(db, added);
  db.exec("COMMIT");
  return added;
}

void SqliteStore::record(const core::StoreEntry& entry) {
  Db& db = writer();
  db.exec("BEGIN IMMEDIATE");
  write_entry(db, entry);
  db.exec("COMMIT");
}

} // namespace sluice::connectors::sqlite
