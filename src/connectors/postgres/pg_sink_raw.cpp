// PostgresSink --raw: each event landed as (id, event jsonb), ids already
// stored ignored (streaming ELT).
#include "connectors/postgres/pg_sink.hpp"

#include "connectors/event_json.hpp"
#include "core/error.hpp"

#include <fmt/format.h>

namespace sluice::connectors::postgres {

namespace od = simdjson::ondemand;

bool PostgresSink::write_raw(const core::Line& line, od::document& doc, std::string* why) {
  std::string_view text;
  if (!read_event_id(doc, &text, why)) {
    return false;
  }
  std::string key(text);
  if (!m_raw_ids.insert(key).second) {
    ++m_pending.duplicates; // the same id earlier in this batch
    return true;
  }
  m_raw.emplace_back(std::move(key), static_cast<uint32_t>(m_events.size()));
  m_events.push_back({line.number, std::string(line.text)});
  return true;
}

void PostgresSink::flush_raw() {
  if (m_raw.empty()) {
    return;
  }
  begin();
  TargetTable& t = m_catalog.get(*m_options.table);
  if (!t.exists) {
    m_conn.exec(fmt::format("CREATE TABLE IF NOT EXISTS {} (id text PRIMARY KEY, event jsonb NOT "
                            "NULL)",
                            t.quoted),
                fmt::format("create table {}", t.quoted));
    m_catalog.reload(t);
  }
  if (t.find("id") == nullptr || t.find("event") == nullptr) {
    throw core::Error(core::ExitCode::data,
                      fmt::format("table {} is not a --raw table (id text PRIMARY KEY, event jsonb)",
                                  t.quoted));
  }
  m_catalog.ensure_stage(t, {"id", "event"});
  std::vector<size_t> items(m_raw.size());
  for (size_t i = 0; i < items.size(); ++i) {
    items[i] = i;
  }
  apply_raw(items);
  m_raw.clear();
  m_raw_ids.clear();
}

void PostgresSink::apply_raw(const std::vector<size_t>& items) {
  if (items.empty()) {
    return;
  }
  m_conn.exec("SAVEPOINT sluice_rows", "set a savepoint");
  Counts counts;
  std::string why;
  if (stage_raw(items, &counts, &why)) {
    m_conn.exec("RELEASE SAVEPOINT sluice_rows", "release a savepoint");
    m_pending.add(counts);
    return;
  }
  m_conn.exec("ROLLBACK TO SAVEPOINT sluice_rows", "roll back to a savepoint");
  m_conn.exec("RELEASE SAVEPOINT sluice_rows", "release a savepoint");
  if (items.size() == 1) {
    report({m_raw[items[0]].second}, "postgresql: " + why);
    return;
  }
  size_t half = items.size() / 2;
  apply_raw(std::vector<size_t>(items.begin(), items.begin() + static_cast<long>(half)));
  apply_raw(std::vector<size_t>(items.begin() + static_cast<long>(half), items.end()));
}

bool PostgresSink::stage_raw(const std::vector<size_t>& items, Counts* counts, std::string* why) {
  TargetTable& t = m_catalog.get(*m_options.table);
  m_catalog.empty_stage(t);
  m_copy.clear();
  for (size_t i : items) {
    const auto& [id, event] = m_raw[i];
    m_copy += "\\N\t\\N\t\\N\t0\t";
    append_copy_escaped(&m_copy, id);
    m_copy.push_back('\t');
    append_copy_escaped(&m_copy, m_events[event].raw);
    m_copy.push_back('\n');
  }
  if (!copy_in(fmt::format("COPY {} (_op, _ord, _key, _g, \"id\", \"event\") FROM STDIN", t.stage),
               m_copy, why)) {
    return false;
  }
  uint64_t landed = 0;
  if (!run_rows(fmt::format("INSERT INTO {} (id, event) SELECT id, event::jsonb FROM {} ON "
                            "CONFLICT (id) DO NOTHING",
                            t.quoted, t.stage),
                &landed, why)) {
    return false;
  }
  counts->landed += landed;
  counts->duplicates += items.size() - landed;
  return true;
}

} // namespace sluice::connectors::postgres
