// sluice sink sqlite: flags -> connectors::sqlite::SqliteSink.
#include "command.hpp"
#include "common.hpp"
#include "connectors/sqlite/sqlite_sink.hpp"

#include <memory>

namespace sluice::cli {

namespace {

struct Flags {
  CommonFlags common;
  std::string db;
  std::string table;
  std::vector<std::string> upsert;
  bool raw = false;
  std::string delete_mode = "delete";
  std::string if_newer;
};

void run(const Flags& f) {
  core::Log log("sink sqlite", f.common.quiet);
  connectors::sqlite::SqliteSinkOptions o;
  o.path = f.db;
  o.table = f.table;
  o.upsert = path_list("--upsert", f.upsert);
  o.raw = f.raw;
  parse_change_rules(f.delete_mode, f.if_newer, &o.delete_mode, &o.if_newer);
  run_sink_stage(f.common, log, [&] { return std::make_unique<connectors::sqlite::SqliteSink>(o); });
}

} // namespace

void add_sink_sqlite(CLI::App& sink, Commands& commands) {
  auto flags = std::make_shared<Flags>();
  CLI::App* app = sink.add_subcommand(
      "sqlite", "write events into a SQLite table: upserts by key, deletes, new columns as they "
                "appear, or raw events by id");
  app->add_option("db", flags->db, "database file (created if missing)")
      ->required()
      ->type_name("DB");
  app->add_option("--table", flags->table,
                  "table to write (created from the first event if missing)")
      ->required()
      ->type_name("TABLE");
  app->add_option(
         "--upsert", flags->upsert,
         "key paths, repeatable or comma-separated (default: the fields of the event's key)")
      ->allow_extra_args(false)
      ->type_name("PATH");
  app->add_flag("--raw", flags->raw,
                "land each event as (id, event text), ignoring ids already stored");
  app->add_option("--delete-mode", flags->delete_mode,
                  "what a delete does: delete the row, soft (set _sluice_deleted) or ignore")
      ->capture_default_str()
      ->check(CLI::IsMember({"delete", "soft", "ignore"}))
      ->type_name("MODE");
  app->add_option("--if-newer", flags->if_newer,
                  "apply a change only if this ordering field is not older than the stored row's "
                  "(deletes leave tombstones)")
      ->type_name("PATH");
  add_sink_flags(app, flags->common);
  add_reader_flags(app, flags->common);
  add_log_flags(app, flags->common);
  commands.push_back({app, "sink sqlite", [flags] { run(*flags); }, &flags->common.quiet});
}

} // namespace sluice::cli
