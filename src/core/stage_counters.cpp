#include "core/stage_counters.hpp"

namespace sluice::core {

const char* bad_kind_name(BadKind kind) {
  switch (kind) {
  case BadKind::malformed:
    return "malformed";
  case BadKind::too_long:
    return "too_long";
  case BadKind::rejected:
    return "rejected";
  case BadKind::source:
    return "source";
  }
  return "source";
}

const char* lag_unit_name(LagUnit unit) {
  return unit == LagUnit::messages ? "messages" : "bytes";
}

uint64_t StageCounters::errors_total() const noexcept {
  uint64_t total = 0;
  for (const Counter& c : errors) {
    total += c.get();
  }
  return total;
}

void StageCounters::reset() noexcept {
  for (Counter* c : {&events_in, &events_out, &bytes_in, &bytes_out, &barriers, &late, &duplicates}) {
    c->set(0);
  }
  for (Counter& c : errors) {
    c.set(0);
  }
  last_checkpoint_ms.clear();
  source_lag.clear();
  source_lag_unit.store(LagUnit::bytes, std::memory_order_relaxed);
  queue_events.clear();
}

StageCounters& stage_counters() {
  static StageCounters counters;
  return counters;
}

} // namespace sluice::core
