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
  run_sink_stage(f.common, log, [&] { return std::make_unique<connectors::file::FileSink>(o); });
}

} // namespace

void add_sink_file(CLI::App& sink, Commands& commands) {
  auto flags = std::make_shared<Flags>();
  flags->common.linger = "0";
  CLI::App* app = sink.add_subcommand(
      "file", "append NDJSON to a file (or stdout), plain or zstd, truncated back to the last "
              "recorded checkpoint on restart");
  app->add_option("file", flags->path, "file to append to, or - for stdout")
      ->required()
      ->type_name("FILE");
  app->add_option("--compress", flags->compress, "zstd or none (default: zstd when FILE ends in .zst)")
      ->check(CLI::IsMember({"zstd", "none"}))
      ->type_name("ALGO");
  app->add_option("--level", flags->level, "zstd compression level")
      ->capture_default_str()
      ->check(CLI::Range(1, 19))
      ->type_name("N");
  add_sink_flags(app, flags->common);
  add_reader_flags(app, flags->common);
  add_log_flags(app, flags->common);
  commands.push_back({app, "sink file", [flags] { run(*flags); }, &flags->common.quiet});
}

} // namespace sluice::cli
