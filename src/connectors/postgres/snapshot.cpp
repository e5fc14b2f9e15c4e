#include "connectors/postgres/snapshot.hpp"

#include "connectors/postgres/lsn.hpp"
#include "connectors/postgres/pg_array.hpp"
#include "core/error.hpp"
#include "core/json_writer.hpp"

#include <algorithm>
#include <charconv>
#include <fmt/format.h>

namespace sluice::connectors::postgres {

using core::Error;
using core::ExitCode;

namespace {

constexpr int k_fetch_rows = 2000;
constexpr const char* k_cursor = "sluice_snapshot";

uint32_t to_u32(std::string_view text) {
  uint32_t v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

int32_t to_i32(std::string_view text) {
  int32_t v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

} // namespace

SnapshotReader::SnapshotReader(PgConn& sql, ChangeWriter& writer, SnapshotOptions options,
                               std::function<void(const RelationInfo&, core::Emitter&)> emit_schema)
    : m_sql(sql), m_writer(writer), m_options(std::move(options)),
      m_emit_schema(std::move(emit_schema)) {}

void SnapshotReader::begin(const std::string& snapshot_name, uint64_t lsn) {
  m_sql.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "begin the snapshot");
  if (!snapshot_name.empty()) {
    m_sql.exec("SET TRANSACTION SNAPSHOT " + quote_literal(snapshot_name),
               "import the slot's snapshot");
    m_lsn = lsn;
  } else {
    PgResult r = m_sql.exec("SELECT pg_current_wal_lsn()", "read the WAL position");
    parse_lsn(r.value(0, 0), &m_lsn);
  }
  m_lsn_text = format_lsn(m_lsn);
  m_pos_json.clear();
  core::JsonWriter w(&m_pos_json);
  w.begin_object().key("snapshot").string(m_lsn_text).end_object();
  m_ts_ms = core::wall_clock_ms();
  list_tables();
}

void SnapshotReader::list_tables() {
  PgResult r = m_sql.exec_params(
      "SELECT c.oid, n.nspname, c.relname, c.relkind, c.relreplident, "
      "coalesce(pt.attnames::text[]::text, ''), coalesce(pt.rowfilter, '') "
      "FROM pg_publication_tables pt JOIN pg_namespace n ON n.nspname = pt.schemaname "
      "JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = pt.tablename "
      "WHERE pt.pubname = $1 ORDER BY n.nspname, c.relname",
      {m_options.publication}, "list the published tables");
  m_tables.clear();
  for (int i = 0; i < r.rows(); ++i) {
    std::vector<std::string> published;
    std::vector<ArrayItem> items;
    std::string why;
    if (!r.value(i, 5).empty() && split_pg_array(r.value(i, 5), ',', &items, &why)) {
      for (const auto& item : items) {
        if (item.kind == ArrayItem::Kind::element) {
          published.push_back(item.text);
        }
      }
    }
    m_tables.push_back(describe_table(to_u32(r.value(i, 0)), r.text(i, 1), r.text(i, 2),
                                      r.value(i, 3)[0], r.value(i, 4)[0], published,
                                      r.text(i, 6)));
  }
}

SnapshotReader::Table SnapshotReader::describe_table(uint32_t oid, const std::string& schema,
                                                     const std::string& name, char relkind,
                                                     char replident,
                                                     const std::vector<std::string>& published,
                                                     const std::string& row_filter) {
  PgResult r = m_sql.exec_params(
      "SELECT a.attname, a.atttypid, a.atttypmod, format_type(a.atttypid, a.atttypmod), "
      "EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indisprimary AND "
      "a.attnum = ANY(i.indkey)), "
      "EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indisreplident AND "
      "a.attnum = ANY(i.indkey)) "
      "FROM pg_attribute a WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped "
      "AND a.attgenerated = '' ORDER BY a.attnum",
      {std::to_string(oid)}, "describe a published table");
  Table t;
  t.rel.oid = oid;
  t.rel.schema = schema;
  t.rel.name = name;
  t.rel.replica_identity = replident;
  bool has_pk = false;
  for (int i = 0; i < r.rows(); ++i) {
    std::string column = r.text(i, 0);
    if (!published.empty() &&
        std::find(published.begin(), published.end(), column) == published.end()) {
      continue;
    }
    ColumnInfo c;
    c.name = column;
    c.type_oid = to_u32(r.value(i, 1));
    c.typmod = to_i32(r.value(i, 2));
    c.type_name = r.text(i, 3);
    bool pk = r.value(i, 4) == "t";
    has_pk = has_pk || pk;
    c.key = replident == 'i' ? r.value(i, 5) == "t" : pk;
    t.rel.columns.push_back(std::move(c));
  }
  if (replident == 'f' && !has_pk) {
    for (auto& c : t.rel.columns) {
      c.key = true;
    }
  }
  finish_relation(&t.rel, m_options.source);
  std::string columns;
  for (const auto& c : t.rel.columns) {
    columns += (columns.empty() ? "" : ", ") + quote_identifier(c.name);
  }
  // ONLY: an inheritance child is published (and read) as its own table; a
  // partitioned table has no rows of its own, so it is read whole.
  t.select_sql = fmt::format("SELECT {} FROM {}{}.{}{}", columns.empty() ? "NULL" : columns,
                             relkind == 'p' ? "" : "ONLY ", quote_identifier(schema),
                             quote_identifier(name),
                             row_filter.empty() ? "" : " WHERE " + row_filter);
  return t;
}

void SnapshotReader::open_table(core::Emitter& out) {
  const Table& t = m_tables[m_table];
  m_emit_schema(t.rel, out);
  if (m_options.truncate_first) {
    m_writer.write_snapshot_truncate(&out.buffer(), t.rel, m_lsn_text, m_pos_json, m_ts_ms,
                                     m_table);
    out.end_event();
  }
  m_sql.exec(fmt::format("DECLARE {} NO SCROLL CURSOR FOR {}", k_cursor, t.select_sql),
             fmt::format("read table {}", t.rel.table));
  m_cursor_open = true;
}

// Emits one chunk of the current table; false when the table is done.
bool SnapshotReader::fetch(core::Emitter& out) {
  const Table& t = m_tables[m_table];
  PgResult r = m_sql.exec(fmt::format("FETCH FORWARD {} FROM {}", k_fetch_rows, k_cursor),
                          fmt::format("read table {}", t.rel.table));
  size_t columns = t.rel.columns.size();
  m_row.resize(columns);
  for (int i = 0; i < r.rows(); ++i) {
    for (size_t c = 0; c < columns; ++c) {
      int col = static_cast<int>(c);
      m_row[c] = r.is_null(i, col) ? TupleValue{'n', {}} : TupleValue{'t', r.value(i, col)};
    }
    std::string& buffer = out.buffer();
    size_t at = buffer.size();
    std::string why;
    if (!m_writer.write_read(&buffer, t.rel, m_row, m_lsn_text, m_pos_json, m_ts_ms, &why)) {
      buffer.resize(at);
      out.bad_data().report(t.rel.table, m_rows + 1, "", "snapshot row: " + why);
      continue;
    }
    out.end_event();
    ++m_rows;
  }
  return r.rows() == k_fetch_rows;
}

bool SnapshotReader::produce(core::Emitter& out, core::Clock::time_point until) {
  while (m_table < m_tables.size()) {
    if (!m_cursor_open) {
      open_table(out);
    }
    if (!fetch(out)) {
      m_sql.exec(fmt::format("CLOSE {}", k_cursor), "close the snapshot cursor");
      m_cursor_open = false;
      ++m_table;
    }
    if (core::Clock::now() >= until) {
      return false;
    }
  }
  m_sql.exec("COMMIT", "end the snapshot");
  return true;
}

} // namespace sluice::connectors::postgres
