#include "common.hpp"

#include "connectors/stores.hpp"
#include "core/line_writer.hpp"
#include "core/error.hpp"
#include "core/list_split.hpp"
#include "core/units.hpp"
#include "core/watch.hpp"

namespace sluice::cli {

void usage_error(const std::string& message) { throw core::Error(core::ExitCode::usage, message); }

std::vector<core::JsonPath> path_list(const std::string& flag, const std::vector<std::string>& values) {
  std::vector<std::string> items;
  std::string why;
  if (!core::split_lists(values, &items, &why)) {
    usage_error(flag + ": " + why);
  }
  std::vector<core::JsonPath> paths(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    if (!core::JsonPath::parse(items[i], &paths[i], &why)) {
      usage_error(flag + ": " + why);
    }
  }
  return paths;
}

void parse_change_rules(const std::string& delete_mode, const std::string& if_newer,
                        connectors::DeleteMode* mode, std::optional<core::JsonPath>* newer) {
  std::string why;
  if (!connectors::parse_delete_mode(delete_mode, mode, &why)) {
    usage_error(why);
  }
  if (!if_newer.empty()) {
    core::JsonPath path;
    if (!core::JsonPath::parse(if_newer, &path, &why)) {
      usage_error("--if-newer: " + why);
    }
    if (path.has_every()) {
      usage_error("--if-newer: a path cannot hold [*]");
    }
    *newer = path;
  }
}

namespace {

// Applies --log-format, --progress and --metrics once the command line is parsed,
// before the stage runs (and before any message is printed).
void configure_watch_and_log(const CommonFlags& f) {
  core::configure_log(f.log_format == "json" ? core::LogFormat::json : core::LogFormat::text,
                      core::use_colour());
  core::WatchOptions w;
  core::parse_progress_mode(f.progress, &w.progress);
  w.quiet = f.quiet;
  if (!f.metrics.empty()) {
    core::MetricsAddress address;
    std::string why;
    if (core::parse_metrics_address(f.metrics, &address, &why)) {
      w.metrics = address;
    }
  }
  core::configure_watch(w);
}

} // namespace

void add_log_flags(CLI::App* app, CommonFlags& f) {
  app->add_flag("-q,--quiet", f.quiet, "print only warnings and errors (no summary)");
  app->add_option("--log-format", f.log_format, "format of messages on stderr: text or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}))
      ->type_name("FORMAT");
  app->parse_complete_callback([&f] { configure_watch_and_log(f); });
}

void add_watch_flags(CLI::App* app, CommonFlags& f) {
  app->add_option("--progress", f.progress, "live progress line on stderr: auto (a terminal, last stage), always or never")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->type_name("WHEN");
  app->add_option("--metrics", f.metrics, "serve Prometheus metrics over HTTP at PORT or HOST:PORT (host 127.0.0.1)")
      ->check([](const std::string& value) {
        core::MetricsAddress address;
        std::string why;
        return core::parse_metrics_address(value, &address, &why) ? std::string() : why;
      })
      ->type_name("ADDR");
}

void add_reader_flags(CLI::App* app, CommonFlags& f) {
  app->add_option("--on-error", f.on_error, "what to do with bad data: fail, skip or dead-letter:FILE")
      ->capture_default_str()
      ->type_name("POLICY");
  app->add_option("--max-line-size", f.max_line_size, "longest line accepted (longer lines are bad data)")
      ->capture_default_str()
      ->type_name("SIZE");
}

void add_capture_flags(CLI::App* app, CommonFlags& f) {
  app->add_option("--checkpoint", f.checkpoint, "checkpoint store to resume from: a file, sqlite:DB or postgresql://URI")
      ->type_name("STORE");
  app->add_option("--source-id", f.source_id, "source id in the store (default: derived from the source)")
      ->type_name("ID");
  app->add_option("--checkpoint-interval", f.checkpoint_interval, "time between checkpoint barriers")
      ->capture_default_str()
      ->type_name("DURATION");
  app->add_option("--drain-timeout", f.drain_timeout, "how long to wait at exit for the sinks to record the final checkpoint")
      ->capture_default_str()
      ->type_name("DURATION");
  app->add_flag("--no-control", f.no_control, "write events only, no control records (not with --checkpoint)");
  add_watch_flags(app, f);
}

void add_sink_flags(CLI::App* app, CommonFlags& f) {
  app->add_option("--checkpoint", f.checkpoint, "checkpoint store to record positions in: a file, sqlite:DB or postgresql://URI")
      ->type_name("STORE");
  app->add_option("--source-id", f.source_id, "source id to register under (default: from the start record)")
      ->type_name("ID");
  app->add_option("--sink-id", f.sink_id, "sink id in the store (default: derived from the destination)")
      ->type_name("ID");
  app->add_option("--linger", f.linger, "longest time an event waits for its commit (0: commit whenever input pauses)")
      ->capture_default_str()
      ->type_name("DURATION");
  app->add_option("--batch", f.batch, "commit after this many events")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->type_name("N");
  app->add_flag("--strict", f.strict, "validate every line fully, not only its shape");
  add_watch_flags(app, f);
}

void add_operator_flags(CLI::App* app, CommonFlags& f) {
  app->add_flag("--strict", f.strict, "validate every line fully, not only its shape");
  add_reader_flags(app, f);
  add_log_flags(app, f);
  add_watch_flags(app, f);
}

core::ErrorPolicy error_policy(const CommonFlags& f) {
  core::ErrorPolicy p;
  std::string why;
  if (!core::ErrorPolicy::parse(f.on_error, &p, &why)) {
    usage_error(why);
  }
  return p;
}

std::chrono::microseconds duration_flag(const std::string& flag, const std::string& value) {
  std::chrono::microseconds d{};
  std::string why;
  if (!core::parse_duration(value, &d, &why)) {
    usage_error(flag + ": " + why);
  }
  return d;
}

uint64_t size_flag(const std::string& flag, const std::string& value) {
  uint64_t n = 0;
  std::string why;
  if (!core::parse_size(value, &n, &why)) {
    usage_error(flag + ": " + why);
  }
  return n;
}

uint64_t max_line_size(const CommonFlags& f) {
  uint64_t n = size_flag("--max-line-size", f.max_line_size);
  if (n == 0) {
    usage_error("--max-line-size must be more than 0");
  }
  return n;
}

std::unique_ptr<core::CheckpointStore> open_checkpoint(const CommonFlags& f) {
  if (f.checkpoint.empty()) {
    return nullptr;
  }
  return connectors::open_store(f.checkpoint);
}

core::CaptureOptions capture_options(const CommonFlags& f, core::CheckpointStore* store) {
  if (f.no_control && store != nullptr) {
    usage_error("--no-control cannot be combined with --checkpoint: barriers carry the positions");
  }
  core::CaptureOptions o;
  o.store = store;
  o.checkpoint_interval = duration_flag("--checkpoint-interval", f.checkpoint_interval);
  if (o.checkpoint_interval.count() <= 0) {
    usage_error("--checkpoint-interval must be more than 0");
  }
  o.drain_timeout = duration_flag("--drain-timeout", f.drain_timeout);
  o.control = !f.no_control;
  return o;
}

core::SinkOptions sink_options(const CommonFlags& f, core::CheckpointStore* store) {
  core::SinkOptions o;
  o.store = store;
  if (!f.source_id.empty()) {
    o.source_id = f.source_id;
  }
  if (!f.sink_id.empty()) {
    o.sink_id = f.sink_id;
  }
  o.linger = duration_flag("--linger", f.linger);
  o.batch = f.batch;
  return o;
}

core::InputOptions input_options(const CommonFlags& f) {
  core::InputOptions o;
  o.max_line_size = max_line_size(f);
  o.level = f.strict ? core::CheckLevel::full : core::CheckLevel::object;
  o.expects_end = !f.checkpoint.empty();
  return o;
}

void run_capture_stage(const CommonFlags& f, const core::Log& log,
                       const std::function<std::unique_ptr<core::CaptureSource>()>& make_source) {
  run_capture_stage(f, log, [&](core::CheckpointStore*) { return make_source(); });
}

void run_capture_stage(
    const CommonFlags& f, const core::Log& log,
    const std::function<std::unique_ptr<core::CaptureSource>(core::CheckpointStore*)>& make_source) {
  core::ErrorPolicy policy = error_policy(f);
  auto store = open_checkpoint(f);
  core::CaptureOptions options = capture_options(f, store.get());
  auto source = make_source(store.get());
  core::BadData bad(policy, log);
  core::LineWriter out(1, "stdout");
  core::run_capture(*source, out, bad, options, log);
}

void run_sink_stage(const CommonFlags& f, const core::Log& log,
                    const std::function<std::unique_ptr<core::SinkTarget>()>& make_target) {
  core::ErrorPolicy policy = error_policy(f);
  core::InputOptions input = input_options(f);
  auto store = open_checkpoint(f);
  core::SinkOptions sink = sink_options(f, store.get());
  auto target = make_target();
  core::BadData bad(policy, log);
  core::FdSource in(0, "stdin");
  core::run_sink(in, *target, sink, input, bad, log);
}

void run_operator_stage(const CommonFlags& f, const core::Log& log,
                        const std::function<std::unique_ptr<core::Operator>()>& make_operator) {
  core::ErrorPolicy policy = error_policy(f);
  core::InputOptions input = input_options(f);
  auto op = make_operator();
  core::BadData bad(policy, log);
  core::FdSource in(0, "stdin");
  core::LineWriter out(1, "stdout");
  core::run_operator(in, out, *op, input, bad, log);
}

} // namespace sluice::cli
