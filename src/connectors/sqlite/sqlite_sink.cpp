#include "connectors/sqlite/sqlite_sink.hpp"

#include "connectors/event_json.hpp"
#include "connectors/sqlite/sqlite_store.hpp"
#include "core/error.hpp"

#include <filesystem>
#include <fmt/format.h>

namespace sluice::connectors::sqlite {

namespace od = simdjson::ondemand;
using core::Error;
using core::ExitCode;

namespace {

// Statements kept at most; events with ever-changing column sets would
// otherwise grow the cache without end.
constexpr size_t k_max_statements = 1000;

std::string absolute_path(const std::string& path) {
  std::error_code ec;
  auto absolute = std::filesystem::absolute(path, ec);
  return ec ? path : absolute.string();
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) {
      return false;
    }
  }
  return true;
}

// Throws Error(usage) for options no sink can run with; returns them otherwise.
const SqliteSinkOptions& checked(const SqliteSinkOptions& o) {
  std::string why;
  if (!is_usable_identifier(o.table, &why)) {
    throw Error(ExitCode::usage,
                fmt::format("--table \"{}\" cannot name a table: {}", o.table, why));
  }
  if (equal_ignoring_case(o.table, "_sluice_checkpoints")) {
    throw Error(ExitCode::usage, "--table _sluice_checkpoints is the checkpoint store's table");
  }
  if (o.raw && !o.upsert.empty()) {
    throw Error(ExitCode::usage,
                "--raw keys rows by the event id: it cannot be combined with --upsert");
  }
  if (o.raw && (o.if_newer || o.delete_mode != DeleteMode::remove)) {
    throw Error(ExitCode::usage, "--raw lands events as they are: it cannot be combined with "
                                 "--if-newer or --delete-mode");
  }
  for (size_t i = 0; i < o.upsert.size(); ++i) {
    const auto& name = o.upsert[i].last_name();
    if (o.upsert[i].has_every()) {
      throw Error(ExitCode::usage,
                  fmt::format("--upsert {}: a key path cannot hold [*]", o.upsert[i].text()));
    }
    if (!is_usable_identifier(name, &why)) {
      throw Error(ExitCode::usage, fmt::format("--upsert {}: \"{}\" cannot name a column: {}",
                                               o.upsert[i].text(), name, why));
    }
    for (size_t j = 0; j < i; ++j) {
      if (equal_ignoring_case(name, o.upsert[j].last_name())) {
        throw Error(ExitCode::usage, fmt::format("--upsert {} and {} both name the column \"{}\"",
                                                 o.upsert[j].text(), o.upsert[i].text(), name));
      }
    }
  }
  return o;
}

} // namespace

