#include "core/checkpoint_store.hpp"

#include <chrono>

namespace sluice::core {

ResumePoint lowest_position(const std::vector<StoreEntry>& entries, const PosCompare& compare) {
  ResumePoint point;
  point.sinks = entries.size();
  const StoreEntry* lowest = nullptr;
  for (const auto& e : entries) {
    if (!e.barrier) {
      point.unrecorded = true;
      return point;
    }
    if (lowest == nullptr || compare(e.pos, lowest->pos) < 0) {
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
