// Holdback: control records kept in order behind the events that arrived
// before them (DESIGN §4.2), for operators that hold events (reorder).
//
// Each control record closes an epoch: the events that arrive after it belong
// to the next one. A control record goes out once every event of the epochs
// before it has left the buffer, and the operator emits no event of an epoch
// before the records that precede it: a barrier cuts the stream, so that what
// a sink commits with a barrier is exactly what came before it at the capture
// (an event emitted ahead of its barrier would be replayed after a crash and
// written twice). The input epoch takes arriving events; the output epoch is
// the oldest one with a record still held (or the input epoch). Not
// thread-safe; never throws except bad_alloc (and what Emit throws).
#pragma once

#include "core/operator_stage.hpp"

#include <cstdint>
#include <deque>
#include <string>

namespace sluice::ops {

class Holdback {
 public:
  Holdback();

  uint64_t input_epoch() const { return m_base + m_epochs.size() - 1; }
  uint64_t output_epoch() const { return m_base; }
  // An event of time `ts` (any value when unused) joined the buffer in the input epoch.
  void add_event(int64_t ts);
  // An event of `epoch` left the buffer.
  void remove_event(uint64_t epoch) { --m_epochs[epoch - m_base].count; }
  // A control record arrived: written at once when nothing is buffered or held, else held.
  void add_control(std::string_view text, const core::control::Record& record, core::Emit& out);
  // Writes the held records whose earlier epochs are empty.
  void release_ready(core::Emit& out);
  // The lowest event time buffered in epochs after the output epoch (INT64_MAX if none).
  int64_t later_min_ts() const;
  size_t held() const { return m_controls.size(); }
  uint64_t buffered() const;
  void clear();

 private:
  struct Epoch {
    uint64_t count = 0;
    int64_t min_ts = INT64_MAX; // a lower bound: not raised when events leave
  };
  struct Held {
    std::string text;
    core::control::Record record;
  };

  uint64_t m_base = 0;
  std::deque<Epoch> m_epochs;  // m_epochs[i] is epoch m_base + i
  std::deque<Held> m_controls; // m_controls[i] closes epoch m_base + i
};

} // namespace sluice::ops
