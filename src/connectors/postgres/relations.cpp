#include "connectors/postgres/relations.hpp"

#include "core/json_writer.hpp"

#include <algorithm>
#include <charconv>
#include <fmt/format.h>

namespace sluice::connectors::postgres {

namespace {

template <class T>
T parse_number(std::string_view text) {
  T v{};
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

} // namespace

void finish_relation(RelationInfo* rel, const std::string& source) {
  rel->table = rel->schema + "." + rel->name;
  rel->table_json.clear();
  core::append_json_string(&rel->table_json, rel->table);
  rel->key_columns.clear();
  for (size_t i = 0; i < rel->columns.size(); ++i) {
    ColumnInfo& c = rel->columns[i];
    c.json_key.clear();
    core::append_json_string(&c.json_key, c.name);
    c.json_key.push_back(':');
    if (c.key) {
      rel->key_columns.push_back(i);
    }
  }
  rel->schema_json.clear();
  core::JsonWriter w(&rel->schema_json);
  w.begin_object().key("source").string(source).key("table").string(rel->table);
  w.key("columns").begin_array();
  for (const auto& c : rel->columns) {
    w.begin_object().key("name").string(c.name).key("type").string(c.type_name);
    w.key("key").boolean(c.key).end_object();
  }
  w.end_array().end_object();
}

std::vector<std::string> Catalog::type_names(const std::vector<ColumnInfo>& columns) {
  std::string oids = "{";
  std::string mods = "{";
  for (size_t i = 0; i < columns.size(); ++i) {
    oids += fmt::format("{}{}", i > 0 ? "," : "", columns[i].type_oid);
    mods += fmt::format("{}{}", i > 0 ? "," : "", columns[i].typmod);
  }
  oids += "}";
  mods += "}";
  PgResult r = m_conn.exec_params(
      "SELECT format_type(t, m) FROM unnest($1::oid[], $2::int4[]) WITH ORDINALITY AS u(t, m, n) "
      "ORDER BY n",
      {oids, mods}, "look up column types");
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(r.is_null(i, 0) ? "unknown" : r.text(i, 0));
  }
  return out;
}

std::vector<std::string> Catalog::primary_key(uint32_t oid) {
  PgResult r = m_conn.exec_params(
      "SELECT a.attname FROM pg_index i JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, "
      "n) ON true JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
      "WHERE i.indrelid = $1::oid AND i.indisprimary ORDER BY k.n",
      {std::to_string(oid)}, "look up a primary key");
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(r.text(i, 0));
  }
  return out;
}

std::vector<TypeRegistry::CatalogRow> Catalog::types() {
  PgResult r = m_conn.exec(k_type_query, "read pg_type");
  std::vector<TypeRegistry::CatalogRow> out;
  out.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    TypeRegistry::CatalogRow row;
    row.oid = parse_number<uint32_t>(r.value(i, 0));
    row.name = r.text(i, 1);
    row.typtype = r.value(i, 2).empty() ? 'b' : r.value(i, 2)[0];
    row.category = r.value(i, 3).empty() ? 'U' : r.value(i, 3)[0];
    row.element = parse_number<uint32_t>(r.value(i, 4));
    row.base = parse_number<uint32_t>(r.value(i, 5));
    row.delimiter = r.value(i, 6).empty() ? ',' : r.value(i, 6)[0];
    out.push_back(std::move(row));
  }
  return out;
}

RelationInfo relation_from_message(const RelationMessage& m, Catalog& catalog,
                                   const std::string& source) {
  RelationInfo rel;
  rel.oid = m.oid;
  rel.schema = m.schema;
  rel.name = m.name;
  rel.replica_identity = m.replica_identity;
  for (const auto& c : m.columns) {
    ColumnInfo info;
    info.name = c.name;
    info.type_oid = c.type_oid;
    info.typmod = c.typmod;
    info.key = c.key;
    rel.columns.push_back(std::move(info));
  }
  if (!rel.columns.empty()) {
    auto names = catalog.type_names(rel.columns);
    for (size_t i = 0; i < rel.columns.size() && i < names.size(); ++i) {
      rel.columns[i].type_name = names[i];
    }
  }
  // FULL flags every column and NOTHING none: key by the primary key instead.
  if (m.replica_identity == 'f' || m.replica_identity == 'n') {
    auto pk = catalog.primary_key(m.oid);
    for (auto& c : rel.columns) {
      c.key = pk.empty() ? m.replica_identity == 'f'
                         : std::find(pk.begin(), pk.end(), c.name) != pk.end();
    }
  }
  finish_relation(&rel, source);
  return rel;
}

} // namespace sluice::connectors::postgres
