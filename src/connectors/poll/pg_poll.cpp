#include "connectors/poll/pg_poll.hpp"

#include "connectors/postgres/relations.hpp"
#include "core/checkpoint_store.hpp"
#include "core/error.hpp"
#include "core/json_writer.hpp"

#include <charconv>
#include <fmt/format.h>

namespace sluice::connectors::poll {

using core::Error;
using core::ExitCode;
namespace pg = postgres;

namespace {

template <class T>
T to_number(std::string_view text) {
  T v{};
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

} // namespace

PgPollSource::PgPollSource(pg::ConnectSpec spec, PollOptions options, pg::ValueOptions values)
    : m_spec(std::move(spec)), m_options(std::move(options)), m_mapper(m_types, values),
      m_source(pg::describe_uri(m_spec.uri)) {
  m_conn = pg::PgConn::connect(m_spec);
  pg::Catalog catalog(m_conn);
  m_types.add_catalog(catalog.types());
  describe();
}

void PgPollSource::describe() {
  pg::PgResult t = m_conn.exec_params(
      "SELECT n.nspname, c.relname, c.oid::text FROM pg_class c JOIN pg_namespace n ON n.oid = "
      "c.relnamespace WHERE c.oid = to_regclass($1)",
      {m_options.table}, "look up --table");
  if (t.rows() == 0) {
    throw Error(ExitCode::usage,
                fmt::format("--table {}: no such table in {}", m_options.table, m_source));
  }
  m_table = t.text(0, 0) + "." + t.text(0, 1);
  m_quoted = pg::quote_identifier(t.text(0, 0)) + "." + pg::quote_identifier(t.text(0, 1));
  pg::PgResult c = m_conn.exec_params(
      "SELECT a.attname, a.atttypid::text, EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = "
      "a.attrelid AND i.indisprimary AND a.attnum = ANY(i.indkey)) FROM pg_attribute a WHERE "
      "a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
      {t.text(0, 2)}, "read the columns of --table");
  std::string columns;
  bool has_pk = false;
  for (int i = 0; i < c.rows(); ++i) {
    Column col;
    col.name = c.text(i, 0);
    core::append_json_string(&col.json_key, col.name);
    col.json_key.push_back(':');
    col.type_oid = to_number<uint32_t>(c.value(i, 1));
    col.key = c.value(i, 2) == "t";
    has_pk = has_pk || col.key;
    if (col.name == m_options.timestamp_column) {
      m_ts = i;
    }
    if (col.name == m_options.incrementing_column) {
      m_inc = i;
    }
    columns += (columns.empty() ? "" : ", ") + pg::quote_identifier(col.name);
    m_columns.push_back(std::move(col));
  }
  auto need = [&](const std::string& flag, const std::string& name, int index) {
    if (!name.empty() && index < 0) {
      throw Error(ExitCode::usage, fmt::format("{} {}: {} has no such column", flag, name, m_table));
    }
  };
  need("--timestamp-column", m_options.timestamp_column, m_ts);
  need("--incrementing-column", m_options.incrementing_column, m_inc);
  if (m_ts >= 0) {
    auto kind = m_types.get(m_columns[static_cast<size_t>(m_ts)].type_oid).kind;
    if (kind != pg::TypeKind::timestamp && kind != pg::TypeKind::timestamptz &&
        kind != pg::TypeKind::date) {
      throw Error(ExitCode::usage, fmt::format("--timestamp-column {} must be a timestamp, "
                                               "timestamptz or date column",
                                               m_options.timestamp_column));
    }
    m_ts_offset = kind == pg::TypeKind::timestamptz;
  }
  if (m_inc >= 0 &&
      m_types.get(m_columns[static_cast<size_t>(m_inc)].type_oid).kind != pg::TypeKind::integer) {
    throw Error(ExitCode::usage, fmt::format("--incrementing-column {} must be an integer column",
                                             m_options.incrementing_column));
  }
  if (!has_pk && m_inc >= 0) {
    m_columns[static_cast<size_t>(m_inc)].key = true;
  }
  m_select = fmt::format("SELECT {} FROM {} t", columns, m_quoted);
  std::vector<std::string> order;
  if (m_ts >= 0) {
    order.push_back("t." + pg::quote_identifier(m_options.timestamp_column));
  }
  if (m_inc >= 0) {
    order.push_back("t." + pg::quote_identifier(m_options.incrementing_column));
  }
  m_order = order.size() == 2 ? "(" + order[0] + ", " + order[1] + ")" : order[0];
  m_order_by = " ORDER BY " + (order.size() == 2 ? order[0] + ", " + order[1] : order[0]);
  m_select += " WHERE ";
}

// "position > p" for the rows after `p`, adding its parameters.
std::string PgPollSource::after(const std::string& position, const PollPos& p,
                                std::vector<std::optional<std::string>>* params) const {
  if (p.is_start()) {
    return "true";
  }
  std::vector<std::string> values;
  if (m_ts >= 0) {
    params->emplace_back(p.ts_raw);
    values.push_back(fmt::format("${}", params->size()));
  }
  if (m_inc >= 0) {
    params->emplace_back(std::to_string(p.inc));
    values.push_back(fmt::format("${}", params->size()));
  }
  return fmt::format("{} > {}", position,
                     values.size() == 2 ? "(" + values[0] + ", " + values[1] + ")" : values[0]);
}

PollResult PgPollSource::poll(const PollPos& safe, const PollPos& emitted,
                              std::optional<uint64_t> horizon) {
  if (m_conn.is_broken()) {
    m_conn = pg::PgConn::connect(m_spec);
  }
  PollResult out;
  m_conn.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "begin a poll");
  pg::PgResult snap = m_conn.exec(
      "SELECT pg_snapshot_xmin(s)::text, pg_snapshot_xmax(s)::text FROM pg_current_snapshot() s",
      "read the snapshot");
  out.snapshot = std::make_pair(to_number<uint64_t>(snap.value(0, 0)),
                                to_number<uint64_t>(snap.value(0, 1)));
  const std::string& order = m_order_by;
  std::string bound;
  std::vector<std::optional<std::string>> params;
  if (m_ts >= 0) {
    params.emplace_back(fmt::format("{} milliseconds", m_options.delay.count()));
    bound = fmt::format(" AND t.{} < now() - $1::interval",
                        pg::quote_identifier(m_options.timestamp_column));
  }
  if (horizon && !emitted.is_start() && compare(safe, emitted) < 0) {
    auto late_params = params;
    std::string sql = m_select + after(m_order, safe, &late_params) + " AND NOT " +
                      after(m_order, emitted, &late_params) + bound;
    late_params.emplace_back(std::to_string(*horizon % 4294967296ull));
    sql += fmt::format(" AND age(t.xmin) <= age(${}::text::xid)", late_params.size()) + order;
    read_rows(m_conn.exec_params(sql, late_params, "poll for late rows"), &out);
  }
  std::string sql = m_select + after(m_order, emitted, &params) + bound + order +
                    fmt::format(" LIMIT {}", m_options.limit);
  pg::PgResult rows = m_conn.exec_params(sql, params, "poll " + m_table);
  out.more = static_cast<size_t>(rows.rows()) >= m_options.limit;
  read_rows(rows, &out);
  m_conn.exec("COMMIT", "end a poll");
  return out;
}

void PgPollSource::read_rows(const pg::PgResult& r, PollResult* out) {
  int64_t now_ms = core::wall_clock_ms();
  for (int i = 0; i < r.rows(); ++i) {
    PolledRow row;
    std::string key;
    row.after = "{";
    key = "{";
    for (size_t c = 0; c < m_columns.size(); ++c) {
      const Column& col = m_columns[c];
      int ci = static_cast<int>(c);
      std::string value;
      std::string why;
      if (r.is_null(i, ci)) {
        value = "null";
      } else if (!m_mapper.append(&value, m_types.get(col.type_oid), r.value(i, ci), &why)) {
        row.bad = fmt::format("column \"{}\": {}", col.name, why);
        value = "null";
      }
      row.after += (row.after.size() > 1 ? "," : "") + col.json_key + value;
      if (col.key) {
        key += (key.size() > 1 ? "," : "") + col.json_key + value;
      }
    }
    row.after += "}";
    row.key = key.size() > 1 ? key + "}" : "null";
    row.ts_ms = now_ms;
    if (m_ts >= 0 && !r.is_null(i, m_ts)) {
      row.pos.has_ts = true;
      row.pos.ts_raw = r.text(i, m_ts);
      pg::pg_time_to_us(row.pos.ts_raw, m_ts_offset, &row.pos.ts_us);
      row.ts_ms = row.pos.ts_us / 1000;
    }
    if (m_inc >= 0 && !r.is_null(i, m_inc)) {
      row.pos.has_inc = true;
      row.pos.inc = to_number<int64_t>(r.value(i, m_inc));
    }
    out->rows.push_back(std::move(row));
  }
}

} // namespace sluice::connectors::poll
