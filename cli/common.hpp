// Flags shared by subcommands (DESIGN §2, §5) and their conversion into the
// option structs of src/core. Conversion failures throw Error(usage).
#pragma once

#include "connectors/change_rules.hpp"
#include "core/capture_stage.hpp"
#include "core/checkpoint_store.hpp"
#include "core/error_policy.hpp"
#include "core/input_stage.hpp"
#include "core/json_path.hpp"
#include "core/operator_stage.hpp"
#include "core/sink_stage.hpp"

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sluice::cli {

struct CommonFlags {
  bool quiet = false;
  std::string on_error = "fail";
  std::string max_line_size = "256MiB";
  bool strict = false;
  std::string checkpoint;
  std::string source_id;
  std::string sink_id;
  std::string checkpoint_interval = "1s";
  std::string drain_timeout = "10s";
  bool no_control = false;
  std::string linger = "20ms";
  uint64_t batch = 10000;
  std::string log_format = "text";
  std::string progress = "auto";
  std::string metrics; // ADDR of --metrics, empty without
};

// --quiet, --log-format; once the command line is parsed, they configure core/log
// and core/watch (with --progress and --metrics when the command has them).
void add_log_flags(CLI::App* app, CommonFlags& f);
// --progress, --metrics: every stage (added by the capture, sink and operator flags)
void add_watch_flags(CLI::App* app, CommonFlags& f);
// --on-error, --max-line-size: every stage that reads lines
void add_reader_flags(CLI::App* app, CommonFlags& f);
// --checkpoint, --source-id, --checkpoint-interval, --drain-timeout, --no-control
void add_capture_flags(CLI::App* app, CommonFlags& f);
// --checkpoint, --source-id, --sink-id, --linger, --batch, --strict
void add_sink_flags(CLI::App* app, CommonFlags& f);
// Every flag an operator shares: --strict, then add_reader_flags and add_log_flags.
void add_operator_flags(CLI::App* app, CommonFlags& f);

core::ErrorPolicy error_policy(const CommonFlags& f);
uint64_t max_line_size(const CommonFlags& f);
std::chrono::microseconds duration_flag(const std::string& flag, const std::string& value);
uint64_t size_flag(const std::string& flag, const std::string& value);

// Opens --checkpoint (null when not given).
std::unique_ptr<core::CheckpointStore> open_checkpoint(const CommonFlags& f);

core::CaptureOptions capture_options(const CommonFlags& f, core::CheckpointStore* store);
core::SinkOptions sink_options(const CommonFlags& f, core::CheckpointStore* store);
core::InputOptions input_options(const CommonFlags& f);

// Runs a capture writing stdout, with the store, options and bad-data policy of
// `f`. The shared flags are checked before make_source() opens anything, so a
// usage error is reported as such (exit 2) even when the source is missing too.
void run_capture_stage(const CommonFlags& f, const core::Log& log,
                       const std::function<std::unique_ptr<core::CaptureSource>()>& make_source);
// Likewise, for a source that reads the store itself (make_source gets it, or null).
void run_capture_stage(
    const CommonFlags& f, const core::Log& log,
    const std::function<std::unique_ptr<core::CaptureSource>(core::CheckpointStore*)>& make_source);
// Runs a sink reading stdin, likewise.
void run_sink_stage(const CommonFlags& f, const core::Log& log,
                    const std::function<std::unique_ptr<core::SinkTarget>()>& make_target);

// Runs an operator from stdin to stdout, likewise (make_operator is called after
// the shared flags are checked).
void run_operator_stage(const CommonFlags& f, const core::Log& log,
                        const std::function<std::unique_ptr<core::Operator>()>& make_operator);

// Throws Error(usage) with `message`.
[[noreturn]] void usage_error(const std::string& message);
// The paths of a list flag (repeatable and comma-separated, DESIGN §2); a
// usage error naming `flag` when one does not parse.
std::vector<core::JsonPath> path_list(const std::string& flag, const std::vector<std::string>& values);
// --delete-mode and --if-newer of the table sinks (connectors/change_rules); a
// usage error when one does not parse.
void parse_change_rules(const std::string& delete_mode, const std::string& if_newer,
                        connectors::DeleteMode* mode, std::optional<core::JsonPath>* newer);

} // namespace sluice::cli
