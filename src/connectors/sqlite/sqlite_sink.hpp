// SqliteSink: `sluice sink sqlite` — events into one SQLite table.
//
// Default mode: each event becomes a row (the fields of `after` for CDC events,
// else the top-level fields). With key columns (--upsert paths, or the CDC
// envelope's `key` object) inserts, updates and reads are upserts of the
// columns present (INSERT … ON CONFLICT DO UPDATE), deletes delete by key and
// truncates empty the table; without a key events are appended. The table is
// created from the first event, new fields become new columns, and a unique
// index on the key columns is made when the table lacks one. --raw mode lands
// each event as (id, event text) and ignores ids already present. A row SQLite
// refuses (a constraint) is bad data; the transaction goes on.
// Rows are written in one transaction per commit (BEGIN IMMEDIATE at the first
// write, which also notices schema changes made by others), WAL mode,
// synchronous=NORMAL; a commit that records a position is made durable (the
// log is synced) and, when the store is this database's own, carries the
// position in the same transaction. --delete-mode and --if-newer follow the
// rules table sinks share (connectors/change_rules.hpp): soft deletes set
// _sluice_deleted, --if-newer keeps each row's order in _sluice_order and a
// hard delete's in the table _sluice_tombstones, and a change older than
// either is skipped. Not thread-safe; throws Error (usage for bad options, io
// for SQLite failures, data when the table cannot be keyed).
#pragma once

#include "connectors/change_rules.hpp"
#include "connectors/sqlite/db.hpp"
#include "connectors/sqlite/event_row.hpp"
#include "connectors/sqlite/table_schema.hpp"
#include "core/sink_stage.hpp"

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace sluice::connectors::sqlite {

struct SqliteSinkOptions {
  std::string path;
  std::string table;
  std::vector<core::JsonPath> upsert; // key paths; none: the envelope's `key`
  bool raw = false;
  DeleteMode delete_mode = DeleteMode::remove;
  std::optional<core::JsonPath> if_newer;
};

class SqliteSink : public core::SinkTarget {
 public:
  explicit SqliteSink(const SqliteSinkOptions& options);

  std::string default_sink_id() const override;
  std::string initial_state() override { return "null"; }
  void open(const core::StoreEntry*, const std::optional<core::control::BarrierId>&) override {}
  bool write(const core::Line& line, simdjson::ondemand::document& doc, std::string* why) override;
  void commit(core::CheckpointStore* store, core::StoreEntry* record) override;
  void rollback() override;
  std::string summary() const override;

 private:
  using Counts = SinkCounts;
  // One column of the statement being built and the value bound to it.
  struct Binding {
    int column = -1;
    std::string_view name; // the event's spelling, for messages
    SqlValue value;
  };

  void begin();
  void forget_schema();
  void commit_transaction();
  bool is_own_store(core::CheckpointStore* store) const;
  bool write_raw(const core::Line& line, simdjson::ondemand::document& doc, std::string* why);
  void prepare_raw();
  bool write_row(std::string* why);
  bool write_delete(std::string* why);
  bool write_truncate(std::string* why);
  bool bind_columns(bool add_new, std::string* why);
  bool claim(std::string_view name, const SqlValue& value, bool is_key, bool add_new,
             std::string* why);
  int find_new(std::string_view name);
  void add_new_columns();
  Stmt& statement(char kind);
  std::string statement_sql(char kind);
  bool run(Stmt& stmt, std::string* why);
  // The shared rules (sqlite_rules.cpp).
  bool uses_rules() const;
  bool write_ruled_row(std::string* why);
  bool write_ruled_delete(std::string* why);
  void ensure_bookkeeping();
  void bind_order(Stmt& stmt, int index) const;
  void bind_rule_params(Stmt& stmt);
  std::string key_json() const;
  std::string ruled_sql(char kind);

  SqliteSinkOptions m_options;
  std::string m_absolute;
  Db m_db;
  bool m_wal = false;
  TableSchema m_schema;
  EventRow m_row;
  Counts m_pending;
  Counts m_total;

  // The event being written: its bindings (keys first), the columns it adds,
  // and which binding claimed each column (stamped with the event's number).
  std::vector<Binding> m_bind;
  size_t m_key_count = 0;
  bool m_missing_column = false;
  std::vector<ColumnSpec> m_new;
  std::vector<int> m_key_columns;
  std::vector<uint64_t> m_stamp;
  std::vector<size_t> m_claimed_by;
  uint64_t m_event = 0;

  std::string m_statement_key; // scratch: kind, key count, columns
  std::unordered_map<std::string, Stmt> m_statements;
  Stmt m_raw_insert;
  bool m_store_table_ready = false;
  Stmt m_schema_version_query;
  int64_t m_schema_version = -1; // as of the current transaction's start
  OrderValue m_order;             // --if-newer: the event's ordering value
  std::string m_key_json;         // scratch: the event's key as tombstones name it
  bool m_bookkeeping_ready = false;
};

} // namespace sluice::connectors::sqlite
