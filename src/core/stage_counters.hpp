// StageCounters: what a running stage has done, for --progress and --metrics.
//
// One process runs one stage, so there is one set, stage_counters(). The stage
// runners (capture, input, sink, operator stages), BadData and connector hooks
// (source lag, internal queue depth) update it; the progress and metrics
// threads read it. Every counter has a single writer, the stage's main thread,
// which adds with a relaxed load and store (no locked instruction, no lock per
// event); readers see a recent value. Gauges (lag, queue depth) may be set from
// any one thread. Never throws.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace sluice::core {

// A monotonic count written by one thread and read by any.
class Counter {
 public:
  void add(uint64_t n = 1) noexcept {
    m_value.store(m_value.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void set(uint64_t n) noexcept { m_value.store(n, std::memory_order_relaxed); }
  uint64_t get() const noexcept { return m_value.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> m_value{0};
};

// A value that may be unknown (-1 until a hook sets it).
class Gauge {
 public:
  void set(int64_t v) noexcept { m_value.store(v, std::memory_order_relaxed); }
  void clear() noexcept { set(-1); }
  int64_t get() const noexcept { return m_value.load(std::memory_order_relaxed); }
  bool known() const noexcept { return get() >= 0; }

 private:
  std::atomic<int64_t> m_value{-1};
};

// Kinds of bad data, the `kind` label of sluice_errors_total.
enum class BadKind : int {
  malformed, // a line that is not one JSON object (or not valid JSON under --strict)
  too_long,  // a line longer than --max-line-size
  rejected,  // an event the operator or the sink refused
  source,    // bad data a capture found in its source
};
constexpr int k_bad_kinds = 4;
const char* bad_kind_name(BadKind kind);

// What the source lag gauge counts.
enum class LagUnit : int { bytes, messages };
const char* lag_unit_name(LagUnit unit);

struct StageCounters {
  Counter events_in;  // events read (a capture: produced by its source)
  Counter events_out; // events written (a sink: delivered to its destination)
  Counter bytes_in;   // bytes read from stdin (operators and sinks)
  Counter bytes_out;  // bytes written to stdout (captures and operators)
  Counter barriers;   // checkpoint barriers written (captures) or passed on / recorded
  Counter late;       // events that came too late (reorder)
  Counter duplicates; // duplicates dropped (dedupe)
  std::array<Counter, k_bad_kinds> errors;
  Gauge last_checkpoint_ms; // wall clock of the last barrier written or recorded
  // Hooks for connectors that can tell (PostgreSQL slot lag, Kafka consumer lag).
  Gauge source_lag;
  std::atomic<LagUnit> source_lag_unit{LagUnit::bytes};
  Gauge queue_events; // a connector's internal queue, in events

  void error(BadKind kind) noexcept { errors[static_cast<int>(kind)].add(); }
  uint64_t errors_total() const noexcept;
  void set_source_lag(int64_t value, LagUnit unit) noexcept {
    source_lag_unit.store(unit, std::memory_order_relaxed);
    source_lag.set(value);
  }
  // Zeroes everything (a new stage in the same process: unit tests).
  void reset() noexcept;
};

StageCounters& stage_counters();

} // namespace sluice::core
