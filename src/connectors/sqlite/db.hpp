// Db and Stmt: RAII owners of a SQLite connection and a prepared statement,
// with errors turned into core::Error (io); per-row failures come back as result
// codes from Stmt::step_code (see is_row_error). Also the rules for SQL
// identifiers. Not thread-safe (one connection per thread).
#pragma once

#include <cstdint>
#include <memory>
#include <sqlite3.h>
#include <string>
#include <string_view>

namespace sluice::connectors::sqlite {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

class Stmt {
 public:
  Stmt() = default;
  Stmt(sqlite3_stmt* s, sqlite3* db) : m_stmt(s), m_db(db) {}

  sqlite3_stmt* get() const { return m_stmt.get(); }
  explicit operator bool() const { return m_stmt != nullptr; }
  void bind_null(int i) { sqlite3_bind_null(get(), i); }
  void bind_int(int i, int64_t v) { sqlite3_bind_int64(get(), i, v); }
  void bind_double(int i, double v) { sqlite3_bind_double(get(), i, v); }
  // The text must outlive step() (SQLITE_STATIC).
  void bind_text(int i, std::string_view v) {
    sqlite3_bind_text(get(), i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  }
  // Steps once; true for a row, false when done. Throws Error(io) on failure.
  bool step();
  // Steps; returns the SQLite result code instead of throwing (for per-row errors).
  int step_code();
  void reset();
  std::string column_text(int i) const;
  int64_t column_int(int i) const { return sqlite3_column_int64(get(), i); }
  bool column_is_null(int i) const { return sqlite3_column_type(get(), i) == SQLITE_NULL; }

 private:
  std::unique_ptr<sqlite3_stmt, StmtFinalizer> m_stmt;
  sqlite3* m_db = nullptr;
};

class Db {
 public:
  // Opens `path` read-write, creating it when `create`; busy waits up to 30 s on locks.
  Db(const std::string& path, bool create);

  sqlite3* get() const { return m_db.get(); }
  const std::string& path() const { return m_path; }
  void exec(const std::string& sql);
  // exec() that returns false with SQLite's message instead of throwing.
  bool try_exec(const std::string& sql, std::string* why);
  Stmt prepare(const std::string& sql);
  // "no such table" and friends: the last error message.
  std::string last_error() const { return sqlite3_errmsg(get()); }
  // True while a transaction is open.
  bool in_transaction() const { return sqlite3_get_autocommit(get()) == 0; }
  // Sets journal_mode=WAL; false when the database cannot use it (e.g. in memory).
  bool use_wal();
  // Forces the write-ahead log to stable storage: what synchronous=FULL does at
  // each commit, for a commit that ran under NORMAL (the pragma cannot change
  // inside a transaction). No-op when no log is open. Throws Error(io).
  void sync_wal();

 private:
  std::string m_path;
  std::unique_ptr<sqlite3, DbCloser> m_db;
};

// Lowercases ASCII letters only, as SQLite compares identifiers.
char ascii_lower(char c);

// True when a failed step is the row's fault (a constraint, a type mismatch, a
// value too big): the statement is undone, the transaction lives on.
bool is_row_error(int rc);

// False with a reason when `name` cannot name a table or column of ours: empty,
// holding NUL, or in SQLite's reserved "sqlite_" namespace.
bool is_usable_identifier(std::string_view name, std::string* why);

// Quotes an SQL identifier ("a""b"); throws Error(data) for names SQLite cannot
// take (empty, or holding NUL).
std::string quote_identifier(std::string_view name);

// True when both paths name the same existing file (device and inode).
bool same_file(const std::string& a, const std::string& b);

} // namespace sluice::connectors::sqlite
