// CaptureStage: the stage runner's loop for captures (DESIGN §4.1, §4.4, §5).
//
// It picks the resume position (the lowest over the sinks registered in the
// store), writes the start record, lets the source produce events, emits a
// checkpoint barrier every --checkpoint-interval at the points the source
// returns control (always replayable points), and at a natural end or on the
// first SIGINT/SIGTERM writes the final barrier and the end record, closes
// stdout and waits up to --drain-timeout for every sink to record that
// barrier before acknowledging the source (exit 0; 75 when the wait times
// out). A failure writes an abort record, best effort, before it propagates.
// Not thread-safe; throws Error.
#pragma once

#include "core/checkpoint_store.hpp"
#include "core/error_policy.hpp"
#include "core/input_stage.hpp"
#include "core/line_writer.hpp"
#include "core/log.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace sluice::core {

// What a capture writes through: events, and its bad-data policy.
class Emitter {
 public:
  Emitter(LineWriter& writer, BadData& bad) : m_writer(writer), m_bad(bad) {}
  void event(std::string_view line) {
    m_writer.write_line(line);
    ++m_events;
  }
  // For building an event in place: append to buffer(), then end_event().
  std::string& buffer() { return m_writer.buffer(); }
  void end_event() {
    m_writer.end_line();
    ++m_events;
  }
  BadData& bad_data() { return m_bad; }
  uint64_t events() const { return m_events; }

 private:
  LineWriter& m_writer;
  BadData& m_bad;
  uint64_t m_events = 0;
};

enum class Produced {
  more, // call again
  idle, // nothing ready now: wait for wait_fd() or wake_at()
  done, // the natural end (end of file, --count)
};

class CaptureSource {
 public:
  virtual ~CaptureSource() = default;
  // The source id (DESIGN §2): what store entries are keyed by.
  virtual std::string source_id() const = 0;
  // Orders two positions of this source (JSON texts): <0, 0 or >0.
  virtual int compare_pos(std::string_view a, std::string_view b) const = 0;
  // Positions the source after `pos` (JSON text), or at its beginning for "null".
  virtual void seek(const std::string& pos) = 0;
  // Emits events until `until` or until nothing is ready; returns only at points
  // where replaying from position() reproduces every later event.
  virtual Produced produce(Emitter& out, Clock::time_point until) = 0;
  // The position after the last event produced (JSON text).
  virtual std::string position() const = 0;
  // When idle: the fd that becomes readable with more, and/or when to call again.
  virtual int wait_fd() const { return -1; }
  virtual std::optional<Clock::time_point> wake_at() const { return std::nullopt; }
  // Acknowledges the source up to `pos`, which every sink has recorded.
  virtual void acknowledge(const std::string&) {}
};

struct CaptureOptions {
  CheckpointStore* store = nullptr;
  std::chrono::microseconds checkpoint_interval{1000000};
  std::chrono::microseconds drain_timeout{10000000};
  bool control = true; // false with --no-control
};

void run_capture(CaptureSource& source, LineWriter& out, BadData& bad,
                 const CaptureOptions& options, const Log& log);

} // namespace sluice::core
