#include "connectors/postgres/target_table.hpp"

#include "core/error.hpp"

#include <fmt/format.h>

namespace sluice::connectors::postgres {

namespace {

ColumnClass class_of(std::string_view typname, std::string_view category) {
  if (typname == "json" || typname == "jsonb") {
    return ColumnClass::json;
  }
  if (category == "A") {
    return ColumnClass::array;
  }
  if (typname == "bytea") {
    return ColumnClass::bytea;
  }
  if (typname == "timestamp" || typname == "timestamptz" || typname == "date") {
    return ColumnClass::time;
  }
  return ColumnClass::plain;
}

} // namespace

const TargetColumn* TargetTable::find(const std::string& column) const {
  auto it = by_name.find(column);
  return it == by_name.end() ? nullptr : &columns[it->second];
}

const char* inferred_type(SinkValue::Kind kind) {
  switch (kind) {
  case SinkValue::Kind::number:
    return "numeric";
  case SinkValue::Kind::boolean:
    return "boolean";
  case SinkValue::Kind::object:
  case SinkValue::Kind::array:
    return "jsonb";
  default:
    return "text";
  }
}

TargetTable& TargetCatalog::get(const std::string& routed) {
  auto it = m_tables.find(routed);
  if (it != m_tables.end()) {
    return *it->second;
  }
  auto t = std::make_unique<TargetTable>();
  size_t dot = routed.find('.');
  if (dot == std::string::npos) {
    PgResult r = m_conn.exec("SELECT current_schema()", "read the current schema");
    t->schema = r.is_null(0, 0) ? "public" : r.text(0, 0);
    t->name = routed;
  } else {
    t->schema = routed.substr(0, dot);
    t->name = routed.substr(dot + 1);
  }
  t->quoted = quote_identifier(t->schema) + "." + quote_identifier(t->name);
  t->literal = quote_literal(t->schema + "." + t->name);
  load(*t);
  return *m_tables.emplace(routed, std::move(t)).first->second;
}

void TargetCatalog::load(TargetTable& t) {
  PgResult r = m_conn.exec_params(
      "SELECT a.attname, format_type(a.atttypid, NULL), ty.typname, ty.typcategory, "
      "a.attgenerated <> '' FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid "
      "WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped "
      "ORDER BY a.attnum",
      {t.quoted}, fmt::format("read the columns of {}", t.quoted));
  PgResult exists = m_conn.exec_params("SELECT to_regclass($1) IS NOT NULL", {t.quoted},
                                       fmt::format("look up {}", t.quoted));
  t.exists = exists.value(0, 0) == "t";
  t.columns.clear();
  t.by_name.clear();
  t.generated.clear();
  for (int i = 0; i < r.rows(); ++i) {
    if (r.value(i, 4) == "t") {
      t.generated[r.text(i, 0)] = true;
      continue;
    }
    TargetColumn c;
    c.name = r.text(i, 0);
    c.cast = r.text(i, 1);
    // A domain maps like its base type's category; its name decides the rest.
    c.column_class = class_of(r.value(i, 2), r.value(i, 3));
    t.by_name[c.name] = t.columns.size();
    t.columns.push_back(std::move(c));
  }
}

std::string TargetCatalog::usable_type(const std::string& type) {
  auto it = m_usable_types.find(type);
  if (it != m_usable_types.end()) {
    return it->second;
  }
  PgResult r = m_conn.run_params("SELECT to_regtype($1) IS NOT NULL", {type});
  bool ok = r.ok() && r.value(0, 0) == "t";
  std::string usable = ok ? type : (type.size() > 2 && type.substr(type.size() - 2) == "[]" ? "text[]" : "text");
  m_usable_types[type] = usable;
  return usable;
}

void TargetCatalog::create_table(TargetTable& t, const std::vector<ColumnDef>& columns,
                                 const std::vector<std::string>& keys) {
  std::string body;
  for (const auto& c : columns) {
    body += fmt::format("{}{} {}", body.empty() ? "" : ", ", quote_identifier(c.name),
                        usable_type(c.type));
  }
  if (!keys.empty()) {
    std::string pk;
    for (const auto& k : keys) {
      pk += (pk.empty() ? "" : ", ") + quote_identifier(k);
    }
    body += ", PRIMARY KEY (" + pk + ")";
  }
  m_conn.exec(fmt::format("CREATE SCHEMA IF NOT EXISTS {}", quote_identifier(t.schema)),
              fmt::format("create schema {}", t.schema));
  m_conn.exec(fmt::format("CREATE TABLE IF NOT EXISTS {} ({})", t.quoted, body),
              fmt::format("create table {}", t.quoted));
  load(t);
}

void TargetCatalog::add_columns(TargetTable& t, const std::vector<ColumnDef>& columns) {
  if (columns.empty()) {
    return;
  }
  std::string adds;
  for (const auto& c : columns) {
    adds += fmt::format("{}ADD COLUMN IF NOT EXISTS {} {}", adds.empty() ? "" : ", ",
                        quote_identifier(c.name), usable_type(c.type));
  }
  m_conn.exec(fmt::format("ALTER TABLE {} {}", t.quoted, adds),
              fmt::format("add columns to {}", t.quoted));
  load(t);
}

void TargetCatalog::ensure_stage(TargetTable& t, const std::vector<std::string>& columns) {
  if (t.stage.empty()) {
    t.stage = quote_identifier(fmt::format("_sluice_stage_{}", ++m_stages));
    m_conn.exec(fmt::format("CREATE TEMP TABLE {} (_op text, _ord numeric, _key text, _g int)",
                            t.stage),
                "create a stage table");
    t.stage_columns.clear();
  }
  std::string adds;
  for (const auto& c : columns) {
    if (std::find(t.stage_columns.begin(), t.stage_columns.end(), c) != t.stage_columns.end()) {
      continue;
    }
    adds += fmt::format("{}ADD COLUMN {} text", adds.empty() ? "" : ", ", quote_identifier(c));
    t.stage_columns.push_back(c);
  }
  if (!adds.empty()) {
    m_conn.exec(fmt::format("ALTER TABLE {} {}", t.stage, adds), "extend a stage table");
  }
}

void TargetCatalog::empty_stage(TargetTable& t) {
  m_conn.exec(fmt::format("TRUNCATE {}", t.stage), "empty a stage table");
}

} // namespace sluice::connectors::postgres
