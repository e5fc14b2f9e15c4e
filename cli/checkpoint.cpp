// sluice checkpoint show|set|reset: flags -> connectors::checkpoint_admin.
#include "command.hpp"
#include "common.hpp"
#include "connectors/checkpoint_admin.hpp"
#include "connectors/source_lag.hpp"
#include "connectors/stores.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "kafka_common.hpp"

#include <fmt/format.h>
#include <memory>

namespace sluice::cli {

namespace {

namespace pg = connectors::postgres;

struct Flags {
  CommonFlags common;
  std::string store;
  std::string format = "table";
  std::string source_uri;
  std::string password_env;
  std::string password_file;
  KafkaFlags kafka;
  std::string group;
  std::string pos;
  std::string timeout = "10s";
  bool force = false;
  bool all = false;
};

connectors::EntryFilter filter_of(const Flags& f) {
  return {f.common.source_id, f.common.sink_id};
}

std::chrono::milliseconds timeout_of(const Flags& f) {
  auto d = duration_flag("--timeout", f.timeout);
  if (d.count() <= 0) {
    usage_error("--timeout must be more than 0");
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(d);
}

void print_rows(const Flags& f, const std::vector<connectors::ReportRow>& rows) {
  int64_t now = core::wall_clock_ms();
  std::string text = f.format == "json" ? connectors::format_ndjson(rows, now)
                                        : connectors::format_table(rows, now);
  core::write_all(1, text.data(), text.size(), "stdout");
}

std::optional<connectors::kafka::Properties> kafka_of(const Flags& f) {
  if (f.kafka.brokers.empty() && f.kafka.properties.empty() && f.kafka.config_file.empty()) {
    return std::nullopt;
  }
  auto p = kafka_properties(f.kafka, connectors::kafka::Role::consumer);
  p.set_owned("bootstrap.servers", kafka_brokers(f.kafka, p));
  return p;
}

void show(const Flags& f, const core::Log& log) {
  connectors::LagOptions lag;
  lag.timeout = timeout_of(f);
  if (!f.source_uri.empty()) {
    if (pg::uri_has_password(f.source_uri)) {
      log.warn("the URI holds a password, which other users can see in the process list: give "
               "it with --password-env or --password-file");
    }
    lag.postgres = pg::ConnectSpec{f.source_uri, pg::read_password(f.password_env, f.password_file),
                                   false, "sluice checkpoint"};
  }
  lag.kafka = kafka_of(f);
  auto store = connectors::open_store(f.store, connectors::StoreUse::admin);
  auto rows = connectors::select_entries(*store, filter_of(f));
  connectors::fill_lag(rows, lag);
  print_rows(f, rows);
}

void set(const Flags& f, const core::Log& log) {
  std::optional<connectors::KafkaGroupCommit> group;
  if (!f.group.empty()) {
    auto p = kafka_of(f);
    if (!p) {
      usage_error("--group needs the brokers (-b)");
    }
    group = connectors::KafkaGroupCommit{*p, f.group, timeout_of(f)};
  }
  auto store = connectors::open_store(f.store, connectors::StoreUse::admin);
  connectors::lock_for_change(*store, f.force, log);
  auto rows = connectors::set_position(*store, filter_of(f), f.pos, group);
  log.info("set the position of {} entr{} in {}{}", rows.size(), rows.size() == 1 ? "y" : "ies",
           store->describe(), group ? " and committed the offsets of group " + f.group : "");
  print_rows(f, rows);
}

void reset(const Flags& f, const core::Log& log) {
  if (f.common.source_id.empty() && f.common.sink_id.empty() && !f.all) {
    usage_error("reset needs --source-id, --sink-id or --all");
  }
  auto store = connectors::open_store(f.store, connectors::StoreUse::admin);
  connectors::lock_for_change(*store, f.force, log);
  auto rows = connectors::reset_entries(*store, filter_of(f));
  log.info("removed {} entr{} from {}", rows.size(), rows.size() == 1 ? "y" : "ies",
           store->describe());
  print_rows(f, rows);
}

void add_store_flags(CLI::App* app, Flags& f) {
  app->add_option("store", f.store, "checkpoint store: a file, sqlite:DB or postgresql://…")
      ->required()
      ->type_name("STORE");
  app->add_option("--source-id", f.common.source_id, "only the entries of this source")
      ->type_name("ID");
  app->add_option("--sink-id", f.common.sink_id, "only the entries of this sink")->type_name("ID");
  app->add_option("--format", f.format, "output: an aligned table or NDJSON, one entry a line")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "json"}))
      ->type_name("FORMAT");
  add_log_flags(app, f.common);
}

