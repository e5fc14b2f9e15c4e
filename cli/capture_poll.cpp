// sluice capture poll: flags -> connectors::poll::PollCapture over PostgreSQL or SQLite.
#include "command.hpp"
#include "common.hpp"
#include "connectors/poll/pg_poll.hpp"
#include "connectors/poll/poll_capture.hpp"
#include "connectors/poll/sqlite_poll.hpp"

#include <memory>

namespace sluice::cli {

namespace {

namespace poll = connectors::poll;
namespace pg = connectors::postgres;

struct Flags {
  CommonFlags common;
  std::string uri;
  std::string table;
  std::string timestamp_column;
  std::string incrementing_column;
  std::string interval = "1s";
  std::string delay = "2s";
  uint64_t limit = 10000;
  std::string time_format = "rfc3339";
  std::string password_env;
  std::string password_file;
};

bool is_postgres(const std::string& uri) {
  return uri.rfind("postgresql://", 0) == 0 || uri.rfind("postgres://", 0) == 0;
}

void run(const Flags& f) {
  core::Log log("capture poll", f.common.quiet);
  if (f.timestamp_column.empty() && f.incrementing_column.empty()) {
    usage_error("give --timestamp-column, --incrementing-column or both: polling needs a column "
                "that moves forward");
  }
  bool postgres = is_postgres(f.uri);
  if (!postgres && f.uri.rfind("sqlite:", 0) != 0) {
    usage_error("the URI must be postgresql://… or sqlite:DB");
  }
  if (!postgres && (!f.password_env.empty() || !f.password_file.empty())) {
    usage_error("--password-env and --password-file are for PostgreSQL");
  }
  if (postgres && pg::uri_has_password(f.uri)) {
    log.warn("the URI holds a password, which other users can see in the process list: give it "
             "with --password-env or --password-file");
  }
  poll::PollOptions o;
  o.table = f.table;
  o.timestamp_column = f.timestamp_column;
  o.incrementing_column = f.incrementing_column;
  o.delay = std::chrono::duration_cast<std::chrono::milliseconds>(duration_flag("--delay", f.delay));
  o.limit = f.limit;
  auto interval =
      std::chrono::duration_cast<std::chrono::milliseconds>(duration_flag("--interval", f.interval));
  if (interval.count() <= 0) {
    usage_error("--interval must be more than 0");
  }
  std::optional<std::string> source_id;
  if (!f.common.source_id.empty()) {
    source_id = f.common.source_id;
  }
  pg::ValueOptions values;
  values.epoch_ms = f.time_format == "epoch-ms";
  pg::ConnectSpec spec{f.uri, std::nullopt, false, "sluice capture poll"};
  if (postgres) {
    spec.password = pg::read_password(f.password_env, f.password_file);
  }
  bool incrementing_only = f.timestamp_column.empty();
  run_capture_stage(f.common, log, [&]() -> std::unique_ptr<core::CaptureSource> {
    std::unique_ptr<poll::PollSource> source;
    if (postgres) {
      source = std::make_unique<poll::PgPollSource>(spec, o, values);
    } else {
      source = std::make_unique<poll::SqlitePollSource>(f.uri.substr(7), o);
    }
    return std::make_unique<poll::PollCapture>(std::move(source), interval, source_id,
                                               incrementing_only, log);
  });
}

} // namespace

void add_capture_poll(CLI::App& capture, Commands& commands) {
  auto flags = std::make_shared<Flags>();
  CLI::App* app = capture.add_subcommand(
      "poll", "query-based CDC: poll a PostgreSQL or SQLite table for rows past a timestamp "
              "or incrementing column");
  app->add_option("uri", flags->uri, "postgresql://user@host:port/db or sqlite:DB")
      ->required()
      ->type_name("URI");
  app->add_option("--table", flags->table, "table to poll")->required()->type_name("TABLE");
  app->add_option("--timestamp-column", flags->timestamp_column,
                  "column set to the time of each insert and update")
      ->type_name("COLUMN");
  app->add_option("--incrementing-column", flags->incrementing_column,
                  "column that grows with each insert (an id from a sequence)")
      ->type_name("COLUMN");
  app->add_option("--interval", flags->interval, "time between polls")
      ->capture_default_str()
      ->type_name("DURATION");
  app->add_option("--delay", flags->delay,
                  "leave rows newer than this for a later poll (transactions still committing)")
      ->capture_default_str()
      ->type_name("DURATION");
  app->add_option("--limit", flags->limit, "rows per query (more are read by the next query)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->type_name("N");
  app->add_option("--time-format", flags->time_format,
                  "PostgreSQL dates and timestamps as rfc3339 strings or epoch-ms numbers")
      ->capture_default_str()
      ->check(CLI::IsMember({"rfc3339", "epoch-ms"}))
      ->type_name("FORMAT");
  app->add_option("--password-env", flags->password_env,
                  "read the PostgreSQL password from this environment variable")
      ->type_name("VAR");
  app->add_option("--password-file", flags->password_file,
                  "read the PostgreSQL password from this file")
      ->type_name("FILE");
  app->add_option("--on-error", flags->common.on_error,
                  "what to do with a value that cannot be mapped: fail, skip or dead-letter:FILE")
      ->capture_default_str()
      ->type_name("POLICY");
  add_capture_flags(app, flags->common);
  add_log_flags(app, flags->common);
  commands.push_back({app, "capture poll", [flags] { run(*flags); }, &flags->common.quiet});
}

} // namespace sluice::cli
