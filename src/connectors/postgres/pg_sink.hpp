// PostgresSink: `sluice sink postgres` — events into PostgreSQL tables,
// batched (DESIGN §4.3, sluice-sink(1)).
//
// Each event goes to --table or its own `table`. Events wait in per-table
// batches, compacted per key (sink_batch.hpp); at each commit every batch is
// COPYed into a temporary stage table and applied with one MERGE per column
// set (merge_sql.hpp), inside one transaction that, when the checkpoint store
// is this database's own, also records the position (synchronous_commit on
// for that transaction). A batch the database refuses is bisected under
// savepoints until the refused rows are found; their events are bad data
// (--on-error). Truncates and schema records split batches. --create makes
// missing tables and columns from schema records (or the JSON types);
// --raw lands (id, event jsonb) and ignores ids already stored.
// Not thread-safe; throws Error (usage for bad options, unavailable when the
// database cannot be reached, io for failed statements, data for bad events
// under --on-error fail).
#pragma once

#include "connectors/change_rules.hpp"
#include "connectors/postgres/pg_conn.hpp"
#include "connectors/postgres/sink_batch.hpp"
#include "connectors/postgres/sink_event.hpp"
#include "connectors/postgres/target_table.hpp"
#include "core/error_policy.hpp"
#include "core/log.hpp"
#include "core/sink_stage.hpp"

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace sluice::connectors::postgres {

struct PostgresSinkOptions {
  ConnectSpec connect;
  std::optional<std::string> table;   // --table
  std::vector<core::JsonPath> upsert; // --upsert
  std::optional<core::JsonPath> if_newer;
  DeleteMode delete_mode = DeleteMode::remove;
  bool create = false;
  bool raw = false;
};

class PostgresSink : public core::SinkTarget {
 public:
  PostgresSink(PostgresSinkOptions options, core::BadData& bad, const core::Log& log);

  // "postgres://host:port/db#table" (#* when events pick their tables).
  std::string default_sink_id() const override;
  std::string initial_state() override { return "null"; }
  void open(const core::StoreEntry*, const std::optional<core::control::BarrierId>&) override {}
  bool write(const core::Line& line, simdjson::ondemand::document& doc, std::string* why) override;
  void commit(core::CheckpointStore* store, core::StoreEntry* record) override;
  void rollback() override;
  void on_schema(const core::control::Schema& schema) override;
  std::string summary() const override;

 private:
  using Counts = SinkCounts;
  struct SchemaInfo {
    std::unordered_map<std::string, std::string> types;
    std::vector<std::string> keys;
  };
  struct Logged {
    uint64_t line = 0;
    std::string raw;
  };

  void begin();
  TableBatch& batch(const std::string& table);
  void flush_all();
  void flush_table(TableBatch& b);
  bool prepare_table(TableBatch& b, TargetTable& t, std::vector<size_t>* rows);
  std::string column_type(const TableBatch& b, const std::string& column, size_t index) const;
  void apply_rows(TableBatch& b, TargetTable& t, const std::vector<size_t>& rows);
  bool stage_and_merge(TableBatch& b, TargetTable& t, const std::vector<size_t>& rows,
                       Counts* counts, std::string* why);
  bool copy_in(const std::string& sql, const std::string& data, std::string* why);
  bool run_rows(const std::string& sql, uint64_t* affected, std::string* why);
  void report(const std::vector<uint32_t>& events, const std::string& why);
  void truncate(const std::string& table);
  void ensure_bookkeeping(TargetTable& t);
  bool is_own_store(core::CheckpointStore* store) const;

  bool write_raw(const core::Line& line, simdjson::ondemand::document& doc, std::string* why);
  void flush_raw();
  void apply_raw(const std::vector<size_t>& items);
  bool stage_raw(const std::vector<size_t>& items, Counts* counts, std::string* why);

  PostgresSinkOptions m_options;
  core::BadData& m_bad;
  const core::Log& m_log;
  std::string m_describe;
  PgConn m_conn;
  TargetCatalog m_catalog{m_conn};
  SinkEventReader m_reader;
  SinkEvent m_event;
  bool m_in_txn = false;
  bool m_store_ready = false;
  bool m_tombstones_ready = false;
  std::vector<Logged> m_events;
  std::vector<std::unique_ptr<TableBatch>> m_batches;
  std::unordered_map<std::string, size_t> m_batch_index;
  std::unordered_map<std::string, SchemaInfo> m_schemas;
  // --raw: (id, event) in arrival order, one per id.
  std::vector<std::pair<std::string, uint32_t>> m_raw;
  std::unordered_set<std::string> m_raw_ids;
  std::string m_copy;    // scratch: a COPY payload
  std::string m_scratch; // scratch: one value
  Counts m_pending;
  Counts m_total;
};

} // namespace sluice::connectors::postgres
