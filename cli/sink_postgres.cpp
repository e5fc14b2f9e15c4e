// sluice sink postgres: flags -> connectors::postgres::PostgresSink.
#include "command.hpp"
#include "common.hpp"
#include "connectors/postgres/pg_sink.hpp"
#include "core/byte_source.hpp"

#include <memory>

namespace sluice::cli {

namespace {

namespace pg = connectors::postgres;

struct Flags {
  CommonFlags common;
  std::string uri;
  std::string table;
  std::vector<std::string> upsert;
  std::string delete_mode = "delete";
  std::string if_newer;
  bool create = false;
  bool raw = false;
  std::string password_env;
  std::string password_file;
};

pg::PostgresSinkOptions sink_options(const Flags& f) {
  pg::PostgresSinkOptions o;
  o.connect.uri = f.uri;
  o.connect.password = pg::read_password(f.password_env, f.password_file);
  if (!f.table.empty()) {
    o.table = f.table;
  }
  o.upsert = path_list("--upsert", f.upsert);
  parse_change_rules(f.delete_mode, f.if_newer, &o.delete_mode, &o.if_newer);
  o.create = f.create;
  o.raw = f.raw;
  return o;
}

// As run_sink_stage, with the bad-data policy made first: the sink reports
// rows the database refuses at commit time, not only while reading.
void run(const Flags& f) {
  core::Log log("sink postgres", f.common.quiet);
  if (pg::uri_has_password(f.uri)) {
    log.warn("the URI holds a password, which other users can see in the process list: give it "
             "with --password-env or --password-file");
  }
  core::ErrorPolicy policy = error_policy(f.common);
  core::InputOptions input = input_options(f.common);
  auto store = open_checkpoint(f.common);
  core::SinkOptions sink = cli::sink_options(f.common, store.get());
  pg::PostgresSinkOptions o = sink_options(f);
  core::BadData bad(policy, log);
  pg::PostgresSink target(std::move(o), bad, log);
  core::FdSource in(0, "stdin");
  core::run_sink(in, target, sink, input, bad, log);
}

} // namespace

void add_sink_postgres(CLI::App& sink, Commands& commands) {
  auto flags = std::make_shared<Flags>();
  CLI::App* app = sink.add_subcommand(
      "postgres", "write events into PostgreSQL tables: batched upserts by key, deletes, "
                  "truncates, new tables and columns, or raw events by id");
  app->add_option("uri", flags->uri, "postgresql://user@host:port/db or a conninfo string")
      ->required()
      ->type_name("URI");
  app->add_option("--table", flags->table,
                  "table to write every event to (default: each event's own table)")
      ->type_name("TABLE");
  app->add_option(
         "--upsert", flags->upsert,
         "key paths, repeatable or comma-separated (default: the fields of the event's key)")
      ->allow_extra_args(false)
      ->type_name("PATH");
  app->add_option("--delete-mode", flags->delete_mode,
                  "what a delete does: delete the row, soft (set _sluice_deleted) or ignore")
      ->capture_default_str()
      ->check(CLI::IsMember({"delete", "soft", "ignore"}))
      ->type_name("MODE");
  app->add_option("--if-newer", flags->if_newer,
                  "apply a change only if this ordering field is not older than the stored row's "
                  "(deletes leave tombstones)")
      ->type_name("PATH");
  app->add_flag("--create", flags->create,
                "create missing tables and add missing columns (types from schema records)");
  app->add_flag("--raw", flags->raw,
                "land each event as (id, event jsonb), ignoring ids already stored (needs --table)");
  app->add_option("--password-env", flags->password_env,
                  "read the password from this environment variable")
      ->type_name("VAR");
  app->add_option("--password-file", flags->password_file, "read the password from this file")
      ->type_name("FILE");
  add_sink_flags(app, flags->common);
  add_reader_flags(app, flags->common);
  add_log_flags(app, flags->common);
  commands.push_back({app, "sink postgres", [flags] { run(*flags); }, &flags->common.quiet});
}

} // namespace sluice::cli
