// Reorder: the operator behind `sluice reorder` in time mode (issue 5): puts
// events back in event-time order within a bounded lateness.
//
// Events are buffered; the watermark W is the highest event time seen minus
// `lateness`, and buffered events with time <= W leave in (time, arrival)
// order (ties keep arrival order). An event whose time is below W on arrival
// is late (ops/late_events.hpp). While no event arrives, W advances with the
// wall clock, by the time elapsed since the last event and never past the
// highest time seen, once `idle_timeout` has passed (by default, equal to
// `lateness` once the stream carries checkpoint barriers): a quiet source
// never holds a barrier for long. Control records are held behind the events
// that arrived before them (ops/holdback.hpp: a barrier cuts the stream, so an
// event overtaken across a barrier leaves after it); upstream watermarks are
// dropped and, once the stream carries control records (a start record or a
// barrier), replaced by records of W, at most one per 100 ms of wall clock,
// never above a buffered event. Past `max_events` or `max_bytes` held, the
// oldest event leaves early (W moves up to its time) or, with
// `fail_when_full`, the run fails (Error data). At an end record everything
// leaves in order; on_abandon drops it all.
//
// Time comes from the stage as arguments: next_timer() asks for a call of
// on_timer(now) soon after events arrived (to stamp their arrival), when W is
// due to advance by the idle rule and when a watermark record is due.
// Not thread-safe; throws Error as said; a missing or unreadable time is bad data.
#pragma once

#include "core/json_path.hpp"
#include "core/operator_stage.hpp"
#include "ops/holdback.hpp"
#include "ops/late_events.hpp"
#include "ops/line_arena.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sluice::ops {

struct ReorderOptions {
  core::JsonPath time;
  std::chrono::milliseconds lateness{0};
  LatePolicy::Mode late = LatePolicy::Mode::emit;
  core::SideOutput* late_file = nullptr; // dead_letter
  enum class Idle { automatic, off, fixed };
  Idle idle = Idle::automatic;
  std::chrono::milliseconds idle_timeout{0}; // fixed
  uint64_t max_events = 0;                   // 0: no limit
  uint64_t max_bytes = 0;                    // 0: no limit
  bool fail_when_full = false;
  std::chrono::milliseconds watermark_interval{100};
  std::function<void(const std::string&)> warn;
};

class Reorder : public core::Operator {
 public:
  explicit Reorder(ReorderOptions options);

  bool on_event(const core::Line& line, simdjson::ondemand::document& doc,
                const core::PathValues* found, core::Emit& out, std::string* why) override;
  void on_control(const core::Line& line, const core::control::Record& record,
                  core::Emit& out) override;
  std::optional<core::Clock::time_point> next_timer() const override;
  void on_timer(core::Clock::time_point now, core::Emit& out) override;
  void on_finish(core::Emit& out) override;
  void on_abandon() override;
  std::string summary() const override;

  int64_t watermark() const { return m_w; }
  uint64_t buffered() const { return m_heap.size(); }
  uint64_t late() const { return m_late.count(); }
  uint64_t emitted_early() const { return m_early; }

 private:
  struct Item {
    uint64_t epoch;
    int64_t ts;
    uint64_t arrival;
    LineArena::Ref ref;
  };
  struct Later {
    bool operator()(const Item& a, const Item& b) const;
  };

  bool idle_enabled() const;
  std::chrono::milliseconds idle_timeout() const;
  void push(const core::Line& line, int64_t ts);
  void release(core::Emit& out, int64_t upto);
  void enforce_limit(core::Emit& out);
  void advance_idle(core::Clock::time_point now, core::Emit& out);
  void maybe_watermark(core::Clock::time_point now, core::Emit& out);
  int64_t record_value() const;

  ReorderOptions m_options;
  LateEvents m_late;
  LineArena m_arena;
  std::vector<Item> m_heap; // a min-heap by (epoch, ts, arrival)
  Holdback m_holdback;
  int64_t m_max_ts = INT64_MIN;
  int64_t m_w = INT64_MIN;
  uint64_t m_arrivals = 0;
  uint64_t m_early = 0;
  bool m_barriers = false; // a start record or barrier was seen: the stream carries control records
  // Arrival stamping and the idle rule.
  bool m_unstamped = false;
  core::Clock::time_point m_last_event_at{};
  int64_t m_w_at_last_event = INT64_MIN;
  core::Clock::time_point m_idle_tick_at{}; // the last idle advance
  // Watermark records.
  int64_t m_last_record = INT64_MIN;
  core::Clock::time_point m_last_record_at{};
  std::string m_why;
};

// Parses --max-buffer: a bare count of events ("100000") or a size ("256MiB").
bool parse_buffer_limit(std::string_view text, uint64_t* events, uint64_t* bytes, std::string* why);

} // namespace sluice::ops
