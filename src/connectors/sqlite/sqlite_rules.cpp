// SqliteSink: --delete-mode and --if-newer (DESIGN §4.8), the rules table
// sinks share (connectors/change_rules.hpp), as SQLite statements.
//
// --if-newer keeps each row's ordering value in _sluice_order and a hard
// delete's in _sluice_tombstones(table_name, key, ord): an upsert applies
// when it is not older than the row and no newer tombstone names its key; a
// delete when it is not older than the row. --delete-mode soft sets
// _sluice_deleted to 1 instead of deleting (and an upsert sets it back to 0).
#include "connectors/sqlite/sqlite_sink.hpp"

#include "core/error.hpp"
#include "core/json_writer.hpp"

#include <charconv>
#include <fmt/format.h>

namespace sluice::connectors::sqlite {

namespace {

const std::string& order_column() {
  static const std::string k = quote_identifier(k_order_column);
  return k;
}

const std::string& deleted_column() {
  static const std::string k = quote_identifier(k_deleted_column);
  return k;
}

const std::string& tombstones() {
  static const std::string k = quote_identifier(k_tombstone_table);
  return k;
}

} // namespace

bool SqliteSink::uses_rules() const {
  return m_options.if_newer.has_value() || m_options.delete_mode != DeleteMode::remove;
}

// Adds the columns and table the rules keep their state in.
void SqliteSink::ensure_bookkeeping() {
  if (m_bookkeeping_ready || !m_schema.exists()) {
    return;
  }
  bool changed = false;
  const std::string& table = m_schema.quoted_table();
  if (m_options.if_newer && m_schema.find(k_order_column) < 0) {
    m_db.exec(fmt::format("ALTER TABLE {} ADD COLUMN {}", table, order_column()));
    changed = true;
  }
  if (m_options.delete_mode == DeleteMode::soft && m_schema.find(k_deleted_column) < 0) {
    m_db.exec(fmt::format("ALTER TABLE {} ADD COLUMN {} INTEGER NOT NULL DEFAULT 0", table,
                          deleted_column()));
    changed = true;
  }
  if (m_options.if_newer && m_options.delete_mode == DeleteMode::remove) {
    m_db.exec(fmt::format("CREATE TABLE IF NOT EXISTS {} (table_name TEXT NOT NULL, key TEXT NOT "
                          "NULL, ord NOT NULL, PRIMARY KEY (table_name, key))",
                          tombstones()));
  }
  if (changed) {
    m_schema.forget();
    m_statements.clear();
  }
  m_bookkeeping_ready = true;
}

std::string SqliteSink::key_json() const {
  std::string out;
  core::JsonWriter w(&out);
  w.begin_object();
  for (const auto& k : m_row.keys()) {
    w.key(k.name);
    switch (k.value.type) {
    case SqlType::integer:
      w.number(k.value.integer);
      break;
    case SqlType::real:
      w.number(k.value.real);
      break;
    case SqlType::text:
      w.string(k.value.text);
      break;
    default:
      w.null();
    }
  }
  w.end_object();
  return out;
}

void SqliteSink::bind_order(Stmt& stmt, int index) const {
  int64_t integer = 0;
  const std::string& t = m_order.text;
  auto res = std::from_chars(t.data(), t.data() + t.size(), integer);
  if (res.ec == std::errc() && res.ptr == t.data() + t.size()) {
    stmt.bind_int(index, integer);
  } else {
    stmt.bind_double(index, static_cast<double>(m_order.number));
  }
}

// The bound columns, then the order (?n+1), the table (?n+2) and the key (?n+3).
void SqliteSink::bind_rule_params(Stmt& stmt) {
  int n = static_cast<int>(m_bind.size());
  for (int i = 0; i < n; ++i) {
    bind_sql_value(stmt, i + 1, m_bind[static_cast<size_t>(i)].value);
  }
  if (m_options.if_newer) {
    bind_order(stmt, n + 1);
    m_key_json = key_json();
    stmt.bind_text(n + 2, m_options.table);
    stmt.bind_text(n + 3, m_key_json);
  }
}

// Kinds: 'U' upsert, 'D' hard delete, 'S' soft delete, 'X' a soft delete's
// row for a key not stored, 'T' a tombstone.
std::string SqliteSink::ruled_sql(char kind) {
  const std::string& table = m_schema.quoted_table();
  size_t n = m_bind.size();
  bool newer = m_options.if_newer.has_value();
  bool soft = m_options.delete_mode == DeleteMode::soft;
  std::string keys;
  for (size_t i = 0; i < m_key_count; ++i) {
    keys += fmt::format("{}{} = ?{}", i > 0 ? " AND " : "", m_schema.quoted(m_bind[i].column), i + 1);
  }
  std::string order_ok = newer ? fmt::format(" AND ({0} IS NULL OR {0} <= ?{1})", order_column(), n + 1)
                               : "";
  if (kind == 'T') {
    return fmt::format("INSERT INTO {} (table_name, key, ord) VALUES (?{}, ?{}, ?{}) ON "
                       "CONFLICT (table_name, key) DO UPDATE SET ord = max(ord, excluded.ord)",
                       tombstones(), n + 2, n + 3, n + 1);
  }
  if (kind == 'D') {
    return fmt::format("DELETE FROM {} WHERE {}{}", table, keys, order_ok);
  }
  if (kind == 'S') {
    return fmt::format("UPDATE {} SET {} = 1{} WHERE {}{}", table, deleted_column(),
                       newer ? fmt::format(", {} = ?{}", order_column(), n + 1) : "", keys,
                       order_ok);
  }
  std::string columns;
  std::string values;
  std::string updates;
  for (size_t i = 0; i < n; ++i) {
    const std::string& c = m_schema.quoted(m_bind[i].column);
    columns += (i > 0 ? ", " : "") + c;
    values += fmt::format("{}?{}", i > 0 ? ", " : "", i + 1);
    if (i >= m_key_count) {
      updates += fmt::format("{}{} = excluded.{}", updates.empty() ? "" : ", ", c, c);
    }
  }
  std::string conflict;
  for (size_t i = 0; i < m_key_count; ++i) {
    conflict += (i > 0 ? ", " : "") + m_schema.quoted(m_bind[i].column);
  }
  if (kind == 'X') {
    return fmt::format("INSERT INTO {} ({}, {}, {}) VALUES ({}, 1, ?{}) ON CONFLICT({}) DO NOTHING",
                       table, columns, deleted_column(), order_column(), values, n + 1, conflict);
  }
  // 'U'
  if (soft) {
    columns += ", " + deleted_column();
    values += ", 0";
    updates += fmt::format("{}{} = 0", updates.empty() ? "" : ", ", deleted_column());
  }
  if (!newer) {
    return fmt::format("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT({}) DO {}", table, columns,
                       values, conflict, updates.empty() ? "NOTHING" : "UPDATE SET " + updates);
  }
  columns += ", " + order_column();
  values += fmt::format(", ?{}", n + 1);
  updates += fmt::format("{}{} = excluded.{}", updates.empty() ? "" : ", ", order_column(),
                         order_column());
  // INSERT … SELECT needs its WHERE clause before ON CONFLICT (SQLite's parsing rule).
  return fmt::format("INSERT INTO {0} ({1}) SELECT {2} WHERE NOT EXISTS (SELECT 1 FROM {3} WHERE "
                     "table_name = ?{4} AND key = ?{5} AND ord > ?{6}) ON CONFLICT({7}) DO UPDATE "
                     "SET {8} WHERE {9} IS NULL OR {9} <= excluded.{9}",
                     table, columns, values, tombstones(), n + 2, n + 3, n + 1, conflict, updates,
                     order_column());
}

bool SqliteSink::write_ruled_row(std::string* why) {
  if (!bind_columns(true, why)) {
    return false;
  }
  add_new_columns();
  m_schema.ensure_unique(m_key_columns);
  ensure_bookkeeping();
  if (m_options.if_newer && m_options.delete_mode != DeleteMode::remove) {
    // No tombstone table in these modes: an empty one keeps the statement valid.
    m_db.exec(fmt::format("CREATE TABLE IF NOT EXISTS {} (table_name TEXT NOT NULL, key TEXT NOT "
                          "NULL, ord NOT NULL, PRIMARY KEY (table_name, key))",
                          tombstones()));
  }
  Stmt& stmt = statement('U');
  bind_rule_params(stmt);
  if (!run(stmt, why)) {
    return false;
  }
  ++(sqlite3_changes(m_db.get()) > 0 ? m_pending.upserted : m_pending.older);
  return true;
}

bool SqliteSink::write_ruled_delete(std::string* why) {
  if (m_options.delete_mode == DeleteMode::ignore) {
    ++m_pending.ignored;
    return true;
  }
  if (!bind_columns(false, why)) {
    return false;
  }
  bool stored = m_schema.exists() && !m_missing_column;
  if (stored) {
    ensure_bookkeeping();
  }
  bool soft = m_options.delete_mode == DeleteMode::soft;
  if (stored) {
    Stmt& stmt = statement(soft ? 'S' : 'D');
    bind_rule_params(stmt);
    if (!run(stmt, why)) {
      return false;
    }
    if (soft && m_options.if_newer && sqlite3_changes(m_db.get()) == 0) {
      // No row, or a newer one: keep the key as a deleted row (its tombstone).
      Stmt& insert = statement('X');
      bind_rule_params(insert);
      if (!run(insert, why)) {
        return false;
      }
    }
  }
  if (m_options.if_newer && !soft) {
    ensure_bookkeeping();
    m_db.exec(fmt::format("CREATE TABLE IF NOT EXISTS {} (table_name TEXT NOT NULL, key TEXT NOT "
                          "NULL, ord NOT NULL, PRIMARY KEY (table_name, key))",
                          tombstones()));
    Stmt& stmt = statement('T');
    bind_rule_params(stmt);
    if (!run(stmt, why)) {
      return false;
    }
  }
  ++m_pending.deleted;
  return true;
}

} // namespace sluice::connectors::sqlite
