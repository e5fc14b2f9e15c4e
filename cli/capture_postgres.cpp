// sluice capture postgres: flags -> connectors::postgres::PostgresCapture.
#include "command.hpp"
#include "common.hpp"
#include "connectors/postgres/lsn.hpp"
#include "connectors/postgres/pg_capture.hpp"

#include <memory>

namespace sluice::cli {

namespace {

namespace pg = connectors::postgres;

struct Flags {
  CommonFlags common;
  std::string uri;
  std::string slot = "sluice";
  std::string publication = "sluice";
  std::vector<std::string> tables;
  std::vector<std::string> row_filters;
  std::string snapshot = "initial";
  bool temporary_slot = false;
  bool stream_large = false;
  std::string time_format = "rfc3339";
  std::string heartbeat = "0";
  std::string stop_at;
  std::string max_ack_lag = "0";
  std::string max_ack_stall = "5m";
  int retries = 5;
  std::string password_env;
  std::string password_file;
};

std::chrono::milliseconds millis(const std::string& flag, const std::string& value) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(duration_flag(flag, value));
}

pg::PostgresCaptureOptions capture_options(const Flags& f) {
  pg::PostgresCaptureOptions o;
  o.connect.uri = f.uri;
  o.connect.password = pg::read_password(f.password_env, f.password_file);
  o.slot = f.slot;
  o.publication = f.publication;
  std::string why;
  if (!pg::parse_table_specs(f.tables, f.row_filters, &o.tables, &why)) {
    usage_error(why);
  }
  o.snapshot = f.snapshot == "never"  ? pg::SnapshotMode::never
               : f.snapshot == "only" ? pg::SnapshotMode::only
                                      : pg::SnapshotMode::initial;
  o.temporary_slot = f.temporary_slot;
  o.stream_large = f.stream_large;
  o.values.epoch_ms = f.time_format == "epoch-ms";
  o.heartbeat = millis("--heartbeat", f.heartbeat);
  if (!f.stop_at.empty()) {
    uint64_t lsn = 0;
    if (f.stop_at != "now" && !pg::parse_lsn(f.stop_at, &lsn)) {
      usage_error("--stop-at must be now or an LSN such as 0/16B3748");
    }
    o.stop_at = f.stop_at;
  }
  o.max_ack_lag = size_flag("--max-ack-lag", f.max_ack_lag);
  o.max_ack_stall = millis("--max-ack-stall", f.max_ack_stall);
  o.retries = f.retries;
  o.schema_records = !f.common.no_control;
  if (!f.common.source_id.empty()) {
    o.source_id = f.common.source_id;
  }
  return o;
}

void run(const Flags& f) {
  core::Log log("capture postgres", f.common.quiet);
  if (f.temporary_slot && !f.common.checkpoint.empty()) {
    usage_error("--temporary-slot cannot be combined with --checkpoint: a temporary slot is gone "
                "after a crash, so no stored position could be resumed");
  }
  if (f.temporary_slot && f.snapshot == "only") {
    usage_error("--snapshot only uses no slot: --temporary-slot makes no sense with it");
  }
  if (pg::uri_has_password(f.uri)) {
    log.warn("the URI holds a password, which other users can see in the process list: give it "
             "with --password-env or --password-file");
  }
  pg::PostgresCaptureOptions o = capture_options(f);
  run_capture_stage(f.common, log, [&] {
    return std::make_unique<pg::PostgresCapture>(std::move(o), log);
  });
}

} // namespace

void add_capture_postgres(CLI::App& capture, Commands& commands) {
  auto flags = std::make_shared<Flags>();
  CLI::App* app = capture.add_subcommand(
      "postgres", "stream inserts, updates and deletes from PostgreSQL's write-ahead log "
                  "(logical replication, pgoutput)");
  app->add_option("uri", flags->uri, "postgresql://user@host:port/db or a conninfo string")
      ->required()
      ->type_name("URI");
  app->add_option("--slot", flags->slot, "logical replication slot (created if missing)")
      ->capture_default_str()
      ->type_name("NAME");
  app->add_option("--publication", flags->publication,
                  "publication to stream (created for --tables, or all tables, if missing)")
      ->capture_default_str()
      ->type_name("NAME");
  app->add_option("--tables", flags->tables,
                  "tables to publish, repeatable or comma-separated, with optional column lists: "
                  "public.orders(id,amount)")
      ->allow_extra_args(false)
      ->type_name("LIST");
  app->add_option("--row-filter", flags->row_filters,
                  "publish only the rows of a table that match an SQL expression: "
                  "public.orders=amount > 0 (repeatable)")
      ->allow_extra_args(false)
      ->type_name("TABLE=EXPR");
  app->add_option("--snapshot", flags->snapshot,
                  "read the tables first when the slot is created: initial, never or only")
      ->capture_default_str()
      ->check(CLI::IsMember({"initial", "never", "only"}))
      ->type_name("MODE");
  app->add_flag("--temporary-slot", flags->temporary_slot,
                "use a temporary slot, dropped when the capture ends (not with --checkpoint)");
  app->add_flag("--stream-large", flags->stream_large,
                "protocol 2: large transactions arrive in parts while running, buffered here "
                "until their commit");
  app->add_option("--time-format", flags->time_format,
                  "dates and timestamps as rfc3339 strings or epoch-ms numbers")
      ->capture_default_str()
      ->check(CLI::IsMember({"rfc3339", "epoch-ms"}))
      ->type_name("FORMAT");
  app->add_option("--heartbeat", flags->heartbeat,
                  "write a logical message this often so an idle database advances the slot "
                  "(0: never)")
      ->capture_default_str()
      ->type_name("DURATION");
  app->add_option("--stop-at", flags->stop_at,
                  "exit once every change committed before this LSN (or now) is written")
      ->type_name("LSN");
  app->add_option("--max-ack-lag", flags->max_ack_lag,
                  "exit 75 when the slot holds more WAL than this while acknowledgements stall "
                  "(0: never)")
      ->capture_default_str()
      ->type_name("SIZE");
  app->add_option("--max-ack-stall", flags->max_ack_stall,
                  "how long acknowledgements may stall before --max-ack-lag applies")
      ->capture_default_str()
      ->type_name("DURATION");
  app->add_option("--retries", flags->retries,
                  "reconnect attempts, with backoff, before giving up with exit 69")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber)
      ->type_name("N");
  app->add_option("--password-env", flags->password_env,
                  "read the password from this environment variable")
      ->type_name("VAR");
  app->add_option("--password-file", flags->password_file, "read the password from this file")
      ->type_name("FILE");
  app->add_option("--on-error", flags->common.on_error,
                  "what to do with a value that cannot be mapped: fail, skip or dead-letter:FILE")
      ->capture_default_str()
      ->type_name("POLICY");
  add_capture_flags(app, flags->common);
  add_log_flags(app, flags->common);
  commands.push_back(
      {app, "capture postgres", [flags] { run(*flags); }, &flags->common.quiet});
}

} // namespace sluice::cli
