#include "connectors/postgres/pg_sink.hpp"

#include "connectors/postgres/pg_store.hpp"
#include "core/error.hpp"
#include "core/json_check.hpp"

#include <fmt/format.h>

namespace sluice::connectors::postgres {

namespace od = simdjson::ondemand;
using core::Error;
using core::ExitCode;

namespace {

bool is_reserved_table(const std::string& table) {
  std::string name = table.substr(table.find('.') == std::string::npos ? 0 : table.find('.') + 1);
  return name == "_sluice_checkpoints" || name == k_tombstone_table;
}

const PostgresSinkOptions& checked(const PostgresSinkOptions& o) {
  if (o.raw && !o.table) {
    throw Error(ExitCode::usage, "--raw needs --table: the table events land in");
  }
  if (o.raw && (!o.upsert.empty() || o.if_newer)) {
    throw Error(ExitCode::usage,
                "--raw keys rows by the event id: it cannot be combined with --upsert or --if-newer");
  }
  if (o.table && is_reserved_table(*o.table)) {
    throw Error(ExitCode::usage, fmt::format("--table {} is sluice's own table", *o.table));
  }
  for (const auto& p : o.upsert) {
    if (p.has_every()) {
      throw Error(ExitCode::usage, fmt::format("--upsert {}: a key path cannot hold [*]", p.text()));
    }
  }
  return o;
}

} // namespace

PostgresSink::PostgresSink(PostgresSinkOptions options, core::BadData& bad, const core::Log& log)
    : m_options(checked(options)), m_bad(bad), m_log(log),
      m_describe(describe_uri(m_options.connect.uri)),
      m_reader(m_options.upsert, m_options.if_newer, m_options.table) {
  m_conn = PgConn::connect(m_options.connect);
  // Commits that record no position need not wait for the WAL flush: a crash
  // loses them and the capture replays them. Recorded commits set it back on.
  m_conn.exec("SET synchronous_commit = off", "configure the session");
}

std::string PostgresSink::default_sink_id() const {
  return m_describe + "#" + (m_options.table ? *m_options.table : std::string("*"));
}

void PostgresSink::begin() {
  if (!m_in_txn) {
    m_conn.exec("BEGIN", "begin a transaction");
    m_in_txn = true;
  }
}

TableBatch& PostgresSink::batch(const std::string& table) {
  auto it = m_batch_index.find(table);
  if (it != m_batch_index.end()) {
    return *m_batches[it->second];
  }
  m_batch_index.emplace(table, m_batches.size());
  m_batches.push_back(std::make_unique<TableBatch>(table, m_options.delete_mode));
  return *m_batches.back();
}

bool PostgresSink::write(const core::Line& line, od::document& doc, std::string* why) {
  if (m_options.raw) {
    return write_raw(line, doc, why);
  }
  if (!m_reader.read(doc, &m_event, why)) {
    return false;
  }
  if (is_reserved_table(m_event.table)) {
    *why = fmt::format("table {} is sluice's own table", m_event.table);
    return false;
  }
  if (m_event.op == SinkOp::truncate) {
    truncate(m_event.table);
    return true;
  }
  auto index = static_cast<uint32_t>(m_events.size());
  std::optional<Decision> skipped;
  if (!batch(m_event.table).add(m_event, index, &skipped, why)) {
    return false;
  }
  if (skipped) {
    ++(*skipped == Decision::skip_older ? m_pending.older : m_pending.ignored);
    return true;
  }
  m_events.push_back({line.number, std::string(line.text)});
  return true;
}

// A truncate splits the batch: what came before it is applied first.
void PostgresSink::truncate(const std::string& table) {
  begin();
  auto it = m_batch_index.find(table);
  if (it != m_batch_index.end()) {
    flush_table(*m_batches[it->second]);
  }
  TargetTable& t = m_catalog.get(table);
  if (t.exists) {
    m_conn.exec("TRUNCATE " + t.quoted, "truncate " + t.quoted);
  }
  ++m_pending.truncates;
}

void PostgresSink::on_schema(const core::control::Schema& schema) {
  simdjson::padded_string padded(schema.json);
  od::parser parser;
  od::document doc;
  od::object o;
  if (parser.iterate(padded).get(doc) || doc.get_object().get(o)) {
    return;
  }
  std::string table;
  SchemaInfo info;
  for (auto field : o) {
    std::string_view key;
    std::string_view text;
    if (field.unescaped_key().get(key)) {
      return;
    }
    if (key == "table" && field.value().get_string().get(text) == simdjson::SUCCESS) {
      table.assign(text);
    } else if (key == "columns") {
      od::array columns;
      if (field.value().get_array().get(columns)) {
        return;
      }
      for (auto item : columns) {
        od::object c;
        std::string name;
        std::string type;
        bool is_key = false;
        if (item.get_object().get(c)) {
          return;
        }
        for (auto cf : c) {
          std::string_view ck;
          if (cf.unescaped_key().get(ck)) {
            return;
          }
          if (ck == "name" && cf.value().get_string().get(text) == simdjson::SUCCESS) {
            name.assign(text);
          } else if (ck == "type" && cf.value().get_string().get(text) == simdjson::SUCCESS) {
            type.assign(text);
          } else if (ck == "key") {
            if (cf.value().get_bool().get(is_key)) {
              is_key = false;
            }
          }
        }
        if (!name.empty() && !type.empty()) {
          info.types[name] = type;
        }
        if (is_key) {
          info.keys.push_back(name);
        }
      }
    }
  }
  std::string target = m_options.table ? *m_options.table : table;
  if (target.empty()) {
    return;
  }
  // A schema change splits the batch: rows of the old shape are applied first.
  auto it = m_batch_index.find(target);
  if (it != m_batch_index.end() && !m_batches[it->second]->empty()) {
    begin();
    flush_table(*m_batches[it->second]);
  }
  SchemaInfo& known = m_schemas[target];
  for (auto& [name, type] : info.types) {
    known.types[name] = type;
  }
  if (!info.keys.empty()) {
    known.keys = info.keys;
  }
}

bool PostgresSink::is_own_store(core::CheckpointStore* store) const {
  auto* own = dynamic_cast<PgStore*>(store);
  return own != nullptr && own->identity() == m_describe;
}

void PostgresSink::commit(core::CheckpointStore* store, core::StoreEntry* record) {
  if (m_options.raw) {
    flush_raw();
  } else {
    flush_all();
  }
  m_events.clear();
  bool own = record != nullptr && is_own_store(store);
  if (record != nullptr) {
    record->state = "null";
    begin();
    // Durable when COMMIT returns, and dead letters before the position moves.
    m_conn.exec("SET LOCAL synchronous_commit = on", "configure the commit");
    m_bad.sync();
  }
  if (own) {
    if (!m_store_ready) {
      PgStore::create_table(m_conn);
      m_store_ready = true;
    }
    PgStore::write_entry(m_conn, *record);
  }
  if (m_in_txn) {
    m_conn.exec("COMMIT", "commit");
    m_in_txn = false;
  }
  m_total.add(m_pending);
  m_pending = {};
  if (record != nullptr && !own) {
    store->record(*record);
  }
}

void PostgresSink::rollback() {
  if (m_in_txn && !m_conn.is_broken()) {
    m_conn.run("ROLLBACK");
  }
  m_in_txn = false;
  m_pending = {};
  m_events.clear();
  m_batches.clear();
  m_batch_index.clear();
  m_raw.clear();
  m_raw_ids.clear();
  // The rollback may have undone DDL (tables, columns, stage tables).
  m_catalog.forget();
  m_store_ready = false;
  m_tombstones_ready = false;
}

std::string PostgresSink::summary() const {
  return m_total.summary(m_options.raw, m_options.if_newer.has_value(), m_options.delete_mode);
}

void PostgresSink::report(const std::vector<uint32_t>& events, const std::string& why) {
  for (uint32_t e : events) {
    const Logged& l = m_events[e];
    m_bad.report("stdin", l.line, l.raw, why);
  }
}

} // namespace sluice::connectors::postgres
