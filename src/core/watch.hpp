// Watch: what --progress and --metrics start around a running stage.
//
// The shared flags set the process-wide WatchOptions once (configure_watch),
// before the stage runs; each stage runner (run_capture, run_sink,
// run_operator) then holds a Watch for its run: it zeroes stage_counters(),
// binds the metrics server when --metrics is given (throws Error as
// MetricsServer does) and starts the live progress line under --progress
// always, or under auto when stderr is a terminal, stdout is not a pipe (in a
// pipeline on one terminal only the last stage draws, the stages do not
// overwrite each other's line) and --quiet is not given.
// end_progress() clears the live line before the stage prints its summary.
// Without configure_watch() nothing is started (unit tests). Used from the
// stage's main thread.
#pragma once

#include "core/metrics_server.hpp"
#include "core/progress.hpp"

#include <memory>
#include <optional>
#include <string>

namespace sluice::core {

enum class ProgressMode { automatic, always, never };

// Parses "auto", "always" or "never".
bool parse_progress_mode(std::string_view text, ProgressMode* out);

struct WatchOptions {
  ProgressMode progress = ProgressMode::never;
  bool quiet = false;
  std::optional<MetricsAddress> metrics;
};

void configure_watch(const WatchOptions& options);
const WatchOptions& watch_options();

// True when `options` show the live line, given whether stderr is a terminal
// and whether stdout is a pipe.
bool shows_progress(const WatchOptions& options, bool stderr_is_tty, bool stdout_is_pipe);

class Watch {
 public:
  Watch(StageKind kind, std::string command);
  ~Watch();
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;

  void end_progress();
  // The metrics server's port, or 0 without --metrics.
  uint16_t metrics_port() const;

 private:
  std::string render() const;

  StageKind m_kind;
  std::string m_command;
  int64_t m_start_ms;
  std::unique_ptr<MetricsServer> m_metrics;
  std::unique_ptr<ProgressLine> m_progress;
};

} // namespace sluice::core
