// SourceLagProbe: how far a source is ahead of the positions in a checkpoint
// store, for `sluice checkpoint show`. The kind of source is told by the
// position's form: an LSN string ("0/16B3748", or a snapshot's
// {"snapshot":"0/…"}) is PostgreSQL, measured as pg_current_wal_lsn() minus
// that LSN in bytes on the connection given; an object of "topic/partition":
// offset is Kafka, measured per partition as the high watermark minus the
// stored next offset, on the brokers given. Any other position, or a source
// whose connection was not given, has no lag.
//
// Connections are made on first use and reused. Not thread-safe; throws Error
// (unavailable when a server does not answer).
#pragma once

#include "connectors/checkpoint_report.hpp"
#include "connectors/kafka/properties.hpp"
#include "connectors/postgres/pg_conn.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace sluice::connectors {

struct LagOptions {
  std::optional<postgres::ConnectSpec> postgres; // --source-uri
  std::optional<kafka::Properties> kafka;        // -b (bootstrap.servers set)
  std::chrono::milliseconds timeout{10000};
};

// The lag of each row's position, filled in place.
void fill_lag(std::vector<ReportRow>& rows, const LagOptions& options);

// The LSN a PostgreSQL position names ("X/Y", or the snapshot's); nullopt for
// any other position.
std::optional<uint64_t> position_lsn(std::string_view pos);

} // namespace sluice::connectors
