// sluice capture file: flags -> connectors::file::FileCapture.
#include "command.hpp"
#include "common.hpp"
#include "connectors/file/file_capture.hpp"

#include <memory>

namespace sluice::cli {

namespace {

struct Flags {
  CommonFlags common;
  std::vector<std::string> files;
  std::string format = "ndjson";
  bool follow = false;
  std::string poll_interval = "1s";
};

void run(const Flags& f) {
  core::Log log("capture file", f.common.quiet);
  for (const auto& path : f.files) {
    if (path == "-" && !f.common.checkpoint.empty()) {
      usage_error("stdin (-) cannot be replayed, so it cannot be read with --checkpoint");
    }
  }
  connectors::file::FileCaptureOptions o;
  o.paths = f.files;
  o.lines = f.format == "lines";
  o.max_line_size = max_line_size(f.common);
  o.follow = f.follow;
  o.poll_interval = duration_flag("--poll-interval", f.poll_interval);
  if (o.poll_interval.count() <= 0) {
    usage_error("--poll-interval must be more than 0");
  }
  for (const auto& path : f.files) {
    if (f.follow && path == "-") {
      usage_error("stdin (-) cannot be followed: --follow takes files");
    }
  }
  if (f.follow && f.files.empty()) {
    usage_error("--follow needs files to follow");
  }
  if (!f.common.source_id.empty()) {
    o.source_id = f.common.source_id;
  }
  if (o.paths.empty() && !f.common.checkpoint.empty()) {
    usage_error("stdin cannot be replayed, so it cannot be read with --checkpoint: name a file");
  }
  run_capture_stage(f.common, log, [&] {
    return std::make_unique<connectors::file::FileCapture>(std::move(o), log);
  });
}

} // namespace

void add_capture_file(CLI::App& capture, Commands& commands) {
  auto flags = std::make_shared<Flags>();
  CLI::App* app = capture.add_subcommand(
      "file", "read NDJSON (or text lines) from files or stdin, plain or zstd, validated fully");
  app->add_option("files", flags->files, "files to read in order; - or none for stdin")
      ->type_name("FILE");
  app->add_option("--format", flags->format, "ndjson, or lines: wrap each text line as {\"data\":…}")
      ->capture_default_str()
      ->check(CLI::IsMember({"ndjson", "lines"}))
      ->type_name("FORMAT");
  app->add_flag("-F,--follow", flags->follow,
                "follow the files like tail -F: appends, rotation, truncation; never ends");
  app->add_option("--poll-interval", flags->poll_interval,
                  "with --follow: how often to look at the files besides inotify wake-ups")
      ->capture_default_str()
      ->type_name("DURATION");
  add_capture_flags(app, flags->common);
  add_reader_flags(app, flags->common);
  add_log_flags(app, flags->common);
  commands.push_back({app, "capture file", [flags] { run(*flags); }, &flags->common.quiet});
}

} // namespace sluice::cli
