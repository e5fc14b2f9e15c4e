// sluice capture generate: flags -> connectors::generate::GenerateCapture.
#include "command.hpp"
#include "common.hpp"
#include "connectors/generate/generate_capture.hpp"
#include "core/list_split.hpp"

#include <memory>

namespace sluice::cli {

namespace {

struct Flags {
  CommonFlags common;
  uint64_t count = 0;
  double rate = 0;
  uint64_t seed = 1;
  double dup_rate = 0;
  double disorder = 0;
  std::string max_lateness = "2s";
  uint64_t keys = 10000;
  std::vector<std::string> tables;
  int64_t start_ts = 0;
  CLI::Option* start_ts_option = nullptr;
};

connectors::generate::GenerateOptions generate_options(const Flags& f) {
  connectors::generate::GenerateOptions o;
  connectors::generate::GeneratorOptions& g = o.generator;
  g.seed = f.seed;
  g.keys = f.keys;
  g.dup_rate = f.dup_rate;
  g.disorder = f.disorder;
  g.rate = f.rate;
  g.lateness_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      duration_flag("--max-lateness", f.max_lateness))
                      .count();
  std::string why;
  if (!f.tables.empty()) {
    g.tables.clear();
    if (!core::split_lists(f.tables, &g.tables, &why)) {
      usage_error("--tables: " + why);
    }
  }
  o.count = f.count;
  if (f.start_ts_option->count() > 0) {
    o.start_ts_ms = f.start_ts;
  }
  if (!f.common.source_id.empty()) {
    o.source_id = f.common.source_id;
  }
  if (!connectors::generate::validate_options(o, &why)) {
    usage_error(why);
  }
  return o;
}

void run(const Flags& f) {
  core::Log log("capture generate", f.common.quiet);
  connectors::generate::GenerateOptions o = generate_options(f);
  run_capture_stage(f.common, log, [&] {
    return std::make_unique<connectors::generate::GenerateCapture>(std::move(o));
  });
}

} // namespace

void add_capture_generate(CLI::App& capture, Commands& commands) {
  auto flags = std::make_shared<Flags>();
  CLI::App* app = capture.add_subcommand(
      "generate", "generate realistic CDC events from a seed: orders, duplicates, disorder");
  app->add_option("--count", flags->count, "stop after N events, duplicates included (0: never)")
      ->capture_default_str()
      ->type_name("N");
  app->add_option("--rate", flags->rate, "events per second (0: as fast as possible)")
      ->capture_default_str()
      ->type_name("EV/S");
  app->add_option("--seed", flags->seed, "seed: the same seed and flags give the same events")
      ->capture_default_str()
      ->type_name("N");
  app->add_option("--dup-rate", flags->dup_rate,
                  "fraction of events also sent a second time (0 to 1)")
      ->capture_default_str()
      ->type_name("P");
  app->add_option("--disorder", flags->disorder, "fraction of events that arrive late (0 to 1)")
      ->capture_default_str()
      ->type_name("P");
  app->add_option("--max-lateness", flags->max_lateness,
                  "latest a late event or a duplicate arrives after its ts")
      ->capture_default_str()
      ->type_name("DURATION");
  app->add_option("--keys", flags->keys, "distinct keys per table")
      ->capture_default_str()
      ->type_name("N");
  app->add_option("--tables", flags->tables,
                  "tables to change, repeatable and comma-separated (default public.orders)")
      ->allow_extra_args(false)
      ->type_name("LIST");
  flags->start_ts_option =
      app->add_option("--start-ts", flags->start_ts,
                      "epoch ms of the first event (default 1732406400000, or now with --rate)")
          ->type_name("MS");
  add_capture_flags(app, flags->common);
  add_log_flags(app, flags->common);
  commands.push_back({app, "capture generate", [flags] { run(*flags); }, &flags->common.quiet});
}

} // namespace sluice::cli
