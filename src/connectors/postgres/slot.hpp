// Replication slots and publications of `capture postgres`: the checks made
// before capturing (wal_level, the REPLICATION attribute), finding, creating
// and dropping a logical slot, creating the publication, and starting the
// pgoutput stream. Each failure the operator can act on gets one clear
// message with a hint (DESIGN §4.4): Error(unavailable) for a server that
// cannot serve us (69), Error(temporary) for a slot held by another process
// (which may be our own previous run whose session the server has not
// noticed yet: callers retry it). Not thread-safe; throws Error.
#pragma once

#include "connectors/postgres/pg_conn.hpp"
#include "connectors/postgres/publication.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sluice::connectors::postgres {

struct SlotState {
  bool exists = false;
  bool active = false;
  bool lost = false; // invalidated: wal_status "lost"
  bool temporary = false;
  std::string plugin;
  std::string database;
  uint64_t confirmed_flush = 0;
};

struct CreatedSlot {
  uint64_t consistent_point = 0;
  std::string snapshot_name; // empty unless exported
};

struct StreamStart {
  std::string slot;
  std::string publication;
  uint64_t lsn = 0;
  bool stream_large = false; // protocol 2 with streaming of large transactions
};

// wal_level must be logical and the role must be allowed to replicate.
void check_logical_decoding(PgConn& sql);
SlotState find_slot(PgConn& sql, const std::string& slot);
// Creates the publication unless it exists; true when it was created.
bool ensure_publication(PgConn& sql, const std::string& publication,
                        const std::vector<TableSpec>& tables);
// On a replication connection. With `export_snapshot` the snapshot stays
// importable until the next command on `repl`.
CreatedSlot create_slot(PgConn& repl, const std::string& slot, bool temporary,
                        bool export_snapshot);
// Waits until the slot is free, then drops it.
void drop_slot(PgConn& repl, const std::string& slot);
// Sends START_REPLICATION; `repl` is in COPY BOTH mode when it returns.
void start_replication(PgConn& repl, const StreamStart& start);

} // namespace sluice::connectors::postgres