SqliteSink::SqliteSink(const SqliteSinkOptions& options)
    : m_options(checked(options)), m_absolute(absolute_path(options.path)),
      m_db(options.path, true), m_schema(m_db, options.table), m_row(options.upsert) {
  m_wal = m_db.use_wal();
  // Under WAL, NORMAL keeps every commit atomic and a recorded commit is synced
  // explicitly (commit()); without WAL only FULL keeps each commit durable.
  m_db.exec(m_wal ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL");
  // A 32 MiB page cache (default 2 MiB) keeps a busy table's pages and its
  // key index in memory, and checkpoints every 4000 pages (default 1000) copy
  // each rewritten page once for several commits: together they halve the
  // time of --raw on 300k events and do no harm to upserts.
  m_db.exec("PRAGMA cache_size=-32768");
  m_db.exec("PRAGMA wal_autocheckpoint=4000");
}

std::string SqliteSink::default_sink_id() const {
  return "sqlite:" + m_absolute + "#" + m_options.table;
}

void SqliteSink::begin() {
  if (m_db.in_transaction()) {
    return;
  }
  // IMMEDIATE takes the write lock now (waiting for it), so no later write in
  // the transaction can fail with SQLITE_BUSY, and nobody else can change the
  // schema until it ends: check now whether someone did since the last one.
  m_db.exec("BEGIN IMMEDIATE");
  if (!m_schema_version_query) {
    m_schema_version_query = m_db.prepare("PRAGMA schema_version");
  }
  int64_t version = m_schema_version_query.step() ? m_schema_version_query.column_int(0) : -1;
  m_schema_version_query.reset();
  if (version != m_schema_version) {
    forget_schema();
    m_schema_version = version;
  }
}

void SqliteSink::forget_schema() {
  m_schema.forget();
  m_statements.clear();
  m_raw_insert = Stmt();
  m_store_table_ready = false;
  m_bookkeeping_ready = false;
}

void SqliteSink::commit_transaction() {
  if (m_db.in_transaction()) {
    m_db.exec("COMMIT");
  }
  m_total.add(m_pending);
  m_pending = {};
}

bool SqliteSink::is_own_store(core::CheckpointStore* store) const {
  auto* own = dynamic_cast<SqliteStore*>(store);
  return own != nullptr &&
         (own->path() == m_options.path || same_file(own->path(), m_options.path));
}

void SqliteSink::commit(core::CheckpointStore* store, core::StoreEntry* record) {
  if (record == nullptr) {
    commit_transaction();
    return;
  }
  record->state = "null";
  bool own = is_own_store(store);
  if (own) {
    begin();
    if (!m_store_table_ready) {
      SqliteStore::create_table(m_db);
      m_store_table_ready = true;
    }
    SqliteStore::write_entry(m_db, *record);
  }
  commit_transaction();
  // synchronous=FULL cannot be set inside the open transaction, so sync the
  // log now, as FULL would have at this commit: it covers earlier commits too.
  if (m_wal) {
    m_db.sync_wal();
  }
  if (!own) {
    store->record(*record);
  }
}

void SqliteSink::rollback() {
  if (m_db.in_transaction()) {
    m_db.exec("ROLLBACK");
  }
  m_pending = {};
  // The rollback may have undone DDL: cached columns and statements are stale.
  forget_schema();
}

std::string SqliteSink::summary() const {
  return m_total.summary(m_options.raw, m_options.if_newer.has_value(), m_options.delete_mode);
}

bool SqliteSink::write(const core::Line& line, od::document& doc, std::string* why) {
  begin();
  if (m_options.raw) {
    return write_raw(line, doc, why);
  }
  // Read before the row: reading it again later would overwrite the row's
  // strings in the parser's buffer. Only a truncate may lack it.
  std::string order_why;
  bool has_order = !m_options.if_newer || read_order(doc, *m_options.if_newer, &m_order, &order_why);
  if (!m_row.read(doc, why)) {
    return false;
  }
  if (m_row.op() == EventOp::truncate) {
    return write_truncate(why);
  }
  bool ruled = uses_rules() && !m_row.keys().empty();
  if (ruled && !has_order) {
    *why = order_why;
    return false;
  }
  if (m_row.op() == EventOp::remove) {
    return ruled ? write_ruled_delete(why) : write_delete(why);
  }
  return ruled ? write_ruled_row(why) : write_row(why);
}

bool SqliteSink::write_raw(const core::Line& line, od::document& doc, std::string* why) {
  std::string_view text;
  if (!read_event_id(doc, &text, why)) {
    return false;
  }
  prepare_raw();
  m_raw_insert.bind_text(1, text);
  m_raw_insert.bind_text(2, line.text);
  if (!run(m_raw_insert, why)) {
    return false;
  }
  ++(sqlite3_changes(m_db.get()) > 0 ? m_pending.landed : m_pending.duplicates);
  return true;
}

void SqliteSink::prepare_raw() {
  if (m_raw_insert) {
    return;
  }
  const std::string& table = m_schema.quoted_table();
  m_db.exec(fmt::format("CREATE TABLE IF NOT EXISTS {} (id TEXT PRIMARY KEY, event TEXT NOT NULL)",
                        table));
  try {
    m_raw_insert = m_db.prepare(fmt::format(
        "INSERT INTO {} (id, event) VALUES (?1, ?2) ON CONFLICT(id) DO NOTHING", table));
  } catch (const Error& e) {
    throw Error(ExitCode::data, fmt::format("table \"{}\" is not a --raw table (id TEXT PRIMARY "
                                            "KEY, event TEXT NOT NULL): {}",
                                            m_options.table, e.what()));
  }
}

bool SqliteSink::write_row(std::string* why) {
  bool keyed = !m_row.keys().empty();
  if (!keyed && m_row.op() == EventOp::update) {
    *why = "an update without a key (give --upsert PATH, or a \"key\" object in the event)";
    return false;
  }
  if (!bind_columns(true, why)) {
    return false;
  }
  if (m_bind.empty()) {
    *why = "the event has no fields to write";
    return false;
  }
  add_new_columns();
  if (keyed) {
    m_schema.ensure_unique(m_key_columns);
  }
  Stmt& stmt = statement(keyed ? 'u' : 'a');
  for (size_t i = 0; i < m_bind.size(); ++i) {
    bind_sql_value(stmt, static_cast<int>(i + 1), m_bind[i].value);
  }
  if (!run(stmt, why)) {
    return false;
  }
  ++(keyed ? m_pending.upserted : m_pending.appended);
  return true;
}

bool SqliteSink::write_delete(std::string* why) {
  if (m_row.keys().empty()) {
    *why = "a delete without a key (give --upsert PATH, or a \"key\" object in the event)";
    return false;
  }
  if (!bind_columns(false, why)) {
    return false;
  }
  // No table or no such key column yet: no row can match.
  if (m_schema.exists() && !m_missing_column) {
    Stmt& stmt = statement('d');
    for (size_t i = 0; i < m_bind.size(); ++i) {
      bind_sql_value(stmt, static_cast<int>(i + 1), m_bind[i].value);
    }
    if (!run(stmt, why)) {
      return false;
    }
  }
  ++m_pending.deleted;
  return true;
}

bool SqliteSink::write_truncate(std::string* why) {
  if (m_schema.exists()) {
    m_bind.clear();
    m_key_count = 0;
    if (!run(statement('t'), why)) {
      return false;
    }
  }
  ++m_pending.truncates;
  return true;
}

// Maps the event's keys, then its fields, to columns (numbering new ones);
// with `add_new` false only keys are mapped and a missing column sets
// m_missing_column.
bool SqliteSink::bind_columns(bool add_new, std::string* why) {
  m_bind.clear();
  m_new.clear();
  m_key_columns.clear();
  m_key_count = 0;
  m_missing_column = false;
  ++m_event;
  for (const auto& key : m_row.keys()) {
    if (!claim(key.name, key.value, true, add_new, why)) {
      return false;
    }
  }
  m_key_count = m_bind.size();
  for (const auto& b : m_bind) {
    m_key_columns.push_back(b.column);
  }
  if (!add_new) {
    return true;
  }
  for (const auto& field : m_row.fields()) {
    if (!claim(field.name, field.value, false, true, why)) {
      return false;
    }
  }
  return true;
}

bool SqliteSink::claim(std::string_view name, const SqlValue& value, bool is_key, bool add_new,
                       std::string* why) {
  const char* what = is_key ? "key field" : "field";
  if (!is_usable_identifier(name, why)) {
    *why = fmt::format("{} \"{}\" cannot be a column: {}", what, name, *why);
    return false;
  }
  int column = m_schema.find(name);
  column = column >= 0 ? column : find_new(name);
  if (column < 0 && !add_new) {
    m_missing_column = true;
    return true;
  }
  if (column < 0) {
    column = static_cast<int>(m_schema.size() + m_new.size());
    m_new.push_back({std::string(name), value.type});
  }
  auto c = static_cast<size_t>(column);
  if (m_stamp.size() <= c) {
    m_stamp.resize(c + 1, 0);
    m_claimed_by.resize(c + 1, 0);
  }
  if (m_stamp[c] == m_event) {
    if (!is_key && m_claimed_by[c] < m_key_count) {
      return true; // the row's copy of a key column: the key value is bound
    }
    std::string_view other = m_bind[m_claimed_by[c]].name;
    *why = other == name ? fmt::format("{} \"{}\" appears twice", what, name)
                         : fmt::format("{}s \"{}\" and \"{}\" name the same column (SQLite column "
                                       "names ignore case)",
                                       what, other, name);
    return false;
  }
  m_stamp[c] = m_event;
  m_claimed_by[c] = m_bind.size();
  m_bind.push_back({column, name, value});
  return true;
}

int SqliteSink::find_new(std::string_view name) {
  for (size_t i = 0; i < m_new.size(); ++i) {
    if (equal_ignoring_case(m_new[i].name, name)) {
      return static_cast<int>(m_schema.size() + i);
    }
  }
  return -1;
}

// Runs the DDL for the event's new columns; they were numbered as add() does.
void SqliteSink::add_new_columns() {
  if (!m_new.empty()) {
    m_schema.add(m_new, m_key_columns);
  }
}

Stmt& SqliteSink::statement(char kind) {
  m_statement_key.assign(1, kind);
  auto append = [this](size_t n) {
    m_statement_key.append(reinterpret_cast<const char*>(&n), sizeof n);
  };
  append(m_key_count);
  for (const auto& b : m_bind) {
    append(static_cast<size_t>(b.column));
  }
  auto it = m_statements.find(m_statement_key);
  if (it != m_statements.end()) {
    return it->second;
  }
  if (m_statements.size() >= k_max_statements) {
    m_statements.clear();
  }
  Stmt stmt = m_db.prepare(statement_sql(kind));
  return m_statements.emplace(m_statement_key, std::move(stmt)).first->second;
}

// The SQL of statement `kind` over m_bind: 't' truncate, 'd' delete by key,
// 'a' append, 'u' upsert; upper case: the shared rules' (ruled_sql).
std::string SqliteSink::statement_sql(char kind) {
  if (kind >= 'A' && kind <= 'Z') {
    return ruled_sql(kind);
  }
  const std::string& table = m_schema.quoted_table();
  if (kind == 't') {
    return "DELETE FROM " + table;
  }
  std::string columns;
  std::string values;
  for (size_t i = 0; i < m_bind.size(); ++i) {
    const char* sep = i > 0 ? (kind == 'd' ? " AND " : ", ") : "";
    const std::string& column = m_schema.quoted(m_bind[i].column);
    columns += kind == 'd' ? fmt::format("{}{} = ?{}", sep, column, i + 1)
                           : fmt::format("{}{}", sep, column);
    values += fmt::format("{}?{}", i > 0 ? ", " : "", i + 1);
  }
  if (kind == 'd') {
    return fmt::format("DELETE FROM {} WHERE {}", table, columns);
  }
  std::string sql = fmt::format("INSERT INTO {} ({}) VALUES ({})", table, columns, values);
  if (kind == 'a') {
    return sql;
  }
  std::string keys;
  std::string updates;
  for (size_t i = 0; i < m_bind.size(); ++i) {
    const std::string& column = m_schema.quoted(m_bind[i].column);
    if (i < m_key_count) {
      keys += i > 0 ? ", " : "";
      keys += column;
    } else {
      updates += fmt::format("{}{} = excluded.{}", updates.empty() ? "" : ", ", column, column);
    }
  }
  return sql + fmt::format(" ON CONFLICT({}) DO {}", keys,
                           updates.empty() ? "NOTHING" : "UPDATE SET " + updates);
}

// Steps `stmt` once. A failure that is the row's own (a constraint, a type)
// undoes only this statement: false with SQLite's message. Any other failure,
// or one that ended the transaction, ends the run.
bool SqliteSink::run(Stmt& stmt, std::string* why) {
  int rc = stmt.step_code();
  if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
    stmt.reset();
    return true;
  }
  std::string message = m_db.last_error();
  stmt.reset();
  if (is_row_error(rc) && m_db.in_transaction()) {
    *why = "sqlite: " + message;
    return false;
  }
  throw Error(ExitCode::io, fmt::format("sqlite: {}: {}", m_options.path, message));
}

} // namespace sluice::connectors::sqlite
