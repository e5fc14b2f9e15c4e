#include "connectors/sqlite/table_schema.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace sluice::connectors::sqlite {

using core::Error;
using core::ExitCode;

namespace {

void lower(std::string_view name, std::string* out) {
  out->assign(name);
  for (char& c : *out) {
    c = ascii_lower(c);
  }
}

std::vector<int> sorted(std::vector<int> columns) {
  std::sort(columns.begin(), columns.end());
  return columns;
}

} // namespace

TableSchema::TableSchema(Db& db, std::string table)
    : m_db(db), m_table(std::move(table)), m_quoted_table(quote_identifier(m_table)) {}

bool TableSchema::exists() {
  load();
  return m_exists;
}

size_t TableSchema::size() {
  load();
  return m_names.size();
}

int TableSchema::find(std::string_view name) {
  load();
  lower(name, &m_lower);
  auto it = m_by_lower_name.find(m_lower);
  return it == m_by_lower_name.end() ? -1 : it->second;
}

void TableSchema::forget() {
  m_loaded = false;
  m_exists = false;
  m_names.clear();
  m_quoted.clear();
  m_by_lower_name.clear();
  m_primary_key.clear();
  m_unique.clear();
  m_last_unique.clear();
}

void TableSchema::load() {
  if (m_loaded) {
    return;
  }
  forget();
  Stmt s = m_db.prepare("SELECT name, pk FROM pragma_table_info(?1) ORDER BY cid");
  s.bind_text(1, m_table);
  std::vector<std::pair<int64_t, int>> key_order;
  while (s.step()) {
    if (!s.column_is_null(1) && s.column_int(1) > 0) {
      key_order.emplace_back(s.column_int(1), static_cast<int>(m_names.size()));
    }
    append(s.column_text(0));
  }
  std::sort(key_order.begin(), key_order.end());
  for (const auto& k : key_order) {
    m_primary_key.push_back(k.second);
  }
  std::sort(m_primary_key.begin(), m_primary_key.end());
  m_exists = !m_names.empty();
  m_loaded = true;
}

void TableSchema::append(const std::string& name) {
  std::string key;
  lower(name, &key);
  m_by_lower_name.emplace(std::move(key), static_cast<int>(m_names.size()));
  m_names.push_back(name);
  m_quoted.push_back(quote_identifier(name));
}

void TableSchema::add(const std::vector<ColumnSpec>& columns, const std::vector<int>& keys) {
  load();
  if (!m_exists) {
    create(columns, keys);
    return;
  }
  for (const auto& c : columns) {
    const char* type = declared_type(c.type);
    m_db.exec(fmt::format("ALTER TABLE {} ADD COLUMN {}{}{}", m_quoted_table,
                          quote_identifier(c.name), *type != '\0' ? " " : "", type));
    append(c.name);
  }
}

void TableSchema::create(const std::vector<ColumnSpec>& columns, const std::vector<int>& keys) {
  std::string sql = fmt::format("CREATE TABLE {} (", m_quoted_table);
  for (size_t i = 0; i < columns.size(); ++i) {
    const char* type = declared_type(columns[i].type);
    sql += fmt::format("{}{}{}{}", i > 0 ? ", " : "", quote_identifier(columns[i].name),
                       *type != '\0' ? " " : "", type);
    append(columns[i].name);
  }
  if (!keys.empty()) {
    sql += fmt::format(", PRIMARY KEY({})", list(keys));
    m_primary_key = sorted(keys);
    m_unique.push_back(m_primary_key);
  }
  sql += ")";
  m_db.exec(sql);
  m_exists = true;
}

std::string TableSchema::list(const std::vector<int>& columns) const {
  std::string out;
  for (int c : columns) {
    out += out.empty() ? "" : ", ";
    out += quoted(c);
  }
  return out;
}

void TableSchema::ensure_unique(const std::vector<int>& keys) {
  if (keys == m_last_unique) {
    return;
  }
  std::vector<int> set = sorted(keys);
  if (std::find(m_unique.begin(), m_unique.end(), set) == m_unique.end()) {
    if (set != m_primary_key && !has_unique_index(set)) {
      std::string name = "sluice_key_" + m_table;
      for (int c : set) {
        name += "_" + m_names[static_cast<size_t>(c)];
      }
      std::string why;
      if (!m_db.try_exec(fmt::format("CREATE UNIQUE INDEX {} ON {}({})", quote_identifier(name),
                                     m_quoted_table, list(set)),
                         &why)) {
        throw Error(ExitCode::data,
                    fmt::format("table \"{}\" has no primary key or unique index on ({}) and one "
                                "cannot be made: {}",
                                m_table, list(set), why));
      }
    }
    m_unique.push_back(set);
  }
  m_last_unique = keys;
}

bool TableSchema::has_unique_index(const std::vector<int>& sorted_keys) {
  Stmt s = m_db.prepare("SELECT name FROM pragma_index_list(?1) WHERE \"unique\" AND NOT partial");
  s.bind_text(1, m_table);
  std::vector<std::string> indexes;
  while (s.step()) {
    indexes.push_back(s.column_text(0));
  }
  for (const auto& index : indexes) {
    if (sorted(index_columns(index)) == sorted_keys) {
      return true;
    }
  }
  return false;
}

// The columns of `index`, or none when it covers an expression or the rowid.
std::vector<int> TableSchema::index_columns(const std::string& index) {
  Stmt s = m_db.prepare("SELECT cid, name FROM pragma_index_info(?1)");
  s.bind_text(1, index);
  std::vector<int> out;
  while (s.step()) {
    int column = s.column_is_null(1) || s.column_int(0) < 0 ? -1 : find(s.column_text(1));
    if (column < 0) {
      return {};
    }
    out.push_back(column);
  }
  return out;
}

} // namespace sluice::connectors::sqlite
