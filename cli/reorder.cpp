// sluice reorder: flags -> ops::Reorder (time order) or ops::Sequencer
// (--seq: sequence order per partition), with the --late dead-letter file
// synced before barriers.
#include "command.hpp"
#include "common.hpp"
#include "core/side_file.hpp"
#include "core/state_persistence.hpp"
#include "ops/reorder.hpp"
#include "ops/sequencer.hpp"

#include <memory>

namespace sluice::cli {

namespace {

struct Flags {
  CommonFlags common;
  std::string time = "ts";
  std::string lateness;
  std::string late = "emit";
  std::string idle_timeout = "auto";
  std::string max_buffer = "256MiB";
  std::string on_full = "emit";
  std::string seq;
  std::string partition;
  std::string gap_timeout = "1s";
};

core::JsonPath path_flag(const std::string& flag, const std::string& text) {
  core::JsonPath p;
  std::string why;
  if (!core::JsonPath::parse(text, &p, &why)) {
    usage_error(flag + ": " + why);
  }
  if (p.has_every()) {
    usage_error(flag + ": a path with [*] names many values, not one: " + text);
  }
  return p;
}

std::chrono::milliseconds millis(const std::string& flag, const std::string& value) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(duration_flag(flag, value));
}

void check_mode(const Flags& f, const CLI::App& app) {
  bool by_seq = !f.seq.empty();
  for (const char* flag : {"--lateness", "--idle-timeout", "--time"}) {
    if (by_seq && app.count(flag) > 0) {
      usage_error(std::string(flag) + " orders by time: it cannot be combined with --seq");
    }
  }
  for (const char* flag : {"--partition", "--gap-timeout"}) {
    if (!by_seq && app.count(flag) > 0) {
      usage_error(std::string(flag) + " needs --seq");
    }
  }
  if (!by_seq && f.lateness.empty()) {
    usage_error("--lateness is required: how far out of order events may arrive (or give --seq)");
  }
}

std::unique_ptr<core::Operator> make_reorder(const Flags& f, const ops::LatePolicy& late,
                                             core::SideOutput* late_file, uint64_t max_events,
                                             uint64_t max_bytes, const core::Log& log) {
  auto warn = [&log](const std::string& message) { log.warn("{}", message); };
  if (!f.seq.empty()) {
    ops::SequencerOptions o;
    o.seq = path_flag("--seq", f.seq);
    if (!f.partition.empty()) {
      o.partition = path_flag("--partition", f.partition);
    }
    o.gap_timeout = millis("--gap-timeout", f.gap_timeout);
    o.late = late.mode;
    o.late_file = late_file;
    o.max_events = max_events;
    o.max_bytes = max_bytes;
    o.fail_when_full = f.on_full == "fail";
    o.warn = warn;
    return std::make_unique<ops::Sequencer>(std::move(o));
  }
  ops::ReorderOptions o;
  o.time = path_flag("--time", f.time);
  o.lateness = millis("--lateness", f.lateness);
  if (f.idle_timeout == "off") {
    o.idle = ops::ReorderOptions::Idle::off;
  } else if (f.idle_timeout != "auto") {
    o.idle = ops::ReorderOptions::Idle::fixed;
    o.idle_timeout = millis("--idle-timeout", f.idle_timeout);
  }
  o.late = late.mode;
  o.late_file = late_file;
  o.max_events = max_events;
  o.max_bytes = max_bytes;
  o.fail_when_full = f.on_full == "fail";
  o.warn = warn;
  return std::make_unique<ops::Reorder>(std::move(o));
}

void run(const Flags& f, const CLI::App& app) {
  core::Log log("reorder", f.common.quiet);
  check_mode(f, app);
  ops::LatePolicy late;
  std::string why;
  if (!ops::LatePolicy::parse(f.late, &late, &why)) {
    usage_error(why);
  }
  uint64_t max_events = 0;
  uint64_t max_bytes = 0;
  if (!ops::parse_buffer_limit(f.max_buffer, &max_events, &max_bytes, &why)) {
    usage_error(why);
  }
  core::ErrorPolicy policy = error_policy(f.common);
  core::InputOptions input = input_options(f.common);
  std::unique_ptr<core::SideFile> late_file;
  std::vector<core::SideFile*> sides;
  if (late.mode == ops::LatePolicy::Mode::dead_letter) {
    late_file = std::make_unique<core::SideFile>(late.path);
    sides.push_back(late_file.get());
  }
  auto op = make_reorder(f, late, late_file.get(), max_events, max_bytes, log);
  core::SideFileSync sync(sides);
  core::BadData bad(policy, log);
  core::FdSource in(0, "stdin");
  core::LineWriter out(1, "stdout");
  core::run_operator(in, out, *op, input, bad, log, {&sync});
}

} // namespace

void add_reorder(CLI::App& app, Commands& commands) {
  auto flags = std::make_shared<Flags>();
  CLI::App* sub = app.add_subcommand(
      "reorder", "put out-of-order events back in event-time order within a lateness, or in "
                 "sequence order per partition");
  sub->add_option("--time", flags->time, "event-time field to order by")
      ->capture_default_str()
      ->type_name("PATH");
  sub->add_option("--lateness", flags->lateness,
                  "how far behind the newest event time an event may arrive (required without --seq)")
      ->type_name("DURATION");
  sub->add_option("--late", flags->late, "what to do with later events: emit, drop or dead-letter:FILE")
      ->capture_default_str()
      ->type_name("POLICY");
  sub->add_option("--idle-timeout", flags->idle_timeout,
                  "input pause after which the watermark follows the wall clock: a duration, off, or "
                  "auto (--lateness once barriers flow)")
      ->capture_default_str()
      ->type_name("DURATION");
  sub->add_option("--max-buffer", flags->max_buffer, "events held at most: a count or a size")
      ->capture_default_str()
      ->type_name("LIMIT");
  sub->add_option("--on-full", flags->on_full, "when --max-buffer is reached: emit the oldest early, or fail")
      ->capture_default_str()
      ->check(CLI::IsMember({"emit", "fail"}))
      ->type_name("ACTION");
  sub->add_option("--seq", flags->seq, "order by this integer sequence field instead of by time")
      ->type_name("PATH");
  sub->add_option("--partition", flags->partition, "with --seq: the field whose values have their own sequences")
      ->type_name("PATH");
  sub->add_option("--gap-timeout", flags->gap_timeout, "with --seq: how long a missing number is waited for")
      ->capture_default_str()
      ->type_name("DURATION");
  add_operator_flags(sub, flags->common);
  commands.push_back({sub, "reorder", [flags, sub] { run(*flags, *sub); }, &flags->common.quiet});
}

} // namespace sluice::cli
