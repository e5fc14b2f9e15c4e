#include "connectors/poll/sqlite_poll.hpp"

#include "core/checkpoint_store.hpp"
#include "core/error.hpp"
#include "core/event_time.hpp"
#include "core/json_writer.hpp"

#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <openssl/evp.h>

namespace sluice::connectors::poll {

using core::Error;
using core::ExitCode;

namespace {

std::string absolute(const std::string& path) {
  std::error_code ec;
  auto a = std::filesystem::absolute(path, ec);
  return ec ? path : a.string();
}

void append_base64(std::string* out, const void* data, int size) {
  std::string b64(4 * ((static_cast<size_t>(size) + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                          static_cast<const unsigned char*>(data), size);
  b64.resize(static_cast<size_t>(n));
  core::append_json_string(out, b64);
}

} // namespace

SqlitePollSource::SqlitePollSource(const std::string& path, PollOptions options)
    : m_options(std::move(options)), m_source("sqlite:" + absolute(path)), m_db(path, false) {
  describe();
}

void SqlitePollSource::describe() {
  std::string why;
  if (!sqlite::is_usable_identifier(m_options.table, &why)) {
    throw Error(ExitCode::usage, fmt::format("--table {}: {}", m_options.table, why));
  }
  sqlite::Stmt info =
      m_db.prepare(fmt::format("PRAGMA table_info({})", sqlite::quote_identifier(m_options.table)));
  std::string columns;
  bool has_pk = false;
  while (info.step()) {
    Column c;
    c.name = info.column_text(1);
    core::append_json_string(&c.json_key, c.name);
    c.json_key.push_back(':');
    c.key = info.column_int(5) > 0;
    has_pk = has_pk || c.key;
    int index = static_cast<int>(m_columns.size());
    if (c.name == m_options.timestamp_column) {
      m_ts = index;
    }
    if (c.name == m_options.incrementing_column) {
      m_inc = index;
    }
    columns += (columns.empty() ? "" : ", ") + sqlite::quote_identifier(c.name);
    m_columns.push_back(std::move(c));
  }
  if (m_columns.empty()) {
    throw Error(ExitCode::usage, fmt::format("--table {}: no such table in {}", m_options.table,
                                             m_source));
  }
  if (!m_options.timestamp_column.empty() && m_ts < 0) {
    throw Error(ExitCode::usage, fmt::format("--timestamp-column {}: {} has no such column",
                                             m_options.timestamp_column, m_options.table));
  }
  if (!m_options.incrementing_column.empty() && m_inc < 0) {
    throw Error(ExitCode::usage, fmt::format("--incrementing-column {}: {} has no such column",
                                             m_options.incrementing_column, m_options.table));
  }
  if (!has_pk && m_inc >= 0) {
    m_columns[static_cast<size_t>(m_inc)].key = true;
  }
  std::string ts = m_ts >= 0 ? sqlite::quote_identifier(m_options.timestamp_column) : "";
  std::string inc = m_inc >= 0 ? sqlite::quote_identifier(m_options.incrementing_column) : "";
  std::string position = !ts.empty() && !inc.empty() ? "(" + ts + ", " + inc + ")"
                                                     : (ts.empty() ? inc : ts);
  std::string order = !ts.empty() && !inc.empty() ? ts + ", " + inc : (ts.empty() ? inc : ts);
  std::string value = !ts.empty() && !inc.empty() ? "(?1, ?2)" : (ts.empty() ? "?2" : "?1");
  // ?1 ts, ?2 inc, ?3 the julianday modifier of --delay, ?4 its numeric bound, ?5 the limit.
  std::string bound = ts.empty() ? "" : fmt::format(" AND CASE WHEN typeof({0}) = 'text' THEN "
                                                    "julianday({0}) < julianday('now', ?3) ELSE "
                                                    "{0} < ?4 END",
                                                    ts);
  std::string head = fmt::format("SELECT {} FROM {} WHERE ", columns,
                                 sqlite::quote_identifier(m_options.table));
  std::string tail = fmt::format("{} ORDER BY {} LIMIT ?5", bound, order);
  m_sql = head + position + " > " + value + tail;
  m_sql_start = head + "true" + tail;
}

// now - --delay in the unit the numeric timestamps use (told from the largest).
double SqlitePollSource::numeric_bound() {
  double now = static_cast<double>(core::wall_clock_ms()) / 1000.0 -
               static_cast<double>(m_options.delay.count()) / 1000.0;
  if (m_unit == 0) {
    sqlite::Stmt s = m_db.prepare(fmt::format(
        "SELECT max({0}) FROM {1} WHERE typeof({0}) IN ('integer', 'real')",
        sqlite::quote_identifier(m_options.timestamp_column),
        sqlite::quote_identifier(m_options.table)));
    double max = s.step() && !s.column_is_null(0) ? sqlite3_column_double(s.get(), 0) : 0;
    if (max > 0) {
      m_unit = max < 1e11 ? 1 : max < 1e14 ? 1e3 : max < 1e17 ? 1e6 : 1e9;
    }
  }
  return now * (m_unit == 0 ? 1 : m_unit);
}

PollResult SqlitePollSource::poll(const PollPos&, const PollPos& emitted,
                                  std::optional<uint64_t>) {
  PollResult out;
  sqlite::Stmt s = m_db.prepare(emitted.is_start() ? m_sql_start : m_sql);
  if (!emitted.is_start()) {
    if (emitted.has_ts && emitted.ts_is_text) {
      s.bind_text(1, emitted.ts_raw);
    } else if (emitted.has_ts) {
      s.bind_double(1, std::strtod(emitted.ts_raw.c_str(), nullptr));
    }
    s.bind_int(2, emitted.inc);
  }
  std::string modifier = fmt::format("-{:.3f} seconds", static_cast<double>(m_options.delay.count()) / 1000.0);
  if (m_ts >= 0) {
    s.bind_text(3, modifier);
    s.bind_double(4, numeric_bound());
  }
  s.bind_int(5, static_cast<int64_t>(m_options.limit));
  while (s.step()) {
    read_row(s, &out);
  }
  out.more = out.rows.size() >= m_options.limit;
  return out;
}

void SqlitePollSource::read_row(sqlite::Stmt& s, PollResult* out) {
  PolledRow row;
  std::string key = "{";
  row.after = "{";
  for (size_t c = 0; c < m_columns.size(); ++c) {
    int i = static_cast<int>(c);
    std::string value;
    core::JsonWriter w(&value);
    switch (sqlite3_column_type(s.get(), i)) {
    case SQLITE_INTEGER:
      w.number(static_cast<int64_t>(sqlite3_column_int64(s.get(), i)));
      break;
    case SQLITE_FLOAT:
      w.number(sqlite3_column_double(s.get(), i));
      break;
    case SQLITE_TEXT: {
      std::string text = s.column_text(i);
      if (!core::is_valid_utf8(text)) {
        row.bad = fmt::format("column \"{}\" holds invalid UTF-8", m_columns[c].name);
        w.null();
      } else {
        w.string(text);
      }
      break;
    }
    case SQLITE_BLOB:
      append_base64(&value, sqlite3_column_blob(s.get(), i), sqlite3_column_bytes(s.get(), i));
      break;
    default:
      w.null();
    }
    row.after += (row.after.size() > 1 ? "," : "") + m_columns[c].json_key + value;
    if (m_columns[c].key) {
      key += (key.size() > 1 ? "," : "") + m_columns[c].json_key + value;
    }
  }
  row.after += "}";
  row.key = key.size() > 1 ? key + "}" : "null";
  row.ts_ms = core::wall_clock_ms();
  if (m_ts >= 0 && !s.column_is_null(m_ts)) {
    row.pos.has_ts = true;
    row.pos.ts_is_text = sqlite3_column_type(s.get(), m_ts) == SQLITE_TEXT;
    row.pos.ts_raw = s.column_text(m_ts);
    int64_t ms = 0;
    std::string why;
    bool ok = row.pos.ts_is_text
                  ? core::event_time_from_string(row.pos.ts_raw, &ms, &why)
                  : core::event_time_from_number(sqlite3_column_double(s.get(), m_ts), &ms);
    if (ok) {
      row.ts_ms = ms;
      row.pos.ts_us = ms * 1000;
    }
  }
  if (m_inc >= 0 && !s.column_is_null(m_inc)) {
    row.pos.has_inc = true;
    row.pos.inc = s.column_int(m_inc);
  }
  out->rows.push_back(std::move(row));
}

} // namespace sluice::connectors::poll
