// PostgresCapture: identity, positions and the start rules (DESIGN §4.4).
#include "connectors/postgres/pg_capture.hpp"

#include "connectors/postgres/lsn.hpp"
#include "core/control.hpp"
#include "core/error.hpp"
#include "core/signals.hpp"
#include "core/units.hpp"

#include <fmt/format.h>
#include <simdjson.h>
#include <thread>

namespace sluice::connectors::postgres {

using core::Error;
using core::ExitCode;
using std::chrono::milliseconds;

namespace {

constexpr milliseconds k_max_backoff{30000};

int rank(PgPosition::Kind k) {
  switch (k) {
  case PgPosition::Kind::snapshot:
    return 1;
  case PgPosition::Kind::snapshot_complete:
    return 2;
  case PgPosition::Kind::lsn:
    return 3;
  default:
    return 0;
  }
}

} // namespace

PgPosition parse_position(std::string_view json) {
  PgPosition p;
  if (json == "null") {
    return p;
  }
  p.kind = PgPosition::Kind::invalid;
  simdjson::padded_string padded(json);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  if (parser.iterate(padded).get(doc)) {
    return p;
  }
  std::string_view text;
  if (doc.get_string().get(text) == simdjson::SUCCESS) {
    if (parse_lsn(text, &p.lsn)) {
      p.kind = PgPosition::Kind::lsn;
    }
    return p;
  }
  doc.rewind();
  simdjson::ondemand::object o;
  if (doc.get_object().get(o)) {
    return p;
  }
  bool complete = false;
  bool has_lsn = false;
  for (auto field : o) {
    std::string_view key;
    if (field.unescaped_key().get(key)) {
      return p;
    }
    if (key == "snapshot" && field.value().get_string().get(text) == simdjson::SUCCESS) {
      has_lsn = parse_lsn(text, &p.lsn);
    } else if (key == "complete") {
      bool b = false;
      complete = field.value().get_bool().get(b) == simdjson::SUCCESS && b;
    }
  }
  if (has_lsn) {
    p.kind = complete ? PgPosition::Kind::snapshot_complete : PgPosition::Kind::snapshot;
  }
  return p;
}

PostgresCapture::PostgresCapture(PostgresCaptureOptions options, const core::Log& log)
    : m_options(std::move(options)), m_log(log), m_source(describe_uri(m_options.connect.uri)),
      m_writer(m_types, m_options.values, m_source),
      m_changes(m_writer, [this](const RelationMessage& m) { return resolve(m); },
                [this](const RelationInfo& rel, core::Emitter& out) { emit_schema(rel, out); }) {}

PostgresCapture::~PostgresCapture() { m_stream.reset(); }

std::string PostgresCapture::source_id() const {
  return m_options.source_id ? *m_options.source_id : m_source + "#" + m_options.slot;
}

int PostgresCapture::compare_pos(std::string_view a, std::string_view b) const {
  PgPosition pa = parse_position(a);
  PgPosition pb = parse_position(b);
  if (rank(pa.kind) != rank(pb.kind)) {
    return rank(pa.kind) < rank(pb.kind) ? -1 : 1;
  }
  return pa.lsn < pb.lsn ? -1 : (pa.lsn > pb.lsn ? 1 : 0);
}

std::string PostgresCapture::position() const {
  switch (m_phase) {
  case Phase::snapshot:
    return m_snapshot->position_json();
  case Phase::streaming:
    return fmt::format("\"{}\"", format_lsn(m_changes.position()));
  case Phase::done:
    if (m_options.snapshot == SnapshotMode::only) {
      return fmt::format("{{\"snapshot\":\"{}\",\"complete\":true}}", format_lsn(m_snapshot_lsn));
    }
    return fmt::format("\"{}\"", format_lsn(m_changes.position()));
  default:
    return "null";
  }
}

void PostgresCapture::sleep_before_retry(int attempt, const std::string& why) {
  milliseconds delay = std::min(k_max_backoff, milliseconds(500) * (1 << std::min(attempt, 10)));
  m_log.warn("{}: retrying in {} ({} of {})", why, core::format_duration(delay), attempt + 1,
             m_options.retries);
  auto until = core::Clock::now() + delay;
  while (core::Clock::now() < until) {
    core::signals::check_hard_exit();
    if (core::signals::stop_requested()) {
      throw Error(ExitCode::temporary, "stopped while waiting to retry: " + why);
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
}

template <class F>
auto PostgresCapture::with_retries(const std::string& what, F&& attempt) {
  for (int n = 0;; ++n) {
    try {
      return attempt();
    } catch (const Error& e) {
      if (e.code() != ExitCode::temporary) {
        throw;
      }
      if (n >= m_options.retries) {
        throw Error(ExitCode::unavailable,
                    fmt::format("{}: {} (gave up after {} retries; see --retries)", what, e.what(),
                                m_options.retries));
      }
      sleep_before_retry(n, e.what());
    }
  }
}

namespace {

// A connection that cannot be made now may be made later: temporary, retried.
PgConn connect_or_retry(const ConnectSpec& spec) {
  try {
    return PgConn::connect(spec);
  } catch (const Error& e) {
    throw Error(ExitCode::temporary, e.what());
  }
}

} // namespace

PgConn& PostgresCapture::sql() {
  if (m_sql.is_broken()) {
    m_sql = with_retries("connect", [&] { return connect_or_retry(m_options.connect); });
  }
  return m_sql;
}

PgConn PostgresCapture::connect_replication() {
  ConnectSpec spec = m_options.connect;
  spec.replication = true;
  return connect_or_retry(spec);
}

// The checks and settings every start needs: the server, the types, the
// publication and --stop-at.
void PostgresCapture::prepare() {
  sql();
  if (m_options.snapshot != SnapshotMode::only) {
    check_logical_decoding(m_sql);
  }
  PgResult enc = m_sql.exec("SELECT current_setting('server_encoding'), current_database()",
                            "read the server encoding");
  m_options.values.check_utf8 = enc.value(0, 0) != "UTF8";
  m_database = enc.text(0, 1);
  m_writer.set_value_options(m_options.values);
  m_types.add_catalog(m_catalog.types());
  if (ensure_publication(m_sql, m_options.publication, m_options.tables)) {
    m_log.info("created publication \"{}\" for {}", m_options.publication,
               m_options.tables.empty() ? std::string("all tables")
                                        : fmt::format("{} tables", m_options.tables.size()));
  } else if (!m_options.tables.empty()) {
    m_log.info("publication \"{}\" exists: capturing its tables (--tables and --row-filter "
               "apply only when sluice creates it)",
               m_options.publication);
  }
  if (m_options.stop_at) {
    uint64_t lsn = 0;
    if (*m_options.stop_at == "now") {
      PgResult r = m_sql.exec("SELECT pg_current_wal_lsn()", "read the WAL position");
      parse_lsn(r.value(0, 0), &lsn);
    } else {
      parse_lsn(*m_options.stop_at, &lsn);
    }
    m_stop_lsn = lsn;
  }
}

void PostgresCapture::seek(const std::string& pos) {
  prepare();
  PgPosition p = parse_position(pos);
  switch (p.kind) {
  case PgPosition::Kind::none: {
    if (m_options.snapshot == SnapshotMode::only) {
      start_snapshot_only(false);
      return;
    }
    SlotState slot = find_slot(m_sql, m_options.slot);
    if (slot.exists) {
      start_from_slot(slot);
    } else {
      start_new_slot(false);
    }
    return;
  }
  case PgPosition::Kind::snapshot:
    m_log.warn("the stored position {} was taken in the middle of a snapshot: starting the "
               "snapshot over (a truncate event goes before each table's rows, so rows deleted "
               "meanwhile do not survive downstream)",
               pos);
    m_started_over = true;
    if (m_options.snapshot == SnapshotMode::only) {
      start_snapshot_only(true);
    } else {
      start_new_slot(true);
    }
    return;
  case PgPosition::Kind::snapshot_complete:
    if (m_options.snapshot != SnapshotMode::only) {
      throw Error(ExitCode::unavailable,
                  fmt::format("the stored position {} is the end of a --snapshot only run: no "
                              "slot holds the changes after it (remove this source's entries from "
                              "the checkpoint store to start over)",
                              pos));
    }
    m_log.info("the snapshot was already complete at {}: nothing to do", pos);
    m_snapshot_lsn = p.lsn;
    m_phase = Phase::done;
    return;
  case PgPosition::Kind::lsn:
    if (m_options.snapshot == SnapshotMode::only) {
      throw Error(ExitCode::usage, fmt::format("--snapshot only cannot resume from the streaming "
                                               "position {} stored for {}",
                                               pos, source_id()));
    }
    resume_at(p.lsn);
    return;
  default:
    throw Error(ExitCode::data,
                fmt::format("stored position {} is not a position of {}", pos, source_id()));
  }
}

void PostgresCapture::seek_beginning() {
  prepare();
  if (m_options.snapshot == SnapshotMode::only) {
    start_snapshot_only(true);
    return;
  }
  SlotState slot = find_slot(m_sql, m_options.slot);
  if (slot.exists) {
    check_slot(slot);
  }
  if (slot.exists && m_options.snapshot == SnapshotMode::initial) {
    m_log.warn("a sink in the store has recorded nothing yet and slot \"{}\" exists: a previous "
               "run ended before its first checkpoint, so the slot is dropped and the snapshot "
               "starts over (a truncate event goes before each table's rows)",
               m_options.slot);
    m_started_over = true;
    start_new_slot(true);
    return;
  }
  if (slot.exists) {
    start_from_slot(slot);
    return;
  }
  start_new_slot(false);
}

void PostgresCapture::check_slot(const SlotState& slot) {
  if (slot.database != m_database) {
    throw Error(ExitCode::unavailable,
                fmt::format("slot \"{}\" belongs to database \"{}\", not \"{}\": give another "
                            "--slot",
                            m_options.slot, slot.database, m_database));
  }
  if (slot.plugin != "pgoutput") {
    throw Error(ExitCode::unavailable,
                fmt::format("slot \"{}\" uses the plugin {}, not pgoutput: give another --slot",
                            m_options.slot, slot.plugin));
  }
  if (slot.lost) {
    throw Error(ExitCode::unavailable,
                fmt::format("slot \"{}\" was invalidated (its WAL is gone, see "
                            "max_slot_wal_keep_size): drop it to start over with a new snapshot",
                            m_options.slot));
  }
}

void PostgresCapture::start_from_slot(const SlotState& slot) {
  check_slot(slot);
  m_log.info("no position stored: starting from slot \"{}\" at its confirmed_flush_lsn {}",
             m_options.slot, format_lsn(slot.confirmed_flush));
  begin_streaming(slot.confirmed_flush);
}

void PostgresCapture::resume_at(uint64_t lsn) {
  SlotState slot = find_slot(m_sql, m_options.slot);
  std::string at = format_lsn(lsn);
  if (!slot.exists) {
    throw Error(ExitCode::unavailable,
                fmt::format("slot \"{}\" is gone, so the changes after the stored position {} "
                            "cannot be read: remove this source's entries from the checkpoint "
                            "store to start over with a new slot and snapshot",
                            m_options.slot, at));
  }
  check_slot(slot);
  if (slot.confirmed_flush > lsn) {
    throw Error(ExitCode::unavailable,
                fmt::format("slot \"{}\" was acknowledged up to {}, past the stored position {} "
                            "(another consumer of the slot?): the changes in between cannot be "
                            "read again",
                            m_options.slot, format_lsn(slot.confirmed_flush), at));
  }
  m_log.info("resuming slot \"{}\" after {}", m_options.slot, at);
  m_acked = lsn;
  begin_streaming(lsn);
}

void PostgresCapture::start_new_slot(bool redo) {
  bool snapshot = m_options.snapshot == SnapshotMode::initial;
  if (redo) {
    SlotState old = find_slot(m_sql, m_options.slot);
    if (old.exists) {
      check_slot(old); // never drop another database's slot
    }
  }
  CreatedSlot created = with_retries("create the slot", [&] {
    m_repl = connect_replication();
    if (redo) {
      drop_slot(m_repl, m_options.slot);
    }
    return create_slot(m_repl, m_options.slot, m_options.temporary_slot, snapshot);
  });
  m_log.info("created {}slot \"{}\" at {}", m_options.temporary_slot ? "temporary " : "",
             m_options.slot, format_lsn(created.consistent_point));
  m_acked = created.consistent_point;
  if (!snapshot) {
    begin_streaming(created.consistent_point);
    return;
  }
  m_snapshot = std::make_unique<SnapshotReader>(
      m_sql, m_writer, SnapshotOptions{m_options.publication, m_source, redo},
      [this](const RelationInfo& rel, core::Emitter& out) { emit_schema(rel, out); });
  m_snapshot->begin(created.snapshot_name, created.consistent_point);
  m_log.info("snapshot of {} tables at {}", m_snapshot->tables(),
             format_lsn(created.consistent_point));
  m_phase = Phase::snapshot;
}

void PostgresCapture::start_snapshot_only(bool redo) {
  m_snapshot = std::make_unique<SnapshotReader>(
      m_sql, m_writer, SnapshotOptions{m_options.publication, m_source, redo},
      [this](const RelationInfo& rel, core::Emitter& out) { emit_schema(rel, out); });
  m_snapshot->begin("", 0);
  m_snapshot_lsn = m_snapshot->lsn();
  m_log.info("snapshot of {} tables at {} (--snapshot only)", m_snapshot->tables(),
             format_lsn(m_snapshot_lsn));
  m_phase = Phase::snapshot;
}

void PostgresCapture::begin_streaming(uint64_t lsn) {
  m_changes.reset(lsn, m_stop_lsn);
  m_phase = Phase::streaming;
  if (m_changes.is_done()) {
    m_phase = Phase::done;
    return;
  }
  StreamStart start{m_options.slot, m_options.publication, lsn, m_options.stream_large};
  m_stream = with_retries("start replication", [&] {
    PgConn conn = m_repl ? std::move(m_repl) : connect_replication();
    start_replication(conn, start);
    return std::make_unique<ReplicationStream>(std::move(conn), m_acked,
                                               m_options.status_interval);
  });
  auto now = core::Clock::now();
  m_next_heartbeat = now + m_options.heartbeat;
  m_next_lag_check = now;
  m_acked_at = now;
}

// The catalog queries run on the SQL session, which may have been cut while the
// stream was idle (libpq notices only when a query fails): then it is opened
// again, with the usual retries, and the lookup is repeated once.
RelationInfo PostgresCapture::resolve(const RelationMessage& m) {
  for (int attempt = 0;; ++attempt) {
    sql();
    try {
      for (const auto& c : m.columns) {
        if (!m_types.knows(c.type_oid)) {
          m_types.add_catalog(m_catalog.types()); // a type created after the capture started
          break;
        }
      }
      return relation_from_message(m, m_catalog, m_source);
    } catch (const Error& e) {
      if (attempt > 0 || e.code() != ExitCode::unavailable || !m_sql.is_broken()) {
        throw;
      }
      m_log.warn("{}: reconnecting", e.what());
    }
  }
}

void PostgresCapture::emit_schema(const RelationInfo& rel, core::Emitter& out) {
  if (!m_options.schema_records) {
    return;
  }
  std::string& last = m_schemas[rel.table];
  if (last == rel.schema_json) {
    return;
  }
  last = rel.schema_json;
  out.control(core::control::make_schema({rel.schema_json}));
}

} // namespace sluice::connectors::postgres
