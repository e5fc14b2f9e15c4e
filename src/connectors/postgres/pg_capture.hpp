// PostgresCapture: `sluice capture postgres` — log-based CDC from a logical
// replication slot with the built-in pgoutput plugin (DESIGN §4.4,
// sluice-capture(1)).
//
// Start rules: a position from the store wins (its slot must still serve it,
// else exit 69 with a hint; a position taken in the middle of a snapshot
// drops and recreates the slot and redoes the snapshot, announced with a
// start record whose resume is null); without one, the slot's own position;
// without a slot, a new slot — and with --snapshot initial its exported
// snapshot, read before streaming from exactly the slot's consistent point.
// Barriers come only between transactions (produce() never returns inside
// one); positions are "X/Y" LSN strings, or {"snapshot":"X/Y"} during a
// snapshot. The session thread (ReplicationStream) answers keepalives while
// stdout is blocked; acknowledge() moves the slot's confirmed_flush_lsn.
// A lost connection is retried with backoff from the last emitted
// transaction, up to --retries, then 69. Not thread-safe; throws Error.
#pragma once

#include "connectors/postgres/change_format.hpp"
#include "connectors/postgres/change_stream.hpp"
#include "connectors/postgres/pg_conn.hpp"
#include "connectors/postgres/publication.hpp"
#include "connectors/postgres/replication_stream.hpp"
#include "connectors/postgres/slot.hpp"
#include "connectors/postgres/snapshot.hpp"
#include "core/capture_stage.hpp"
#include "core/error.hpp"
#include "core/log.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

namespace sluice::connectors::postgres {

enum class SnapshotMode { initial, never, only };

struct PostgresCaptureOptions {
  ConnectSpec connect;
  std::string slot = "sluice";
  std::string publication = "sluice";
  std::vector<TableSpec> tables;
  SnapshotMode snapshot = SnapshotMode::initial;
  bool temporary_slot = false;
  bool stream_large = false;
  ValueOptions values;
  std::chrono::milliseconds heartbeat{0};    // 0: none
  std::optional<std::string> stop_at;        // "now" or an LSN
  uint64_t max_ack_lag = 0;                  // bytes; 0: never stop
  std::chrono::milliseconds max_ack_stall{300000};
  int retries = 5;
  std::chrono::milliseconds status_interval{10000};
  std::optional<std::string> source_id;
  bool schema_records = true; // false with --no-control
};

// A position of this source, parsed.
struct PgPosition {
  enum class Kind { none, snapshot, snapshot_complete, lsn, invalid };
  Kind kind = Kind::none;
  uint64_t lsn = 0;
};
PgPosition parse_position(std::string_view json);

class PostgresCapture : public core::CaptureSource {
 public:
  PostgresCapture(PostgresCaptureOptions options, const core::Log& log);
  ~PostgresCapture() override;

  // "postgres://host:port/db#slot" unless --source-id says otherwise.
  std::string source_id() const override;
  int compare_pos(std::string_view a, std::string_view b) const override;
  void seek(const std::string& pos) override;
  void seek_beginning() override;
  bool started_over() const override { return m_started_over; }
  core::Produced produce(core::Emitter& out, core::Clock::time_point until) override;
  std::string position() const override;
  int wait_fd() const override { return m_stream ? m_stream->fd() : -1; }
  std::optional<core::Clock::time_point> wake_at() const override;
  void acknowledge(const std::string& pos) override;
  bool acknowledges_progress() const override { return true; }

 private:
  enum class Phase { idle, snapshot, streaming, done };

  // Startup (pg_capture_start.cpp).
  void prepare();
  void check_slot(const SlotState& slot);
  void start_from_slot(const SlotState& slot);
  void start_new_slot(bool redo);
  void start_snapshot_only(bool redo);
  void resume_at(uint64_t lsn);
  void begin_streaming(uint64_t lsn);
  PgConn connect_replication();
  void emit_schema(const RelationInfo& rel, core::Emitter& out);
  RelationInfo resolve(const RelationMessage& m);
  template <class F>
  auto with_retries(const std::string& what, F&& attempt);
  void sleep_before_retry(int attempt, const std::string& why);

  // Running (pg_capture_stream.cpp).
  core::Produced produce_snapshot(core::Emitter& out, core::Clock::time_point until);
  core::Produced produce_stream(core::Emitter& out, core::Clock::time_point until);
  bool next_batch();
  void wait_in_transaction();
  void reconnect(const core::Error& cause);
  void run_timers();
  void check_ack_lag();
  PgConn& sql();

  PostgresCaptureOptions m_options;
  const core::Log& m_log;
  std::string m_source; // postgres://host:port/db
  std::string m_database;
  PgConn m_sql;
  PgConn m_repl; // a replication connection not streaming yet (it holds an exported snapshot)
  TypeRegistry m_types;
  Catalog m_catalog{m_sql};
  ChangeWriter m_writer;
  ChangeStream m_changes;
  std::unique_ptr<SnapshotReader> m_snapshot;
  std::unique_ptr<ReplicationStream> m_stream;
  std::unordered_map<std::string, std::string> m_schemas; // table -> last schema record sent

  Phase m_phase = Phase::idle;
  bool m_started_over = false;
  std::optional<uint64_t> m_stop_lsn;
  uint64_t m_snapshot_lsn = 0; // --snapshot only: its position once complete
  WalBatch m_batch;
  size_t m_batch_at = 0;
  uint64_t m_acked = 0;
  core::Clock::time_point m_acked_at = core::Clock::now();
  core::Clock::time_point m_next_heartbeat{};
  core::Clock::time_point m_next_lag_check{};
  bool m_lag_warned = false;
  int m_reconnects = 0;         // reconnects in a row without progress
  uint64_t m_reconnected_at = 0; // the position of the last reconnect
};

} // namespace sluice::connectors::postgres
