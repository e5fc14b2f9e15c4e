// OperatorStage: the stage runner for operators (transform, dedupe, reorder,
// window): stdin through an Operator to stdout (DESIGN §4.2, §5).
//
// The stage reads and checks lines (InputStage), hands events and control
// records to the operator, writes what it emits through a LineWriter that is
// flushed whenever the input has nothing more ready, applies --on-error to the
// events the operator refuses, and keeps the delivery rules: side files (dead
// letters) are fsynced before a barrier goes out; at a clean end the operator
// flushes what it holds; at an EOF without the end record it drops what it
// holds and the stage exits 75; an abort record is forwarded and stops the
// stage with its code; any other failure writes an abort record downstream.
// Operators (src/ops) do no I/O: they see lines and time as arguments and emit
// through Emit. Not thread-safe; throws Error.
#pragma once

#include "core/control.hpp"
#include "core/input_stage.hpp"
#include "core/line_writer.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::core {

// Where an operator's output goes, in order.
class Emit {
 public:
  virtual ~Emit() = default;
  // An event line (no newline).
  virtual void event(std::string_view text) = 0;
  // For building an event in place: append to buffer(), then end_event().
  virtual std::string& buffer() = 0;
  virtual void end_event() = 0;
  // A control record line, forwarded or made by the operator. A checkpoint
  // barrier makes the stage sync its side files before the line goes out.
  virtual void control(std::string_view text, const control::Record& record) = 0;
};

class Operator {
 public:
  virtual ~Operator() = default;
  // Paths the operator reads from every event, or nullptr: the stage finds them
  // while it checks the event (one pass) and hands their values to on_event.
  virtual const PathSet* wanted_paths() const { return nullptr; }
  // An event that passed the input check (`doc` is its parsed document; rewind
  // before use; `found`: the values of wanted_paths(), or nullptr). False with a
  // reason when the event is bad data: the stage applies --on-error (the operator
  // must not have emitted it).
  virtual bool on_event(const Line& line, simdjson::ondemand::document& doc,
                        const PathValues* found, Emit& out, std::string* why) = 0;
  // A control record other than abort. The default forwards it unchanged.
  virtual void on_control(const Line& line, const control::Record& record, Emit& out) {
    out.control(line.text, record);
  }
  // When on_timer is next due (steady clock), if ever.
  virtual std::optional<Clock::time_point> next_timer() const { return std::nullopt; }
  virtual void on_timer(Clock::time_point, Emit&) {}
  // The input ended cleanly: emit everything still held.
  virtual void on_finish(Emit&) {}
  // Upstream died: drop everything held (nothing past the last barrier is kept).
  virtual void on_abandon() {}
  // One line for the summary at exit ("12 duplicates dropped").
  virtual std::string summary() const { return {}; }
};

// Work done around control records for stateful operators and side files
// (DESIGN §4.2, §4.5), such as restoring saved state and persisting it.
class ControlHook {
 public:
  virtual ~ControlHook() = default;
  // A start record arrived; runs before the operator sees it.
  virtual void on_start(const control::Start&) {}
  // A checkpoint barrier is about to be written downstream, after the dead
  // letters were synced: make durable what belongs to it.
  virtual void before_barrier(const control::Checkpoint&) {}
  // The input ended cleanly and the operator emitted what it held.
  virtual void on_finish() {}
};

// Runs `op` from `input` to `out` until the input ends. Throws Error as
// described above.
void run_operator(ByteSource& input, LineWriter& out, Operator& op, const InputOptions& options,
                  BadData& bad, const Log& log);
// The same, with hooks run in the order given.
void run_operator(ByteSource& input, LineWriter& out, Operator& op, const InputOptions& options,
                  BadData& bad, const Log& log, const std::vector<ControlHook*>& hooks);

} // namespace sluice::core
