// Decoding of pgoutput, PostgreSQL's built-in logical decoding output
// (protocol versions 1 and 2: "Logical Replication Message Formats" in the
// PostgreSQL manual), one message (the payload of an XLogData) at a time.
//
// A Decoder tracks whether it is inside a streamed block (Stream Start …
// Stream Stop, protocol 2), where change messages carry their transaction id.
// Decoded values are views into the message bytes: valid while they live and
// until the next decode() into the same Message. Not thread-safe; never
// throws except std::bad_alloc.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::connectors::postgres {

enum class MessageKind {
  begin,
  commit,
  origin,
  relation,
  type,
  insert,
  update,
  remove,
  truncate,
  message, // pg_logical_emit_message
  stream_start,
  stream_stop,
  stream_commit,
  stream_abort,
};

// One column of a tuple: 'n' null, 'u' unchanged TOASTed value (not sent),
// 't' text, 'b' binary.
struct TupleValue {
  char kind = 'n';
  std::string_view data;
};

struct RelationColumn {
  bool key = false; // part of the replica identity (every column under FULL)
  std::string name;
  uint32_t type_oid = 0;
  int32_t typmod = -1;
};

struct RelationMessage {
  uint32_t oid = 0;
  std::string schema; // "pg_catalog" when the message leaves it empty
  std::string name;
  char replica_identity = 'd'; // d default, n nothing, f full, i index
  std::vector<RelationColumn> columns;
};

struct Message {
  MessageKind kind = MessageKind::begin;
  uint32_t xid = 0;     // begin, stream messages, and changes inside a streamed block
  uint64_t lsn = 0;     // begin: the commit's LSN; commit: its LSN; message: its LSN
  uint64_t end_lsn = 0; // commit, stream commit: the end of the commit record
  int64_t time_us = 0;  // begin, commit: commit time in µs since 2000-01-01 UTC
  uint32_t relation = 0;
  char old_kind = 0; // update, delete: 'K' (key columns), 'O' (old row) or 0 (none)
  std::vector<TupleValue> old_tuple;
  std::vector<TupleValue> new_tuple;
  std::vector<uint32_t> relations; // truncate
  uint8_t truncate_options = 0;    // 1 cascade, 2 restart identity
  RelationMessage rel;             // relation
  bool first_segment = false;      // stream start
  uint32_t subxid = 0;             // stream abort
  bool transactional = false;      // message
  std::string_view prefix;         // message
  std::string_view content;        // message
};

class Decoder {
 public:
  // Decodes one pgoutput message; false with a reason when it is malformed or of
  // a kind this decoder does not know.
  bool decode(std::string_view data, Message* out, std::string* why);
  bool in_stream() const { return m_in_stream; }

 private:
  bool m_in_stream = false;
};

// Commit times of pgoutput are µs since 2000-01-01 UTC: epoch milliseconds.
int64_t pg_time_to_epoch_ms(int64_t pg_us);

} // namespace sluice::connectors::postgres
