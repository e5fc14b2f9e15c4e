// sluice sink file: flags -> connectors::file::FileSink.
#include "command.hpp"
#include "common.hpp"
#include "connectors/file/file_sink.hpp"

#include <memory>

namespace sluice::cli {

namespace {

struct Flags {
  CommonFlags common;
  std::string path;
  std::string compress;
  int level = 3;
  std::string rotate_size = "0";
  std::string rotate_interval = "0";
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void run(const Flags& f) {
  core::Log log("sink file", f.common.quiet);
  if (f.path == "-" && !f.common.checkpoint.empty()) {
    usage_error("stdout (-) cannot hold a position, so it cannot be used with --checkpoint");
  }
  connectors::file::FileSinkOptions o;
  o.path = f.path;
  o.zstd = f.compress.empty() ? ends_with(f.path, ".zst") : f.compress == "zstd";
  o.level = f.level;
  o.rotate_size = size_flag("--rotate-size", f.rotate_size);
  o.rotate_interval = duration_flag("--rotate-interval", f.rotate_interval);
  bool rotating = o.rotate_size > 0 || o.rotate_interval.count() > 0;
  if (rotating && f.path == "-") {
    usage_error("stdout (-) cannot be rotated");
  }
  if (rotating && f.path.find('%') == std::string::npos) {
    usage_error("--rotate-size/--rotate-interval need a file pattern with strftime fields, e.g. "
                "out-%Y%m%dT%H%M%S.ndjson.zst");
  }
  run_sink_stage(f.common, log, [&] { return std::make_unique<connectors::file::FileSink>(o); });
}

} // namespace

void add_sink_file(CLI::App& sink, Commands& commands) {
  auto flags = std::make_shared<Flags>();
  flags->common.linger = "0";
  CLI::App* app = sink.add_subcommand(
      "file", "append NDJSON to a file (or stdout), plain or zstd, truncated back to the last "
              "recorded checkpoint on restart");
  app->add_option("file", flags->path,
                  "file to append to, - for stdout, or a strftime pattern (UTC) when rotating")
      ->required()
      ->type_name("FILE");
  app->add_option("--compress", flags->compress, "zstd or none (default: zstd when FILE ends in .zst)")
      ->check(CLI::IsMember({"zstd", "none"}))
      ->type_name("ALGO");
  app->add_option("--level", flags->level, "zstd compression level")
      ->capture_default_str()
      ->check(CLI::Range(1, 19))
      ->type_name("N");
  app->add_option("--rotate-size", flags->rotate_size,
                  "start a new file at the next checkpoint once the file holds this much (0: never)")
      ->capture_default_str()
      ->type_name("SIZE");
  app->add_option("--rotate-interval", flags->rotate_interval,
                  "start a new file at the next checkpoint once the file is this old (0: never)")
      ->capture_default_str()
      ->type_name("DURATION");
  add_sink_flags(app, flags->common);
  add_reader_flags(app, flags->common);
  add_log_flags(app, flags->common);
  commands.push_back({app, "sink file", [flags] { run(*flags); }, &flags->common.quiet});
}

} // namespace sluice::cli
