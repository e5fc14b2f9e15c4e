// InputStage: the stage runner's loop for stages that read NDJSON on stdin
// (operators and sinks), DESIGN §5.
//
// It polls the input with the handler's timer as deadline, reads large blocks,
// checks every line (one JSON object; fully with --strict; in the same walk that
// finds the paths the handler reads, when it names some), applies --on-error
// to bad lines, tells events from control records and keeps the end-of-stream
// rules: EOF after the end record (or, without --checkpoint, in a stream that
// never carried control records) is a clean end; any other EOF means upstream
// crashed (exit 75); an abort record stops the stage with its code. The first
// SIGINT/SIGTERM is noted and draining goes on; a second exits at once.
// Not thread-safe. Throws Error.
#pragma once

#include "core/byte_source.hpp"
#include "core/control.hpp"
#include "core/error_policy.hpp"
#include "core/json_check.hpp"
#include "core/line_reader.hpp"
#include "core/log.hpp"
#include "core/path_set.hpp"
#include "core/stage_counters.hpp"

#include <chrono>
#include <optional>

namespace sluice::core {

using Clock = std::chrono::steady_clock;

struct InputOptions {
  uint64_t max_line_size = 256ull << 20;
  CheckLevel level = CheckLevel::object; // full under --strict
  bool expects_end = false;              // --checkpoint: a stream must end with an end record
  std::string source_name = "stdin";     // for messages
};

class InputHandler {
 public:
  virtual ~InputHandler() = default;
  // Paths the handler reads from every event, or nullptr. The stage finds them in
  // the pass that checks the event. Asked once, when run() starts.
  virtual const PathSet* wanted_paths() const { return nullptr; }
  // An event that passed the check; `doc` is its document, to be rewound before use;
  // `found`: the values of wanted_paths() in it (nullptr when there are none).
  virtual void on_event(const Line& line, simdjson::ondemand::document& doc,
                        const PathValues* found) = 0;
  // A control record other than abort, in stream order.
  virtual void on_control(const Line& line, const control::Record& record) = 0;
  // The input has nothing more ready: write out what waits for more input.
  // Also called after each on_timer() call made while the input is idle.
  virtual void on_idle() = 0;
  // When on_timer is next due, if ever.
  virtual std::optional<Clock::time_point> next_timer() const { return std::nullopt; }
  virtual void on_timer(Clock::time_point) {}
  // The stream ended cleanly.
  virtual void on_finish() = 0;
  // Upstream died (EOF without end) or aborted (`abort` set; `line` is the record):
  // keep nothing past the last barrier. An exception follows.
  virtual void on_abandon(const control::Abort* abort, const Line* line) = 0;
};

struct InputStats {
  uint64_t events = 0;
  uint64_t control = 0;
  uint64_t bytes = 0;
};

class InputStage {
 public:
  InputStage(ByteSource& input, const InputOptions& options, BadData& bad, const Log& log);

  void run(InputHandler& handler);
  const InputStats& stats() const { return m_stats; }

 private:
  void process(InputHandler& handler, const Line& line);
  void process_event(InputHandler& handler, const Line& line);
  void process_control(InputHandler& handler, const Line& line);
  // True when the input, were it to end now, ended without its end record.
  bool is_upstream_crash() const;
  void finish(InputHandler& handler);
  void wait(InputHandler& handler);

  ByteSource& m_input;
  InputOptions m_options;
  BadData& m_bad;
  const Log& m_log;
  LineReader m_reader;
  simdjson::ondemand::parser m_parser;
  JsonChecker m_checker; // --strict
  const PathSet* m_wanted = nullptr;
  PathValues m_found;
  simdjson::ondemand::parser m_control_parser;
  InputStats m_stats;
  StageCounters& m_counters = stage_counters();
  bool m_saw_control = false;
  bool m_ended = false; // the last line was an end record
  bool m_told_drain = false;
};

} // namespace sluice::core
