// CaptureStage: the stage runner's loop for captures (DESIGN §4.1, §4.4, §5).
//
// It picks the resume position (the lowest over the sinks registered in the
// store), writes the start record, lets the source produce events, emits a
// checkpoint barrier every --checkpoint-interval at the points the source
// returns control (always replayable points) when events were written or the
// position moved since the last one, and at a natural end or on the
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
  // `controls` false (--no-control): control() writes nothing.
  Emitter(LineWriter& writer, BadData& bad, bool controls = true)
      : m_writer(writer), m_bad(bad), m_controls(controls) {}
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
  // A control record the source makes itself, in stream order (a schema record):
  // not counted as an event; dropped under --no-control.
  void control(std::string_view line) {
    if (m_controls) {
      m_writer.write_line(line);
    }
  }
  BadData& bad_data() { return m_bad; }
  uint64_t events() const { return m_events; }

 private:
  LineWriter& m_writer;
  BadData& m_bad;
  bool m_controls;
  uint64_t m_events = 0;
};

enum class Produced {
  more, // call again
  idle, // nothing ready now: wait for wait_fd() or wake_at()
  done, // the natural end (end of file, --count)
  // Write a checkpoint barrier now and flush stdout, then call barrier_written()
  // and produce() again: a source that is about to give up part of itself (a
  // Kafka partition taken away by a rebalance) waits for the sinks to record it.
  barrier,
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
  // Called instead of seek() when a sink registered in the store has recorded
  // nothing yet: the pipeline has never completed a barrier, so start from the
  // very beginning (for a database: a new initial snapshot), not from what the
  // source itself remembers. Default: seek("null").
  virtual void seek_beginning() { seek("null"); }
  // After seek(): true when the source could not continue from the position it
  // was given and started over (a snapshot redone from scratch). The start
  // record then carries resume null, so stateful stages start afresh too.
  virtual bool started_over() const { return false; }
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
  // True when the source wants acknowledge() while it runs, not only at the end:
  // at every checkpoint interval the stage passes the lowest position recorded by
  // every registered sink (without a store: the last barrier, or without control
  // records the position, once written to stdout).
  virtual bool acknowledges_progress() const { return false; }
  // After a barrier asked for with Produced::barrier is written and stdout
  // flushed: its id, or none under --no-control (only stdout was flushed).
  virtual void barrier_written(const std::optional<control::BarrierId>&) {}
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
