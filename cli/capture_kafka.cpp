// sluice capture kafka: flags -> connectors::kafka::KafkaCapture.
#include "command.hpp"
#include "common.hpp"
#include "connectors/kafka/kafka_capture.hpp"
#include "kafka_common.hpp"

#include <memory>

namespace sluice::cli {

namespace {

namespace kafka = connectors::kafka;

struct Flags {
  CommonFlags common;
  KafkaFlags kafka;
  std::vector<std::string> topics;
  std::string group;
  std::vector<int32_t> partitions;
  std::string offset = "beginning";
  uint64_t count = 0;
  bool exit_at_end = false;
  bool meta = false;
  std::string format = "value";
};

std::chrono::milliseconds revoke_timeout(const Flags& f, const kafka::Properties& p) {
  auto drain = std::chrono::duration_cast<std::chrono::milliseconds>(
      duration_flag("--drain-timeout", f.common.drain_timeout));
  // A revoke must be answered well within max.poll.interval.ms (default 300s).
  std::chrono::milliseconds poll_interval{300000};
  if (auto v = p.get("max.poll.interval.ms")) {
    poll_interval = std::chrono::milliseconds(std::atoll(v->c_str()));
  }
  return std::max(std::chrono::milliseconds(100), std::min(drain, poll_interval / 2));
}

kafka::KafkaCaptureOptions capture_options(const Flags& f, const kafka::Properties& p) {
  kafka::KafkaCaptureOptions o;
  kafka::ConsumerOptions& c = o.consumer;
  c.brokers = kafka_brokers(f.kafka, p);
  c.topics = f.topics;
  if (!f.group.empty()) {
    c.group = f.group;
  }
  c.partitions = f.partitions;
  std::string why;
  if (!kafka::StartOffset::parse(f.offset, &c.start, &why)) {
    usage_error(why);
  }
  if (c.group && !c.partitions.empty()) {
    usage_error("-p reads explicit partitions, -G lets the group assign them: give one of them");
  }
  if (c.group && c.start.kind != kafka::StartOffset::Kind::beginning &&
      c.start.kind != kafka::StartOffset::Kind::end) {
    usage_error("with -G, -o takes beginning or end (for partitions the group has no offset for)");
  }
  for (const auto& t : f.topics) {
    if (!t.empty() && t[0] == '^' && !c.group) {
      usage_error("-t " + t + ": a pattern subscribes a group: give -G");
    }
  }
  c.exit_at_eof = f.exit_at_end;
  c.headers = f.meta || f.format == "envelope";
  c.retry = kafka_retry(f.kafka);
  c.revoke_timeout = revoke_timeout(f, p);
  o.format.meta = f.meta;
  o.format.envelope = f.format == "envelope";
  o.count = f.count;
  o.max_value_size = max_line_size(f.common);
  if (!f.common.source_id.empty()) {
    o.source_id = f.common.source_id;
  }
  return o;
}

void run(const Flags& f) {
  core::Log log("capture kafka", f.common.quiet);
  kafka::Properties properties = kafka_properties(f.kafka, kafka::Role::consumer);
  kafka::KafkaCaptureOptions o = capture_options(f, properties);
  run_capture_stage(f.common, log, [&](core::CheckpointStore* store) {
    o.store = store;
    return std::make_unique<kafka::KafkaCapture>(std::move(o), std::move(properties), log);
  });
}

} // namespace

void add_capture_kafka(CLI::App& capture, Commands& commands) {
  auto flags = std::make_shared<Flags>();
  CLI::App* app = capture.add_subcommand(
      "kafka", "read Kafka topics as events: explicit partitions or a consumer group, offsets "
               "committed only up to what the sinks recorded");
  add_kafka_flags(app, flags->kafka);
  app->add_option("-t,--topic", flags->topics,
                  "topic to read, repeatable (^regex subscribes a group by pattern)")
      ->required()
      ->allow_extra_args(false)
      ->type_name("TOPIC");
  app->add_option("-G,--group", flags->group,
                  "consumer group: partitions are assigned by the group")
      ->type_name("GROUP");
  app->add_option("-p,--partition", flags->partitions,
                  "partition to read, repeatable (default: all)")
      ->allow_extra_args(false)
      ->check(CLI::NonNegativeNumber)
      ->type_name("N");
  app->add_option("-o,--offset", flags->offset,
                  "where a partition without a stored or committed offset starts: beginning, "
                  "end, OFFSET, -N or @TIMESTAMP_MS")
      ->capture_default_str()
      ->type_name("OFFSET");
  app->add_option("-c,--count", flags->count, "stop after N messages (0: never)")
      ->capture_default_str()
      ->type_name("N");
  app->add_flag("-e,--exit-at-end", flags->exit_at_end, "stop when every partition is at its end");
  app->add_flag("--meta", flags->meta,
                "add the message's topic, partition, offset, key, ts and headers as \"kafka\"");
  app->add_option("--format", flags->format,
                  "value: the value is the event; envelope: always wrap it, with the metadata")
      ->capture_default_str()
      ->check(CLI::IsMember({"value", "envelope"}))
      ->type_name("FORMAT");
  add_capture_flags(app, flags->common);
  add_reader_flags(app, flags->common);
  add_log_flags(app, flags->common);
  commands.push_back({app, "capture kafka", [flags] { run(*flags); }, &flags->common.quiet});
}

} // namespace sluice::cli
