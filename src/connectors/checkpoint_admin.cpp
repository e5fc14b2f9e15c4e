#include "connectors/checkpoint_admin.hpp"

#include "connectors/kafka/group_offsets.hpp"
#include "connectors/kafka/positions.hpp"
#include "core/error.hpp"

#include <fmt/format.h>
#include <simdjson.h>

namespace sluice::connectors {

using core::Error;
using core::ExitCode;

namespace {

std::string describe_filter(const EntryFilter& filter) {
  if (filter.sink.empty()) {
    return fmt::format("source {}", filter.source);
  }
  if (filter.source.empty()) {
    return fmt::format("sink {}", filter.sink);
  }
  return fmt::format("source {} and sink {}", filter.source, filter.sink);
}

// The position as the stores keep it: minified, and readable by every store.
std::string checked_position(const std::string& pos) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto error = parser.parse(pos).get(root)) {
    throw Error(ExitCode::usage, fmt::format("--pos is not a JSON value ({}): {}",
                                             simdjson::error_message(error), pos));
  }
  return simdjson::minify(root);
}

kafka::Offsets kafka_offsets(const std::string& pos) {
  kafka::Offsets offsets;
  std::string why;
  if (!kafka::parse_offsets(pos, &offsets, &why) || offsets.empty()) {
    throw Error(ExitCode::usage,
                fmt::format("--group needs a Kafka position such as {{\"orders/0\":42}}: {}",
                            why.empty() ? "it names no partition" : why));
  }
  return offsets;
}

} // namespace

bool EntryFilter::matches(const core::StoreEntry& e) const {
  return (source.empty() || e.source == source) && (sink.empty() || e.sink == sink);
}

std::vector<ReportRow> select_entries(core::CheckpointStore& store, const EntryFilter& filter) {
  std::vector<ReportRow> rows;
  for (auto& e : store.all_entries()) {
    if (filter.matches(e)) {
      rows.push_back(ReportRow{std::move(e), std::nullopt});
    }
  }
  return rows;
}

void lock_for_change(core::CheckpointStore& store, bool force, const core::Log& log) {
  if (store.lock_running(core::RunLock::exclusive)) {
    return;
  }
  std::string what = fmt::format("a running pipeline (or another sluice checkpoint) holds the "
                                 "lock of {}",
                                 store.describe());
  if (!force) {
    throw Error(ExitCode::temporary,
                what + ": stop it first, or use --force (a running sink may overwrite the change)");
  }
  log.warn("{}: changing it anyway (--force)", what);
}

std::vector<ReportRow> set_position(core::CheckpointStore& store, const EntryFilter& filter,
                                    const std::string& pos,
                                    const std::optional<KafkaGroupCommit>& group) {
  if (filter.source.empty()) {
    throw Error(ExitCode::usage, "set needs --source-id");
  }
  std::string stored = checked_position(pos);
  std::optional<kafka::Offsets> offsets;
  if (group) {
    offsets = kafka_offsets(stored);
  }
  std::vector<ReportRow> rows = select_entries(store, filter);
  if (rows.empty()) {
    throw Error(ExitCode::usage,
                fmt::format("no entry for {} in {} (a sink registers on its first run)",
                            describe_filter(filter), store.describe()));
  }
  if (group) {
    kafka::commit_group_offsets(group->properties, group->group, *offsets, group->timeout);
  }
  core::control::BarrierId barrier{core::control::new_run_id(), 0};
  for (auto& row : rows) {
    row.entry.barrier = barrier;
    row.entry.pos = stored;
    row.entry.updated_ms = core::wall_clock_ms();
    store.record(row.entry);
  }
  return rows;
}

std::vector<ReportRow> reset_entries(core::CheckpointStore& store, const EntryFilter& filter) {
  std::vector<ReportRow> rows = select_entries(store, filter);
  if (rows.empty()) {
    throw Error(ExitCode::usage, fmt::format("no entry for {} in {}", describe_filter(filter),
                                             store.describe()));
  }
  for (const auto& row : rows) {
    store.remove(row.entry.source, row.entry.sink);
  }
  return rows;
}

} // namespace sluice::connectors
