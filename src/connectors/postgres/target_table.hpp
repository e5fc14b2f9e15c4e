// TargetCatalog: the tables `sink postgres` writes, as the database has them
// — columns and how each reads a value — plus the DDL the sink runs: CREATE
// TABLE and ALTER TABLE ADD COLUMN (with --create, from schema records or
// the values' JSON types), sluice's bookkeeping columns (_sluice_order for
// --if-newer, _sluice_deleted for --delete-mode soft) and the temporary stage
// table each target is loaded through. A routed name "schema.table" splits
// at its first dot; a bare name lives in the connection's current schema.
// Cached until forget() (after a rollback, which may undo DDL). Not
// thread-safe; throws Error when a catalog query or DDL fails.
#pragma once

#include "connectors/postgres/copy_text.hpp"
#include "connectors/postgres/pg_conn.hpp"

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace sluice::connectors::postgres {

struct TargetColumn {
  std::string name;
  std::string cast; // format_type without typmod
  ColumnClass column_class = ColumnClass::plain;
};

struct ColumnDef {
  std::string name;
  std::string type; // as CREATE TABLE takes it
};

struct TargetTable {
  std::string schema;
  std::string name;
  std::string quoted;  // "schema"."name"
  std::string literal; // 'schema.name'
  bool exists = false;
  std::vector<TargetColumn> columns;
  std::unordered_map<std::string, size_t> by_name;
  std::unordered_map<std::string, bool> generated; // columns nobody may write
  std::string stage;                               // quoted temp table, once made
  std::vector<std::string> stage_columns;          // its value columns

  const TargetColumn* find(const std::string& column) const;
};

class TargetCatalog {
 public:
  explicit TargetCatalog(PgConn& conn) : m_conn(conn) {}

  // The table an event routed to `routed` goes to (loaded on first use).
  TargetTable& get(const std::string& routed);
  void forget() { m_tables.clear(); }
  // Reads the columns of `t` again (after DDL of the caller's own).
  void reload(TargetTable& t) { load(t); }

  void create_table(TargetTable& t, const std::vector<ColumnDef>& columns,
                    const std::vector<std::string>& keys);
  void add_columns(TargetTable& t, const std::vector<ColumnDef>& columns);
  // The stage table of `t` with (at least) these value columns. Call it outside
  // savepoints: a rollback to one would take the table away.
  void ensure_stage(TargetTable& t, const std::vector<std::string>& columns);
  void empty_stage(TargetTable& t);
  // A type name usable here: `type` when the target knows it, else text (text[]).
  std::string usable_type(const std::string& type);

 private:
  void load(TargetTable& t);

  PgConn& m_conn;
  std::unordered_map<std::string, std::unique_ptr<TargetTable>> m_tables;
  std::unordered_map<std::string, std::string> m_usable_types;
  int m_stages = 0;
};

// The type --create gives a column first seen with a value of this kind.
const char* inferred_type(SinkValue::Kind kind);

} // namespace sluice::connectors::postgres
