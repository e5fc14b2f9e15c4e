// SnapshotReader: the initial snapshot of `capture postgres` (--snapshot
// initial|only): every published table read inside one REPEATABLE READ
// transaction — the snapshot a new slot exported (so streaming continues
// exactly at the slot's consistent point), or its own for --snapshot only —
// with the publication's column lists and row filters applied, as events
// with op "read", each table's schema record before its first row.
//
// When the snapshot is redone after a restart in its middle, each table's
// rows are preceded by a truncate event, so rows deleted in between cannot
// survive in the target. Rows are fetched through a cursor in chunks;
// produce() returns between chunks. Not thread-safe; throws Error.
#pragma once

#include "connectors/postgres/change_format.hpp"
#include "connectors/postgres/pg_conn.hpp"
#include "connectors/postgres/relations.hpp"
#include "core/capture_stage.hpp"

#include <functional>
#include <string>
#include <vector>

namespace sluice::connectors::postgres {

struct SnapshotOptions {
  std::string publication;
  std::string source;
  bool truncate_first = false; // a redone snapshot
};

class SnapshotReader {
 public:
  // `emit_schema` writes a table's schema record (when it changed).
  SnapshotReader(PgConn& sql, ChangeWriter& writer, SnapshotOptions options,
                 std::function<void(const RelationInfo&, core::Emitter&)> emit_schema);

  // Opens the snapshot transaction: importing `snapshot_name` (from a slot
  // created at `lsn`), or, when it is empty, taking a fresh one at the
  // server's current WAL position. Then lists the published tables.
  void begin(const std::string& snapshot_name, uint64_t lsn);
  // Emits reads until `until` passes or the snapshot is complete (true; its
  // transaction is then closed).
  bool produce(core::Emitter& out, core::Clock::time_point until);

  uint64_t lsn() const { return m_lsn; }
  // {"snapshot":"<lsn>"}: where a barrier in the middle of the snapshot points.
  const std::string& position_json() const { return m_pos_json; }
  uint64_t rows() const { return m_rows; }
  size_t tables() const { return m_tables.size(); }

 private:
  struct Table {
    RelationInfo rel;
    std::string select_sql;
  };
  void list_tables();
  Table describe_table(uint32_t oid, const std::string& schema, const std::string& name,
                       char relkind, char replident, const std::vector<std::string>& published,
                       const std::string& row_filter);
  void open_table(core::Emitter& out);
  bool fetch(core::Emitter& out);

  PgConn& m_sql;
  ChangeWriter& m_writer;
  SnapshotOptions m_options;
  std::function<void(const RelationInfo&, core::Emitter&)> m_emit_schema;
  std::vector<Table> m_tables;
  size_t m_table = 0;
  bool m_cursor_open = false;
  uint64_t m_lsn = 0;
  std::string m_lsn_text;
  std::string m_pos_json;
  int64_t m_ts_ms = 0;
  uint64_t m_rows = 0;
  std::vector<TupleValue> m_row;
};

} // namespace sluice::connectors::postgres
