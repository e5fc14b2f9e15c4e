#include "connectors/sqlite/db.hpp"

#include "core/error.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

namespace sluice::connectors::sqlite {

using core::Error;
using core::ExitCode;

bool Stmt::step() {
  int rc = sqlite3_step(get());
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  throw Error(ExitCode::io, fmt::format("sqlite: {}", sqlite3_errmsg(m_db)));
}

int Stmt::step_code() { return sqlite3_step(get()); }

void Stmt::reset() {
  sqlite3_reset(get());
  sqlite3_clear_bindings(get());
}

std::string Stmt::column_text(int i) const {
  const unsigned char* t = sqlite3_column_text(get(), i);
  int n = sqlite3_column_bytes(get(), i);
  return t == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(t), static_cast<size_t>(n));
}

Db::Db(const std::string& path, bool create) : m_path(path) {
  sqlite3* db = nullptr;
  // Readers open read-write too: a read-only connection cannot open a WAL database
  // whose -shm file is gone.
  int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  m_db.reset(db);
  if (rc != SQLITE_OK) {
    throw Error(ExitCode::io, fmt::format("sqlite: open {}: {}", path,
                                          db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
  }
  sqlite3_busy_timeout(db, 30000);
  sqlite3_extended_result_codes(db, 1);
}

void Db::exec(const std::string& sql) {
  std::string why;
  if (!try_exec(sql, &why)) {
    throw Error(ExitCode::io, fmt::format("sqlite: {}: {}", m_path, why));
  }
}

Stmt Db::prepare(const std::string& sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(get(), sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &s, nullptr) != SQLITE_OK) {
    throw Error(ExitCode::io, fmt::format("sqlite: {}: {}", m_path, sqlite3_errmsg(get())));
  }
  return Stmt(s, get());
}

bool Db::try_exec(const std::string& sql, std::string* why) {
  char* msg = nullptr;
  if (sqlite3_exec(get(), sql.c_str(), nullptr, nullptr, &msg) == SQLITE_OK) {
    return true;
  }
  *why = msg != nullptr ? msg : "unknown error";
  sqlite3_free(msg);
  return false;
}

bool Db::use_wal() {
  Stmt s = prepare("PRAGMA journal_mode=WAL");
  std::string mode = s.step() ? s.column_text(0) : std::string();
  s.reset();
  return mode == "wal";
}

void Db::sync_wal() {
  sqlite3_file* wal = nullptr;
  if (sqlite3_file_control(get(), "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal) != SQLITE_OK ||
      wal == nullptr || wal->pMethods == nullptr) {
    return;
  }
  int rc = wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL);
  if (rc != SQLITE_OK) {
    throw Error(ExitCode::io, fmt::format("sqlite: {}: sync the write-ahead log: {}", m_path,
                                          sqlite3_errstr(rc)));
  }
}

char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_row_error(int rc) {
  int primary = rc & 0xff;
  return primary == SQLITE_CONSTRAINT || primary == SQLITE_MISMATCH || primary == SQLITE_TOOBIG;
}

bool is_usable_identifier(std::string_view name, std::string* why) {
  if (name.empty()) {
    *why = "the name is empty";
    return false;
  }
  if (name.find('\0') != std::string_view::npos) {
    *why = "the name holds a NUL character";
    return false;
  }
  constexpr std::string_view reserved = "sqlite_";
  bool is_reserved = name.size() >= reserved.size();
  for (size_t i = 0; is_reserved && i < reserved.size(); ++i) {
    is_reserved = ascii_lower(name[i]) == reserved[i];
  }
  if (is_reserved) {
    *why = "names starting with \"sqlite_\" are reserved by SQLite";
    return false;
  }
  return true;
}

std::string quote_identifier(std::string_view name) {
  if (name.empty() || name.find('\0') != std::string_view::npos) {
    throw Error(ExitCode::data, fmt::format("invalid SQL identifier \"{}\"", name));
  }
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') {
      out.push_back('"');
    }
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa;
  struct stat sb;
  return stat(a.c_str(), &sa) == 0 && stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

} // namespace sluice::connectors::sqlite
