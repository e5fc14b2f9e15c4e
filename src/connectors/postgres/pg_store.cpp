#include "connectors/postgres/pg_store.hpp"

#include "core/error.hpp"

#include <charconv>
#include <fmt/format.h>

namespace sluice::connectors::postgres {

using core::Error;
using core::ExitCode;

namespace {

constexpr const char* k_columns = "source, sink, run, checkpoint, pos, state, updated";

int64_t to_i64(std::string_view text) {
  int64_t v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

core::StoreEntry read_entry(const PgResult& r, int row) {
  core::StoreEntry e;
  e.source = r.text(row, 0);
  e.sink = r.text(row, 1);
  if (!r.is_null(row, 2) && !r.is_null(row, 3)) {
    e.barrier = core::control::BarrierId{r.text(row, 2), static_cast<uint64_t>(to_i64(r.value(row, 3)))};
  }
  e.pos = r.text(row, 4);
  e.state = r.text(row, 5);
  e.updated_ms = to_i64(r.value(row, 6));
  return e;
}

std::vector<std::optional<std::string>> params_of(const core::StoreEntry& e) {
  std::vector<std::optional<std::string>> p{e.source, e.sink};
  if (e.barrier) {
    p.emplace_back(e.barrier->run);
    p.emplace_back(std::to_string(e.barrier->checkpoint));
  } else {
    p.emplace_back(std::nullopt);
    p.emplace_back(std::nullopt);
  }
  p.emplace_back(e.pos);
  p.emplace_back(e.state);
  p.emplace_back(std::to_string(e.updated_ms));
  return p;
}

} // namespace

PgStore::PgStore(std::string uri) : m_uri(std::move(uri)), m_describe(describe_uri(m_uri)) {}

PgConn& PgStore::conn() {
  if (m_conn.is_broken()) {
    m_conn = PgConn::connect({m_uri, std::nullopt, false, "sluice checkpoint store"});
    m_conn.exec("SET synchronous_commit = on", "configure the checkpoint store");
    m_table_ready = false;
  }
  return m_conn;
}

void PgStore::create_table(PgConn& conn) {
  conn.exec("CREATE TABLE IF NOT EXISTS _sluice_checkpoints (source text NOT NULL, sink text NOT "
            "NULL, run text, checkpoint bigint, pos text NOT NULL DEFAULT 'null', state text NOT "
            "NULL DEFAULT 'null', updated bigint NOT NULL, PRIMARY KEY (source, sink))",
            "create the table _sluice_checkpoints");
}

void PgStore::write_entry(PgConn& conn, const core::StoreEntry& entry) {
  conn.exec_params(fmt::format("INSERT INTO _sluice_checkpoints ({}) VALUES ($1, $2, $3, $4, $5, "
                               "$6, $7) ON CONFLICT (source, sink) DO UPDATE SET run = "
                               "excluded.run, checkpoint = excluded.checkpoint, pos = "
                               "excluded.pos, state = excluded.state, updated = excluded.updated",
                               k_columns),
                   params_of(entry), "record the checkpoint");
}

std::vector<core::StoreEntry> PgStore::read_entries(
    const std::string& sql, const std::vector<std::optional<std::string>>& params) {
  PgConn& c = conn();
  PgResult r = c.run_params(sql, params);
  if (!r.ok()) {
    if (r.sqlstate() == "42P01") { // no table yet: nothing recorded
      return {};
    }
    c.fail(r, "read the checkpoint store " + m_describe);
  }
  std::vector<core::StoreEntry> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(read_entry(r, i));
  }
  return out;
}

std::vector<core::StoreEntry> PgStore::entries(std::string_view source) {
  return read_entries(fmt::format("SELECT {} FROM _sluice_checkpoints WHERE source = $1 "
                                  "ORDER BY sink",
                                  k_columns),
                      {std::string(source)});
}

std::vector<core::StoreEntry> PgStore::all_entries() {
  // ORDER BY in bytes (COLLATE "C") to match the other stores.
  return read_entries(fmt::format("SELECT {} FROM _sluice_checkpoints ORDER BY source COLLATE "
                                  "\"C\", sink COLLATE \"C\"",
                                  k_columns),
                      {});
}

bool PgStore::remove(const std::string& source, const std::string& sink) {
  PgConn& c = conn();
  PgResult r = c.run_params("DELETE FROM _sluice_checkpoints WHERE source = $1 AND sink = $2",
                            {source, sink});
  if (!r.ok()) {
    if (r.sqlstate() == "42P01") {
      return false;
    }
    c.fail(r, "remove from the checkpoint store " + m_describe);
  }
  return std::string_view(PQcmdTuples(r.get())) != "0";
}

bool PgStore::lock_running(core::RunLock mode) {
  if (m_lock_conn.is_broken()) {
    m_lock_conn = PgConn::connect({m_uri, std::nullopt, false, "sluice checkpoint lock"});
  }
  // One key per table: the schema the store's table lives in, and its name.
  constexpr const char* k_key = "hashtextextended(current_schema() || '._sluice_checkpoints', 0)";
  if (mode == core::RunLock::shared) {
    m_lock_conn.exec(fmt::format("SELECT pg_advisory_lock_shared({})", k_key),
                     "lock the checkpoint store " + m_describe);
    return true;
  }
  PgResult r = m_lock_conn.exec(fmt::format("SELECT pg_try_advisory_lock({})", k_key),
                                "lock the checkpoint store " + m_describe);
  return r.rows() == 1 && r.value(0, 0) == "t";
}

core::StoreEntry PgStore::register_sink(const std::string& source, const std::string& sink,
                                        const std::string& state) {
  PgConn& c = conn();
  if (!m_table_ready) {
    create_table(c);
    m_table_ready = true;
  }
  core::StoreEntry added{source, sink, std::nullopt, "null", state, core::wall_clock_ms()};
  auto params = params_of(added);
  c.exec_params(fmt::format("INSERT INTO _sluice_checkpoints ({}) VALUES ($1, $2, $3, $4, $5, $6, "
                            "$7) ON CONFLICT (source, sink) DO NOTHING",
                            k_columns),
                params, "register in the checkpoint store");
  PgResult r = c.exec_params(fmt::format("SELECT {} FROM _sluice_checkpoints WHERE source = $1 "
                                         "AND sink = $2",
                                         k_columns),
                             {source, sink}, "read the checkpoint store");
  if (r.rows() != 1) {
    throw Error(ExitCode::io, "register in the checkpoint store: the entry vanished");
  }
  return read_entry(r, 0);
}

void PgStore::record(const core::StoreEntry& entry) {
  PgConn& c = conn();
  if (!m_table_ready) {
    create_table(c);
    m_table_ready = true;
  }
  write_entry(c, entry);
}

} // namespace sluice::connectors::postgres
