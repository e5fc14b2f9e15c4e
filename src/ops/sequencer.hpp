// Sequencer: `sluice reorder --seq PATH` (issue 5): releases events per
// partition in exact sequence order.
//
// A partition (the value at `partition`, or the whole stream) starts at the
// first sequence number seen in it and then expects each next one; events
// ahead of a missing number wait. A gap is held for `gap_timeout` of wall
// clock, then reported and skipped: the partition goes on at its lowest held
// number. An event below the next expected number is late (ops/late_events.hpp);
// two events with the same number leave in arrival order. Control records are
// held behind the events that arrived before them, and events do not overtake
// them (ops/holdback.hpp). Past `max_events` or `max_bytes` held, the oldest
// gap is skipped at once, or, with `fail_when_full`, the run fails (Error
// data). At an end record every partition is released, gaps skipped, in order;
// on_abandon drops everything. Upstream watermarks are dropped: sequence mode
// makes none. Not thread-safe; a missing or non-integer sequence is bad data.
#pragma once

#include "core/json_path.hpp"
#include "core/operator_stage.hpp"
#include "ops/holdback.hpp"
#include "ops/late_events.hpp"
#include "ops/line_arena.hpp"

#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace sluice::ops {

struct SequencerOptions {
  core::JsonPath seq;
  std::optional<core::JsonPath> partition;
  std::chrono::milliseconds gap_timeout{1000};
  LatePolicy::Mode late = LatePolicy::Mode::emit;
  core::SideOutput* late_file = nullptr;
  uint64_t max_events = 0; // 0: no limit
  uint64_t max_bytes = 0;  // 0: no limit
  bool fail_when_full = false;
  std::function<void(const std::string&)> warn;
};

class Sequencer : public core::Operator {
 public:
  explicit Sequencer(SequencerOptions options);

  bool on_event(const core::Line& line, simdjson::ondemand::document& doc,
                const core::PathValues* found, core::Emit& out, std::string* why) override;
  void on_control(const core::Line& line, const core::control::Record& record,
                  core::Emit& out) override;
  std::optional<core::Clock::time_point> next_timer() const override;
  void on_timer(core::Clock::time_point now, core::Emit& out) override;
  void on_finish(core::Emit& out) override;
  void on_abandon() override;
  std::string summary() const override;

  uint64_t buffered() const { return m_buffered; }
  uint64_t gaps() const { return m_gaps; }
  uint64_t late() const { return m_late.count(); }

 private:
  struct Item {
    uint64_t epoch;
    int64_t seq;
    uint64_t arrival;
    LineArena::Ref ref;
  };
  struct Later {
    bool operator()(const Item& a, const Item& b) const;
  };
  struct Partition {
    std::string name; // for messages
    std::optional<int64_t> expected;
    std::vector<Item> heap; // a min-heap by (epoch, seq, arrival)
    bool waiting = false;   // its next events belong to a later epoch
    bool gap = false;       // its next event in the output epoch is past a missing number
    uint64_t gap_serial = 0;
    bool gap_stamped = false;
  };
  struct GapDue {
    core::Clock::time_point at;
    size_t partition;
    uint64_t serial;
  };

  bool find_partition(simdjson::ondemand::document& doc, size_t* index, std::string* why);
  void release(size_t index, core::Emit& out);
  void settle(core::Emit& out);
  void skip_gap(size_t index, const char* why);
  bool skip_oldest_gap(core::Emit& out);
  void enforce_limit(core::Emit& out);
  void flush(core::Emit& out);

  SequencerOptions m_options;
  LateEvents m_late;
  LineArena m_arena;
  Holdback m_holdback;
  std::vector<Partition> m_partitions;
  std::unordered_map<std::string, size_t> m_index;
  std::vector<size_t> m_waiting;
  std::vector<size_t> m_unstamped; // partitions whose gap opened since the last timer call
  std::deque<GapDue> m_gap_due;    // in time order
  uint64_t m_arrivals = 0;
  uint64_t m_buffered = 0;
  uint64_t m_gaps = 0;
  uint64_t m_missing = 0;
  bool m_flushing = false;
  std::string m_key;
  std::string m_why;
};

} // namespace sluice::ops
