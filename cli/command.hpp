// The subcommand table of cli/main.cpp: each cli/<subcommand>.cpp adds its
// CLI11 subcommand and the one call into src/ that runs it.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace sluice::cli {

struct Command {
  CLI::App* app = nullptr;
  std::string stage; // "capture file": the prefix of its messages
  std::function<void()> run;
  // Set by the common flags: --quiet.
  bool* quiet = nullptr;
};

using Commands = std::vector<Command>;

void add_capture_generate(CLI::App& capture, Commands& commands);
void add_capture_file(CLI::App& capture, Commands& commands);
void add_capture_kafka(CLI::App& capture, Commands& commands);
void add_capture_postgres(CLI::App& capture, Commands& commands);
void add_capture_poll(CLI::App& capture, Commands& commands);
void add_sink_file(CLI::App& sink, Commands& commands);
void add_sink_kafka(CLI::App& sink, Commands& commands);
void add_sink_sqlite(CLI::App& sink, Commands& commands);
void add_sink_postgres(CLI::App& sink, Commands& commands);
void add_transform(CLI::App& app, Commands& commands);
void add_dedupe(CLI::App& app, Commands& commands);
void add_reorder(CLI::App& app, Commands& commands);
void add_checkpoint(CLI::App& app, Commands& commands);
void add_completion(CLI::App& app, Commands& commands);

} // namespace sluice::cli
