// sluice: the subcommand table and the one place errors are caught (STYLE 2.4).
#include "command.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/signals.hpp"
#include "revision.hpp"

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <unistd.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <simdjson.h>
#include <sqlite3.h>
#include <xxhash.h>
#include <zstd.h>

namespace {

using sluice::cli::Command;
using sluice::cli::Commands;
using sluice::core::Error;
using sluice::core::ExitCode;

std::string version_text() {
  unsigned xxh = XXH_versionNumber();
  return fmt::format("sluice {} (git {})\nlibraries: simdjson {}.{}.{}, zstd {}, SQLite {}, fmt "
                     "{}.{}.{}, CLI11 {}, {}, xxHash {}.{}.{}",
                     SLUICE_VERSION, SLUICE_REVISION, int(simdjson::SIMDJSON_VERSION_MAJOR),
                     int(simdjson::SIMDJSON_VERSION_MINOR), int(simdjson::SIMDJSON_VERSION_REVISION),
                     ZSTD_versionString(),
                     sqlite3_libversion(), FMT_VERSION / 10000, FMT_VERSION / 100 % 100,
                     FMT_VERSION % 100, CLI11_VERSION, OpenSSL_version(OPENSSL_VERSION),
                     xxh / 10000, xxh / 100 % 100, xxh % 100);
}

// A closed fd 0, 1 or 2 would be handed out by the next open(), and data meant
// for stdout could land in a file. Park /dev/null there: read-only on 0 and 1
// (so writing to a closed stdout fails with EBADF instead of vanishing),
// write-only on 2.
void guard_standard_fds() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
      int got = open("/dev/null", fd == 2 ? O_WRONLY : O_RDONLY);
      if (got >= 0 && got != fd) {
        dup2(got, fd);
        close(got);
      }
    }
  }
}

// The deepest subcommand that was given on the command line.
CLI::App* parsed_leaf(CLI::App* app) {
  for (;;) {
    auto subs = app->get_subcommands();
    if (subs.empty()) {
      return app;
    }
    app = subs.front();
  }
}

std::string command_path(CLI::App* app) {
  std::string path;
  for (CLI::App* a = app; a != nullptr && a->get_parent() != nullptr; a = a->get_parent()) {
    path = path.empty() ? a->get_name() : a->get_name() + " " + path;
  }
  return path;
}

// Names an unknown subcommand before CLI11 does ("A subcommand is required" says
// nothing about the word it did not know). Group commands take no option values,
// so every plain word up to a leaf must be a subcommand.
bool report_unknown_command(CLI::App& app, int argc, char** argv) {
  CLI::App* current = &app;
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    auto subs = current->get_subcommands([](CLI::App*) { return true; });
    if (subs.empty()) {
      return false;
    }
    if (word.empty() || word[0] == '-') {
      continue;
    }
    CLI::App* next = nullptr;
    for (CLI::App* sub : subs) {
      if (sub->get_name() == word) {
        next = sub;
      }
    }
    if (next == nullptr) {
      std::string path = command_path(current);
      std::string shown = path.empty() ? "sluice" : "sluice " + path;
      fmt::print(stderr, "{}: error: unknown command '{}' (see '{} --help')\n", shown, word, shown);
      return true;
    }
    current = next;
  }
  return false;
}

// The last line of a run that is not an ordinary error ("stopped: ..."): as
// before in text logs, an error line under --log-format json.
void report_final(const std::string& stage, const char* prefix, const char* what) {
  if (sluice::core::log_format() == sluice::core::LogFormat::json) {
    sluice::core::write_log_line(stage, sluice::core::LogLevel::error, std::string(prefix) + what);
  } else {
    fmt::print(stderr, "sluice {}: {}{}\n", stage, prefix, what);
  }
}

int report_parse_error(CLI::App& app, const CLI::ParseError& e) {
  if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
    return app.exit(e); // --help, --version
  }
  CLI::App* leaf = parsed_leaf(&app);
  std::string path = command_path(leaf);
  std::string what = e.what();
  for (auto& c : what) {
    if (c == '\n') {
      c = ' ';
    }
  }
  fmt::print(stderr, "sluice{}{}: error: {} (see 'sluice{}{} --help')\n", path.empty() ? "" : " ",
             path, what, path.empty() ? "" : " ", path);
  return static_cast<int>(ExitCode::usage);
}

} // namespace

int main(int argc, char** argv) {
  guard_standard_fds();
  CLI::App app{"sluice: real-time data integration through Unix pipes.\n"
               "Subcommands stream newline-delimited JSON events; see sluice(1).",
               "sluice"};
  app.set_version_flag("-V,--version", version_text());
  app.require_subcommand(1);
  app.fallthrough(false);

  Commands commands;
  CLI::App* capture =
      app.add_subcommand("capture", "read a source and write its changes or messages as NDJSON");
  capture->require_subcommand(1);
  sluice::cli::add_capture_generate(*capture, commands);
  sluice::cli::add_capture_file(*capture, commands);
  sluice::cli::add_capture_kafka(*capture, commands);
  sluice::cli::add_capture_postgres(*capture, commands);
  sluice::cli::add_capture_poll(*capture, commands);
  CLI::App* sink = app.add_subcommand("sink", "read NDJSON and deliver it to a destination");
  sink->require_subcommand(1);
  sluice::cli::add_sink_file(*sink, commands);
  sluice::cli::add_sink_kafka(*sink, commands);
  sluice::cli::add_sink_sqlite(*sink, commands);
  sluice::cli::add_sink_postgres(*sink, commands);
  sluice::cli::add_transform(app, commands);
  sluice::cli::add_dedupe(app, commands);
  sluice::cli::add_reorder(app, commands);
  sluice::cli::add_checkpoint(app, commands);
  sluice::cli::add_completion(app, commands);

  if (report_unknown_command(app, argc, argv)) {
    return static_cast<int>(ExitCode::usage);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return report_parse_error(app, e);
  }

  CLI::App* leaf = parsed_leaf(&app);
  const Command* command = nullptr;
  for (const auto& c : commands) {
    if (c.app == leaf) {
      command = &c;
    }
  }
  if (command == nullptr) {
    fmt::print(stderr, "sluice: error: no such command (see 'sluice --help')\n");
    return static_cast<int>(ExitCode::usage);
  }

  sluice::core::signals::install();
  try {
    command->run();
    return 0;
  } catch (const Error& e) {
    if (e.is_broken_pipe()) {
      return 0;
    }
    using sluice::core::LogLevel;
    if (e.is_upstream_abort()) {
      report_final(command->stage, "stopped: ", e.what());
    } else if (e.code() == ExitCode::usage) {
      sluice::core::write_log_line(command->stage, LogLevel::error,
                                   fmt::format("{} (see 'sluice {} --help')", e.what(), command->stage));
    } else {
      sluice::core::write_log_line(command->stage, LogLevel::error, e.what());
    }
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    report_final(command->stage, "internal error: ", e.what());
    return static_cast<int>(ExitCode::internal);
  }
}
