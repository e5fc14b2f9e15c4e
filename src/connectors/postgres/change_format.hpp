// ChangeWriter: the event envelope of `capture postgres` (DESIGN §2,
// sluice-events(7)) for one row change, truncate or snapshot read:
//
//   {"id":"0/16B3748:2","source":"postgres://h:5432/shop","table":"public.orders",
//    "op":"update","ts":1732400000123,"pos":"0/16B3748","txid":731,
//    "key":{"id":7},"before":{"id":7},"after":{"id":7,"status":"paid"},"unchanged":["note"]}
//
// id is the commit LSN and the change's index in its transaction (a read's:
// the snapshot LSN, "r" and a 128-bit hash of table and key); ts the commit
// time; pos the commit LSN (resuming there replays the transaction); key the
// key columns' values; before what the replica identity sent (key columns
// under DEFAULT, the whole old row under FULL, null when nothing was sent);
// unchanged TOASTed values are left out of `after` and named in `unchanged`.
// Not thread-safe (scratch buffers); never throws except bad_alloc.
#pragma once

#include "connectors/postgres/pg_values.hpp"
#include "connectors/postgres/pgoutput.hpp"
#include "connectors/postgres/relations.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sluice::connectors::postgres {

// The transaction a change belongs to.
struct TxnContext {
  uint64_t commit_lsn = 0;
  std::string lsn_text; // format_lsn(commit_lsn)
  int64_t ts_ms = 0;
  uint32_t xid = 0;
};

class ChangeWriter {
 public:
  ChangeWriter(const TypeRegistry& types, ValueOptions options, const std::string& source);

  void set_value_options(ValueOptions options) { m_mapper.set_options(options); }

  // Appends the event of an insert, update or delete message `m` of `rel` (no
  // newline). False with a reason when a value cannot be mapped (nothing usable
  // was appended then: the caller truncates `out`).
  bool write_change(std::string* out, const RelationInfo& rel, const Message& m,
                    const TxnContext& txn, uint32_t index, std::string* why);
  void write_truncate(std::string* out, const RelationInfo& rel, const TxnContext& txn,
                      uint32_t index);
  // A snapshot row: `row` holds a 't' or 'n' value for every column of `rel`.
  // `pos_json` is the snapshot's position object.
  bool write_read(std::string* out, const RelationInfo& rel, const std::vector<TupleValue>& row,
                  const std::string& snapshot_lsn, const std::string& pos_json, int64_t ts_ms,
                  std::string* why);
  // The truncate a redone snapshot sends before a table's first read
  // (id "<snapshot LSN>:t:<table number>").
  void write_snapshot_truncate(std::string* out, const RelationInfo& rel,
                               const std::string& snapshot_lsn, const std::string& pos_json,
                               int64_t ts_ms, size_t table_number);

 private:
  void write_head(std::string* out, const RelationInfo& rel, const TxnContext& txn,
                  uint32_t index, const char* op);
  bool write_key(std::string* out, const RelationInfo& rel, const std::vector<TupleValue>& main,
                 const std::vector<TupleValue>* fallback, std::string* why);
  bool write_row(std::string* out, const RelationInfo& rel, const std::vector<TupleValue>& row,
                 bool key_only, std::string* why);
  bool append_value(std::string* out, const ColumnInfo& column, const TupleValue& v,
                    std::string* why);

  const TypeRegistry& m_types;
  ValueMapper m_mapper;
  std::string m_source_json;
  std::string m_key; // scratch: a read's key JSON
  std::vector<const ColumnInfo*> m_unchanged;
};

} // namespace sluice::connectors::postgres
