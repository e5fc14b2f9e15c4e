#include "core/checkpoint_store.hpp"

#include <chrono>

namespace sluice::core {

ResumePoint lowest_position(const std::vector<StoreEntry>& entries, const PosCompare& compare) {
  ResumePoint point;
  point.sinks = entries.size();
  bool one_run = true;
  for (const auto& e : entries) {
    if (!e.barrier) {
      point.unrecorded = true;
      return point;
    }
    one_run = one_run && e.barrier->run == entries.front().barrier->run;
  }
  // Within one run the oldest barrier comes first, even where positions cross (a
  // Kafka entry drops a revoked partition): every sink has recorded it, so the
  // state a stateful operator restores for it is never newer than the replay.
  const StoreEntry* lowest = nullptr;
  for (const auto& e : entries) {
    bool lower = lowest == nullptr;
    if (!lower && one_run && e.barrier->checkpoint != lowest->barrier->checkpoint) {
      lower = e.barrier->checkpoint < lowest->barrier->checkpoint;
    } else if (!lower) {
      lower = compare(e.pos, lowest->pos) < 0;
    }
    if (lower) {
      lowest = &e;
    }
  }
  if (lowest != nullptr) {
    point.barrier = lowest->barrier;
    point.pos = lowest->pos;
  }
  return point;
}

bool all_sinks_reached(const std::vector<StoreEntry>& entries, const control::BarrierId& barrier) {
  if (entries.empty()) {
    return false;
  }
  for (const auto& e : entries) {
    if (!e.barrier || e.barrier->run != barrier.run || e.barrier->checkpoint < barrier.checkpoint) {
      return false;
    }
  }
  return true;
}

int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace sluice::core
