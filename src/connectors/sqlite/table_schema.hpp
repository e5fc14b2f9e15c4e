// TableSchema: what sink sqlite knows of its destination table — whether it
// exists, its columns, and which key column sets are known to be unique — and
// the DDL that changes it (CREATE TABLE, ALTER TABLE ADD COLUMN, CREATE UNIQUE
// INDEX), run on the sink's connection inside its open transaction.
//
// Columns are matched case-insensitively (ASCII), as SQLite matches names, and
// numbered in table order; a new column takes the next number. SQLite DDL is
// transactional: after a rollback call forget(), and the next use reloads the
// table from the database. Not thread-safe; throws Error (io, or data when the
// table cannot be keyed as asked).
#pragma once

#include "connectors/sqlite/db.hpp"
#include "connectors/sqlite/sql_value.hpp"

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sluice::connectors::sqlite {

struct ColumnSpec {
  std::string name;
  SqlType type = SqlType::null; // of the first value: the declared type
};

class TableSchema {
 public:
  // `table` must be a usable identifier.
  TableSchema(Db& db, std::string table);

  const std::string& table() const { return m_table; }
  const std::string& quoted_table() const { return m_quoted_table; }
  bool exists();
  size_t size();
  // The column called `name` in any case, or -1.
  int find(std::string_view name);
  const std::string& quoted(int column) const { return m_quoted[static_cast<size_t>(column)]; }

  // Adds `columns` (numbered size(), size() + 1, …): creates the table when it
  // does not exist, with PRIMARY KEY(`keys`) when `keys` (column numbers) is
  // not empty; otherwise ALTER TABLE ADD COLUMN each.
  void add(const std::vector<ColumnSpec>& columns, const std::vector<int>& keys);
  // Makes sure a PRIMARY KEY or UNIQUE index covers exactly `keys`, creating a
  // unique index when none does; throws Error(data) when it cannot be made.
  void ensure_unique(const std::vector<int>& keys);
  // Drops what is cached (after a rollback).
  void forget();

 private:
  void load();
  void append(const std::string& name);
  void create(const std::vector<ColumnSpec>& columns, const std::vector<int>& keys);
  bool has_unique_index(const std::vector<int>& sorted_keys);
  std::vector<int> index_columns(const std::string& index);
  std::string list(const std::vector<int>& columns) const;

  Db& m_db;
  std::string m_table;
  std::string m_quoted_table;
  bool m_loaded = false;
  bool m_exists = false;
  std::vector<std::string> m_names;
  std::vector<std::string> m_quoted;
  std::unordered_map<std::string, int> m_by_lower_name;
  std::vector<int> m_primary_key;         // sorted
  std::vector<std::vector<int>> m_unique; // sorted column sets known to be unique
  std::vector<int> m_last_unique;         // the set ensure_unique saw last, as given
  std::string m_lower;                    // scratch for find()
};

} // namespace sluice::connectors::sqlite
