#include "connectors/postgres/change_stream.hpp"

#include "connectors/postgres/lsn.hpp"
#include "core/error.hpp"

#include <fmt/format.h>

namespace sluice::connectors::postgres {

using core::Error;
using core::ExitCode;

ChangeStream::ChangeStream(ChangeWriter& writer, Resolve resolve, EmitSchema emit_schema)
    : m_writer(writer), m_resolve(std::move(resolve)), m_emit_schema(std::move(emit_schema)) {}

void ChangeStream::reset(uint64_t pos, std::optional<uint64_t> stop_lsn) {
  m_pos = pos;
  m_stop = stop_lsn;
  m_done = m_stop && m_pos >= *m_stop;
  m_in_txn = false;
  m_skip_txn = false;
  m_streamed.clear();
  m_buffered_bytes = 0;
  m_stream_xid = 0;
  m_decoder = Decoder();
}

bool ChangeStream::apply(WalMessage& w, core::Emitter& out) {
  if (m_done) {
    return false;
  }
  if (w.keepalive) {
    // Only between transactions, and with nothing buffered, can the server's
    // position be a place to resume from.
    if (!m_in_txn && m_streamed.empty() && w.wal_end > m_pos) {
      m_pos = w.wal_end;
    }
    m_done = m_stop && !m_in_txn && m_streamed.empty() && w.wal_end >= *m_stop;
    return !m_done;
  }
  std::string why;
  bool was_in_stream = m_decoder.in_stream();
  if (!m_decoder.decode(w.payload(), &m_message, &why)) {
    throw Error(ExitCode::unavailable,
                fmt::format("replication stream at {}: {}", format_lsn(w.wal_start), why));
  }
  if (was_in_stream && m_message.kind != MessageKind::stream_stop) {
    // A message of a streamed transaction: kept until its commit or abort.
    m_buffered_bytes += static_cast<uint64_t>(w.size);
    m_streamed[m_stream_xid].push_back({m_message.xid, std::move(w)});
    return true;
  }
  apply_message(m_message, out);
  return !m_done;
}

void ChangeStream::apply_message(const Message& m, core::Emitter& out) {
  switch (m.kind) {
  case MessageKind::begin:
    begin_txn(m.lsn, m.time_us, m.xid);
    m_skip_txn = is_past_stop(m.lsn);
    m_done = m_skip_txn;
    return;
  case MessageKind::commit:
    m_in_txn = false;
    m_pos = std::max(m_pos, m.end_lsn);
    m_done = m_stop && m_pos >= *m_stop;
    return;
  case MessageKind::relation:
    on_relation(m, out);
    return;
  case MessageKind::insert:
  case MessageKind::update:
  case MessageKind::remove:
    on_change(m, out);
    return;
  case MessageKind::truncate:
    on_truncate(m, out);
    return;
  case MessageKind::stream_start:
    m_stream_xid = m.xid;
    return;
  case MessageKind::stream_commit:
    m_done = !commit_streamed(m, out);
    return;
  case MessageKind::stream_abort:
    abort_streamed(m);
    return;
  default:
    return; // origin, type, logical messages, stream stop
  }
}

void ChangeStream::begin_txn(uint64_t commit_lsn, int64_t time_us, uint32_t xid) {
  m_in_txn = true;
  m_txn.commit_lsn = commit_lsn;
  m_txn.lsn_text = format_lsn(commit_lsn);
  m_txn.ts_ms = pg_time_to_epoch_ms(time_us);
  m_txn.xid = xid;
  m_index = 0;
}

void ChangeStream::on_relation(const Message& m, core::Emitter& out) {
  RelationInfo rel = m_resolve(m.rel);
  m_emit_schema(rel, out);
  m_relations[m.rel.oid] = std::move(rel);
}

const RelationInfo& ChangeStream::relation(uint32_t oid) {
  auto it = m_relations.find(oid);
  if (it == m_relations.end()) {
    throw Error(ExitCode::unavailable,
                fmt::format("replication stream: a change of relation {} came before its "
                            "Relation message",
                            oid));
  }
  return it->second;
}

void ChangeStream::on_change(const Message& m, core::Emitter& out) {
  const RelationInfo& rel = relation(m.relation);
  std::string& buffer = out.buffer();
  size_t at = buffer.size();
  std::string why;
  uint32_t index = m_index++;
  if (!m_writer.write_change(&buffer, rel, m, m_txn, index, &why)) {
    buffer.resize(at);
    out.bad_data().report(rel.table, index, m_txn.lsn_text,
                          fmt::format("change {} of the transaction committed at {}: {}", index,
                                      m_txn.lsn_text, why));
    return;
  }
  out.end_event();
}

void ChangeStream::on_truncate(const Message& m, core::Emitter& out) {
  for (uint32_t oid : m.relations) {
    m_writer.write_truncate(&out.buffer(), relation(oid), m_txn, m_index++);
    out.end_event();
  }
}

// Replays a streamed transaction at its commit; false when it is past the stop LSN.
bool ChangeStream::commit_streamed(const Message& m, core::Emitter& out) {
  auto it = m_streamed.find(m.xid);
  std::vector<Buffered> messages;
  if (it != m_streamed.end()) {
    messages = std::move(it->second);
    m_streamed.erase(it);
  }
  for (const auto& b : messages) {
    m_buffered_bytes -= static_cast<uint64_t>(b.message.size);
  }
  if (is_past_stop(m.lsn)) {
    return false;
  }
  uint64_t end = m.end_lsn;
  begin_txn(m.lsn, m.time_us, m.xid);
  // The buffered messages were inside a stream block, where changes carry an xid:
  // the replaying decoder is put into one by a stream start of its own.
  Decoder replay;
  std::string why;
  replay.decode(std::string_view("S\0\0\0\0\1", 6), &m_replayed, &why);
  for (auto& b : messages) {
    if (!replay.decode(b.message.payload(), &m_replayed, &why)) {
      throw Error(ExitCode::unavailable, "replication stream: " + why);
    }
    apply_message(m_replayed, out);
  }
  m_in_txn = false;
  m_pos = std::max(m_pos, end);
  return !(m_stop && m_pos >= *m_stop);
}

void ChangeStream::abort_streamed(const Message& m) {
  auto it = m_streamed.find(m.xid);
  if (it == m_streamed.end()) {
    return;
  }
  auto& messages = it->second;
  size_t kept = 0;
  for (auto& b : messages) {
    bool aborted = m.subxid == m.xid || b.xid == m.subxid;
    if (aborted) {
      m_buffered_bytes -= static_cast<uint64_t>(b.message.size);
    } else {
      messages[kept++] = std::move(b);
    }
  }
  messages.resize(kept);
  if (messages.empty()) {
    m_streamed.erase(it);
  }
}

} // namespace sluice::connectors::postgres
