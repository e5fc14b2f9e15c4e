// ChangeStream: the messages of a pgoutput replication stream to events, in
// commit order (DESIGN §4.1): Relation messages update the table cache and
// emit a schema record when a table's shape changed; changes become events
// as they arrive; transactions streamed in parts (protocol 2) are buffered
// in memory until their commit (a sub-transaction's abort drops its part).
//
// position() is the end LSN of the last commit — or, while no transaction is
// open or buffered, the WAL position of the last keepalive — so a barrier never
// points into a half-sent transaction. With a stop LSN the stream is done once
// every transaction committed before it has been emitted. Not thread-safe;
// throws Error (bad data through the emitter's policy).
#pragma once

#include "connectors/postgres/change_format.hpp"
#include "connectors/postgres/pgoutput.hpp"
#include "connectors/postgres/relations.hpp"
#include "connectors/postgres/replication_stream.hpp"
#include "core/capture_stage.hpp"

#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

namespace sluice::connectors::postgres {

class ChangeStream {
 public:
  using EmitSchema = std::function<void(const RelationInfo&, core::Emitter&)>;
  // Turns a Relation message into a RelationInfo (catalog lookups, schema JSON).
  using Resolve = std::function<RelationInfo(const RelationMessage&)>;

  ChangeStream(ChangeWriter& writer, Resolve resolve, EmitSchema emit_schema);

  // Starts (again) after `pos`; drops a partly received transaction.
  void reset(uint64_t pos, std::optional<uint64_t> stop_lsn);
  // Applies one message; false once the stop LSN is reached (nothing more is
  // emitted then).
  bool apply(WalMessage& m, core::Emitter& out);

  bool in_transaction() const { return m_in_txn; }
  uint64_t position() const { return m_pos; }
  bool is_done() const { return m_done; }
  uint64_t buffered_bytes() const { return m_buffered_bytes; }

 private:
  struct Buffered {
    uint32_t xid = 0; // the (sub)transaction the message belongs to
    WalMessage message;
  };

  void apply_message(const Message& m, core::Emitter& out);
  void on_relation(const Message& m, core::Emitter& out);
  void on_change(const Message& m, core::Emitter& out);
  void on_truncate(const Message& m, core::Emitter& out);
  void begin_txn(uint64_t commit_lsn, int64_t time_us, uint32_t xid);
  bool commit_streamed(const Message& m, core::Emitter& out);
  void abort_streamed(const Message& m);
  const RelationInfo& relation(uint32_t oid);
  bool is_past_stop(uint64_t commit_lsn) const { return m_stop && commit_lsn >= *m_stop; }

  ChangeWriter& m_writer;
  Resolve m_resolve;
  EmitSchema m_emit_schema;
  Decoder m_decoder;
  Message m_message;
  Message m_replayed; // a buffered message, decoded at its transaction's commit
  std::unordered_map<uint32_t, RelationInfo> m_relations;

  uint64_t m_pos = 0;
  std::optional<uint64_t> m_stop;
  bool m_done = false;
  bool m_in_txn = false;
  bool m_skip_txn = false; // a transaction committed at or after the stop LSN
  TxnContext m_txn;
  uint32_t m_index = 0;
  // Streamed transactions (protocol 2) by top-level xid, until their commit.
  std::unordered_map<uint32_t, std::vector<Buffered>> m_streamed;
  uint32_t m_stream_xid = 0; // the transaction of the open stream block
  uint64_t m_buffered_bytes = 0;
};

} // namespace sluice::connectors::postgres
