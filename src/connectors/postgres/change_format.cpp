#include "connectors/postgres/change_format.hpp"

#include "core/json_writer.hpp"

#include <fmt/format.h>
#include <xxhash.h>

namespace sluice::connectors::postgres {

ChangeWriter::ChangeWriter(const TypeRegistry& types, ValueOptions options,
                           const std::string& source)
    : m_types(types), m_mapper(types, options) {
  core::append_json_string(&m_source_json, source);
}

void ChangeWriter::write_head(std::string* out, const RelationInfo& rel, const TxnContext& txn,
                              uint32_t index, const char* op) {
  out->append("{\"id\":\"");
  out->append(txn.lsn_text);
  fmt::format_to(std::back_inserter(*out), ":{}\",\"source\":", index);
  out->append(m_source_json);
  out->append(",\"table\":");
  out->append(rel.table_json);
  fmt::format_to(std::back_inserter(*out), ",\"op\":\"{}\",\"ts\":{},\"pos\":\"", op, txn.ts_ms);
  out->append(txn.lsn_text);
  fmt::format_to(std::back_inserter(*out), "\",\"txid\":{}", txn.xid);
}

bool ChangeWriter::append_value(std::string* out, const ColumnInfo& column, const TupleValue& v,
                                std::string* why) {
  if (v.kind == 'n') {
    out->append("null");
    return true;
  }
  if (v.kind != 't') {
    *why = fmt::format("column \"{}\": unexpected {} value", column.name,
                       v.kind == 'b' ? "binary" : "unchanged");
    return false;
  }
  if (!m_mapper.append(out, m_types.get(column.type_oid), v.data, why)) {
    *why = fmt::format("column \"{}\": {}", column.name, *why);
    return false;
  }
  return true;
}

// The key object from `main`, taking a key column that `main` left unchanged
// from `fallback` (an update's old key); null when the table has no key.
bool ChangeWriter::write_key(std::string* out, const RelationInfo& rel,
                             const std::vector<TupleValue>& main,
                             const std::vector<TupleValue>* fallback, std::string* why) {
  if (rel.key_columns.empty()) {
    out->append("null");
    return true;
  }
  out->push_back('{');
  bool first = true;
  for (size_t i : rel.key_columns) {
    const TupleValue* v = i < main.size() ? &main[i] : nullptr;
    if ((v == nullptr || v->kind == 'u') && fallback != nullptr && i < fallback->size()) {
      v = &(*fallback)[i];
    }
    if (v == nullptr || v->kind == 'u') {
      continue;
    }
    if (!first) {
      out->push_back(',');
    }
    first = false;
    out->append(rel.columns[i].json_key);
    if (!append_value(out, rel.columns[i], *v, why)) {
      return false;
    }
  }
  out->push_back('}');
  return true;
}

// A row object; unchanged TOASTed values are left out (and collected), and with
// `key_only` so are the columns a DEFAULT replica identity leaves null.
bool ChangeWriter::write_row(std::string* out, const RelationInfo& rel,
                             const std::vector<TupleValue>& row, bool key_only, std::string* why) {
  if (row.size() != rel.columns.size()) {
    *why = fmt::format("a row of {} has {} values for {} columns", rel.table, row.size(),
                       rel.columns.size());
    return false;
  }
  out->push_back('{');
  bool first = true;
  for (size_t i = 0; i < row.size(); ++i) {
    const ColumnInfo& c = rel.columns[i];
    if (row[i].kind == 'u') {
      m_unchanged.push_back(&c);
      continue;
    }
    if (key_only && !c.key) {
      continue;
    }
    if (!first) {
      out->push_back(',');
    }
    first = false;
    out->append(c.json_key);
    if (!append_value(out, c, row[i], why)) {
      return false;
    }
  }
  out->push_back('}');
  return true;
}

bool ChangeWriter::write_change(std::string* out, const RelationInfo& rel, const Message& m,
                                const TxnContext& txn, uint32_t index, std::string* why) {
  const char* op = m.kind == MessageKind::insert   ? "insert"
                   : m.kind == MessageKind::update ? "update"
                                                   : "delete";
  write_head(out, rel, txn, index, op);
  bool has_old = m.old_kind != 0;
  out->append(",\"key\":");
  const auto& key_source = m.kind == MessageKind::remove ? m.old_tuple : m.new_tuple;
  if (!write_key(out, rel, key_source, has_old ? &m.old_tuple : nullptr, why)) {
    return false;
  }
  out->append(",\"before\":");
  m_unchanged.clear();
  if (!has_old) {
    out->append("null");
  } else if (!write_row(out, rel, m.old_tuple, m.old_kind == 'K', why)) {
    return false;
  }
  out->append(",\"after\":");
  m_unchanged.clear();
  if (m.kind == MessageKind::remove) {
    out->append("null");
  } else if (!write_row(out, rel, m.new_tuple, false, why)) {
    return false;
  }
  if (!m_unchanged.empty()) {
    out->append(",\"unchanged\":[");
    for (size_t i = 0; i < m_unchanged.size(); ++i) {
      if (i > 0) {
        out->push_back(',');
      }
      core::append_json_string(out, m_unchanged[i]->name);
    }
    out->push_back(']');
  }
  out->push_back('}');
  return true;
}

void ChangeWriter::write_truncate(std::string* out, const RelationInfo& rel, const TxnContext& txn,
                                  uint32_t index) {
  write_head(out, rel, txn, index, "truncate");
  out->append(",\"key\":null,\"before\":null,\"after\":null}");
}

bool ChangeWriter::write_read(std::string* out, const RelationInfo& rel,
                              const std::vector<TupleValue>& row, const std::string& snapshot_lsn,
                              const std::string& pos_json, int64_t ts_ms, std::string* why) {
  m_key.clear();
  if (!write_key(&m_key, rel, row, nullptr, why)) {
    return false;
  }
  std::string hashed = rel.table;
  hashed.push_back('\0');
  hashed += m_key;
  XXH128_hash_t h = XXH3_128bits(hashed.data(), hashed.size());
  fmt::format_to(std::back_inserter(*out), "{{\"id\":\"{}:r:{:016x}{:016x}\",\"source\":",
                 snapshot_lsn, h.high64, h.low64);
  out->append(m_source_json);
  out->append(",\"table\":");
  out->append(rel.table_json);
  fmt::format_to(std::back_inserter(*out), ",\"op\":\"read\",\"ts\":{},\"pos\":", ts_ms);
  out->append(pos_json);
  out->append(",\"key\":");
  out->append(m_key);
  out->append(",\"before\":null,\"after\":");
  m_unchanged.clear();
  if (!write_row(out, rel, row, false, why)) {
    return false;
  }
  out->push_back('}');
  return true;
}

void ChangeWriter::write_snapshot_truncate(std::string* out, const RelationInfo& rel,
                                           const std::string& snapshot_lsn,
                                           const std::string& pos_json, int64_t ts_ms,
                                           size_t table_number) {
  fmt::format_to(std::back_inserter(*out), "{{\"id\":\"{}:t:{}\",\"source\":", snapshot_lsn,
                 table_number);
  out->append(m_source_json);
  out->append(",\"table\":");
  out->append(rel.table_json);
  fmt::format_to(std::back_inserter(*out), ",\"op\":\"truncate\",\"ts\":{},\"pos\":", ts_ms);
  out->append(pos_json);
  out->append(",\"key\":null,\"before\":null,\"after\":null}");
}

} // namespace sluice::connectors::postgres
