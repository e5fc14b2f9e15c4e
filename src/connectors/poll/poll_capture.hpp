// PollCapture: `sluice capture poll` — query-based CDC (sluice-capture(1)):
// a table polled every --interval for rows whose timestamp column and/or
// incrementing column moved past the last position, bounded by --delay (and
// on PostgreSQL by the transactions still running, see PollWindow).
//
// Events carry op "insert" with only an incrementing column (new rows) and
// "update" otherwise (a row inserted or changed), ts from the timestamp column
// (else the poll's time), and an id hashed from table, key and timestamp (or
// incrementing value), so a row read twice gives the same id. Polling cannot
// see deletes, nor the changes a row went through between two polls.
// produce() returns between polls: a barrier carries the safe position.
// Not thread-safe; throws Error.
#pragma once

#include "connectors/poll/poll_source.hpp"
#include "connectors/poll/poll_window.hpp"
#include "core/capture_stage.hpp"
#include "core/log.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace sluice::connectors::poll {

class PollCapture : public core::CaptureSource {
 public:
  PollCapture(std::unique_ptr<PollSource> source, std::chrono::milliseconds interval,
              std::optional<std::string> source_id, bool incrementing_only, const core::Log& log);

  std::string source_id() const override;
  int compare_pos(std::string_view a, std::string_view b) const override;
  void seek(const std::string& pos) override;
  core::Produced produce(core::Emitter& out, core::Clock::time_point until) override;
  std::string position() const override { return position_json(m_window.safe()); }
  std::optional<core::Clock::time_point> wake_at() const override { return m_next_poll; }

 private:
  void write_event(core::Emitter& out, const PolledRow& row, const std::string& id);

  std::unique_ptr<PollSource> m_source;
  std::chrono::milliseconds m_interval;
  std::optional<std::string> m_source_id;
  bool m_incrementing_only;
  const core::Log& m_log;
  std::string m_source_json;
  std::string m_table_json;
  PollWindow m_window;
  core::Clock::time_point m_next_poll{};
};

} // namespace sluice::connectors::poll
