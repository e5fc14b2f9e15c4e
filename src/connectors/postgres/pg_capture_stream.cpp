// PostgresCapture: producing events — the snapshot, then the replication
// stream — and the timers that run while it waits (heartbeat, ack lag).
#include "connectors/postgres/pg_capture.hpp"

#include "connectors/postgres/lsn.hpp"
#include "core/error.hpp"
#include "core/signals.hpp"
#include "core/stage_counters.hpp"
#include "core/units.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <poll.h>

namespace sluice::connectors::postgres {

using core::Error;
using core::ExitCode;
using core::Produced;
using std::chrono::milliseconds;

namespace {

// Messages applied between two looks at the clock.
constexpr int k_clock_messages = 64;
constexpr milliseconds k_lag_check_max{10000};
constexpr milliseconds k_lag_check_min{100};
constexpr milliseconds k_txn_wait{100};

} // namespace

Produced PostgresCapture::produce(core::Emitter& out, core::Clock::time_point until) {
  switch (m_phase) {
  case Phase::snapshot:
    return produce_snapshot(out, until);
  case Phase::streaming:
    return produce_stream(out, until);
  default:
    return Produced::done;
  }
}

Produced PostgresCapture::produce_snapshot(core::Emitter& out, core::Clock::time_point until) {
  if (!m_snapshot->produce(out, until)) {
    return Produced::more;
  }
  m_log.info("snapshot complete: {} rows", m_snapshot->rows());
  uint64_t lsn = m_snapshot->lsn();
  m_snapshot.reset();
  if (m_options.snapshot == SnapshotMode::only) {
    m_phase = Phase::done;
    return Produced::done;
  }
  begin_streaming(lsn);
  return m_phase == Phase::done ? Produced::done : Produced::more;
}

Produced PostgresCapture::produce_stream(core::Emitter& out, core::Clock::time_point until) {
  int since_clock = 0;
  for (;;) {
    if (m_batch_at >= m_batch.size()) {
      m_batch.clear();
      m_batch_at = 0;
      if (!next_batch()) {
        if (m_changes.in_transaction()) {
          wait_in_transaction();
          continue;
        }
        run_timers();
        return Produced::idle;
      }
    }
    while (m_batch_at < m_batch.size()) {
      if (!m_changes.apply(m_batch[m_batch_at++], out)) {
        m_log.info("reached --stop-at {}", format_lsn(*m_stop_lsn));
        m_phase = Phase::done;
        return Produced::done;
      }
      if (++since_clock >= k_clock_messages && !m_changes.in_transaction()) {
        since_clock = 0;
        if (core::Clock::now() >= until) {
          run_timers();
          return Produced::more;
        }
      }
    }
  }
}

// The next batch of the stream; false when none waits. A lost connection is
// re-established here, from the last complete transaction.
bool PostgresCapture::next_batch() {
  try {
    bool got = m_stream->next(&m_batch);
    if (got && m_changes.position() != m_reconnected_at) {
      m_reconnects = 0; // the stream moved since the last reconnect: it works
    }
    return got;
  } catch (const Error& e) {
    if (e.code() != ExitCode::temporary) {
      throw;
    }
    reconnect(e);
    return false;
  }
}

// Starts the stream again from the last complete transaction, with backoff;
// gives up after --retries attempts in a row that made no progress.
void PostgresCapture::reconnect(const Error& cause) {
  uint64_t pos = m_changes.position();
  m_batch.clear();
  m_batch_at = 0;
  m_stream.reset();
  if (m_reconnects >= m_options.retries) {
    throw Error(ExitCode::unavailable, fmt::format("{} (gave up after {} retries; see --retries)",
                                                   cause.what(), m_options.retries));
  }
  sleep_before_retry(m_reconnects++, fmt::format("{}: reconnecting from {}", cause.what(),
                                                 format_lsn(pos)));
  m_reconnected_at = pos;
  begin_streaming(pos);
}

// Inside a transaction produce() may not return: wait for its next messages.
void PostgresCapture::wait_in_transaction() {
  core::signals::check_hard_exit();
  pollfd p{m_stream->fd(), POLLIN, 0};
  poll(&p, 1, static_cast<int>(k_txn_wait.count()));
}

std::optional<core::Clock::time_point> PostgresCapture::wake_at() const {
  if (m_phase != Phase::streaming) {
    return std::nullopt;
  }
  std::optional<core::Clock::time_point> at;
  if (m_options.heartbeat.count() > 0) {
    at = m_next_heartbeat;
  }
  if (m_options.max_ack_lag > 0 && (!at || m_next_lag_check < *at)) {
    at = m_next_lag_check;
  }
  return at;
}

void PostgresCapture::run_timers() {
  auto now = core::Clock::now();
  if (m_options.heartbeat.count() > 0 && now >= m_next_heartbeat) {
    m_next_heartbeat = now + m_options.heartbeat;
    // Non-transactional: it writes WAL (so the slot and its lag move on an idle
    // database) without a transaction for the stream to carry.
    PgResult r = sql().run("SELECT pg_logical_emit_message(false, 'sluice.heartbeat', '')");
    if (!r.ok()) {
      m_log.warn("heartbeat on {}: {}", m_sql.describe(), r.message());
    }
  }
  if (m_options.max_ack_lag > 0 && now >= m_next_lag_check) {
    // A few looks per --max-ack-stall, at most every 10s.
    m_next_lag_check = now + std::clamp(m_options.max_ack_stall / 5, k_lag_check_min,
                                        k_lag_check_max);
    check_ack_lag();
  }
}

// --max-ack-lag: the slot holds more than SIZE and the acknowledged position
// has not moved for --max-ack-stall: warn, then stop with 75.
void PostgresCapture::check_ack_lag() {
  PgResult r = sql().run_params(
      "SELECT coalesce(pg_current_wal_lsn() - confirmed_flush_lsn, 0)::text, "
      "coalesce(wal_status, '') FROM pg_replication_slots WHERE slot_name = $1",
      {m_options.slot});
  if (!r.ok()) { // a cut session is opened again by the next look
    m_log.warn("read the lag of slot \"{}\" on {}: {}", m_options.slot, m_sql.describe(),
               r.message());
    return;
  }
  if (r.rows() == 0) {
    throw Error(ExitCode::unavailable,
                fmt::format("slot \"{}\" was dropped while the capture ran", m_options.slot));
  }
  uint64_t lag = std::strtoull(r.text(0, 0).c_str(), nullptr, 10);
  core::stage_counters().set_source_lag(static_cast<int64_t>(lag), core::LagUnit::bytes); // --metrics
  auto stalled = core::Clock::now() - m_acked_at;
  if (lag <= m_options.max_ack_lag) {
    m_lag_warned = false;
    return;
  }
  if (stalled < m_options.max_ack_stall) {
    if (!m_lag_warned && stalled >= m_options.max_ack_stall / 2) {
      m_lag_warned = true;
      m_log.warn("slot \"{}\" holds {} of WAL and the acknowledged position {} has not moved for "
                 "{}: stopping at --max-ack-stall {} unless the sinks catch up",
                 m_options.slot, core::format_size(lag), format_lsn(m_acked),
                 core::format_duration(std::chrono::duration_cast<std::chrono::microseconds>(stalled)),
                 core::format_duration(m_options.max_ack_stall));
    }
    return;
  }
  m_log.warn("slot \"{}\" holds {} of WAL (--max-ack-lag {}) and the acknowledged position {} "
             "has not moved for {}",
             m_options.slot, core::format_size(lag), core::format_size(m_options.max_ack_lag),
             format_lsn(m_acked), core::format_duration(m_options.max_ack_stall));
  throw Error(ExitCode::temporary,
              fmt::format("the sinks stopped acknowledging slot \"{}\" (is a registered sink "
                          "stuck or gone?)",
                          m_options.slot));
}

void PostgresCapture::acknowledge(const std::string& pos) {
  PgPosition p = parse_position(pos);
  if (p.kind != PgPosition::Kind::lsn || p.lsn <= m_acked) {
    return;
  }
  m_acked = p.lsn;
  m_acked_at = core::Clock::now();
  m_lag_warned = false;
  if (m_stream) {
    m_stream->acknowledge(p.lsn);
  }
}

} // namespace sluice::connectors::postgres
