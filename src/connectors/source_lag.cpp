#include "connectors/source_lag.hpp"

#include "connectors/kafka/group_offsets.hpp"
#include "connectors/kafka/positions.hpp"
#include "connectors/postgres/lsn.hpp"
#include "core/error.hpp"

#include <charconv>
#include <simdjson.h>

namespace sluice::connectors {

namespace {

std::optional<kafka::Offsets> kafka_position(std::string_view pos) {
  kafka::Offsets offsets;
  std::string why;
  if (pos == "null" || !kafka::parse_offsets(pos, &offsets, &why) || offsets.empty()) {
    return std::nullopt;
  }
  return offsets;
}

uint64_t current_wal_lsn(const postgres::ConnectSpec& spec) {
  postgres::PgConn conn = postgres::PgConn::connect(spec);
  postgres::PgResult r = conn.exec("SELECT pg_current_wal_lsn()", "read the current WAL position");
  uint64_t lsn = 0;
  if (r.rows() != 1 || !postgres::parse_lsn(r.value(0, 0), &lsn)) {
    throw core::Error(core::ExitCode::io, "read the current WAL position: unexpected answer");
  }
  return lsn;
}

void fill_postgres(std::vector<ReportRow>& rows, const postgres::ConnectSpec& spec) {
  std::optional<uint64_t> current;
  for (auto& row : rows) {
    std::optional<uint64_t> lsn = position_lsn(row.entry.pos);
    if (!lsn) {
      continue;
    }
    if (!current) {
      current = current_wal_lsn(spec);
    }
    int64_t behind = *current > *lsn ? static_cast<int64_t>(*current - *lsn) : 0;
    row.lag = SourceLag{"bytes", behind, {}};
  }
}

void fill_kafka(std::vector<ReportRow>& rows, const kafka::Properties& properties,
                std::chrono::milliseconds timeout) {
  kafka::Offsets wanted;
  for (const auto& row : rows) {
    if (auto offsets = kafka_position(row.entry.pos)) {
      wanted.insert(offsets->begin(), offsets->end());
    }
  }
  if (wanted.empty()) {
    return;
  }
  kafka::Offsets high = kafka::high_watermarks(properties, wanted, timeout);
  for (auto& row : rows) {
    auto offsets = kafka_position(row.entry.pos);
    if (!offsets) {
      continue;
    }
    SourceLag lag{"messages", 0, {}};
    for (const auto& [tp, next] : *offsets) {
      int64_t behind = std::max<int64_t>(0, high[tp] - next);
      lag.parts[kafka::describe(tp)] = behind;
      lag.total += behind;
    }
    row.lag = lag;
  }
}

} // namespace

std::optional<uint64_t> position_lsn(std::string_view pos) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(pos.data(), pos.size()).get(root)) {
    return std::nullopt;
  }
  std::string_view text;
  if (root.get(text)) {
    simdjson::dom::object o;
    if (root.get(o) || o["snapshot"].get(text)) {
      return std::nullopt;
    }
  }
  uint64_t lsn = 0;
  if (!postgres::parse_lsn(text, &lsn)) {
    return std::nullopt;
  }
  return lsn;
}

void fill_lag(std::vector<ReportRow>& rows, const LagOptions& options) {
  if (options.postgres) {
    fill_postgres(rows, *options.postgres);
  }
  if (options.kafka) {
    fill_kafka(rows, *options.kafka, options.timeout);
  }
}

} // namespace sluice::connectors