void add_kafka_options(CLI::App* app, Flags& f) {
  app->add_option("-b,--brokers", f.kafka.brokers, "Kafka bootstrap brokers, comma-separated host:port")
      ->type_name("BROKERS");
  app->add_option("-X,--property", f.kafka.properties,
                  "librdkafka property, repeatable (secrets only with -F or the environment)")
      ->allow_extra_args(false)
      ->type_name("KEY=VALUE");
  app->add_option("-F,--config", f.kafka.config_file, "read librdkafka properties from a key=value file")
      ->type_name("FILE");
  app->add_option("--timeout", f.timeout, "how long to wait for a server's answer")
      ->capture_default_str()
      ->type_name("DURATION");
}

void add_change_flags(CLI::App* app, Flags& f) {
  app->add_flag("--force", f.force, "change the store even while a pipeline runs with it");
}

template <class Fn>
void add_leaf(CLI::App* group, Commands& commands, const char* name, const char* about,
              const std::function<void(CLI::App*, Flags&)>& add_flags, Fn action) {
  auto flags = std::make_shared<Flags>();
  CLI::App* sub = group->add_subcommand(name, about);
  add_store_flags(sub, *flags);
  add_flags(sub, *flags);
  std::string stage = std::string("checkpoint ") + name;
  commands.push_back({sub, stage,
                      [flags, stage, action] {
                        core::Log log(stage, flags->common.quiet);
                        action(*flags, log);
                      },
                      &flags->common.quiet});
}

} // namespace

void add_checkpoint(CLI::App& app, Commands& commands) {
  CLI::App* group =
      app.add_subcommand("checkpoint", "show, set or reset the positions in a checkpoint store");
  group->require_subcommand(1);
  add_leaf(group, commands, "show", "list the registered sinks, their positions and the source's lag",
           [](CLI::App* sub, Flags& f) {
             sub->add_option("--source-uri", f.source_uri,
                             "PostgreSQL source to measure the slot lag on (password from "
                             "--password-env, --password-file or PGPASSWORD)")
                 ->envname("SLUICE_SOURCE_URI")
                 ->type_name("URI");
             sub->add_option("--password-env", f.password_env,
                             "read the --source-uri password from this environment variable")
                 ->type_name("VAR");
             sub->add_option("--password-file", f.password_file,
                             "read the --source-uri password from this file")
                 ->type_name("FILE");
             add_kafka_options(sub, f);
           },
           show);
  add_leaf(group, commands, "set", "set the position the next run of a source resumes from",
           [](CLI::App* sub, Flags& f) {
             sub->add_option("--pos", f.pos, "the position, as JSON text in the source's format")
                 ->required()
                 ->type_name("JSON");
             sub->add_option("-G,--group", f.group,
                             "Kafka consumer group whose committed offsets to set as well")
                 ->type_name("GROUP");
             add_kafka_options(sub, f);
             add_change_flags(sub, f);
           },
           set);
  add_leaf(group, commands, "reset", "remove entries so the source starts from the beginning",
           [](CLI::App* sub, Flags& f) {
             sub->add_flag("--all", f.all, "remove every entry of the store");
             add_change_flags(sub, f);
           },
           reset);
}

} // namespace sluice::cli
