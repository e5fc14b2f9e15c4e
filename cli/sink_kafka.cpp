// sluice sink kafka: flags -> connectors::kafka::KafkaSink.
#include "command.hpp"
#include "common.hpp"
#include "connectors/kafka/kafka_sink.hpp"
#include "kafka_common.hpp"

#include <memory>

namespace sluice::cli {

namespace {

namespace kafka = connectors::kafka;

struct Flags {
  CommonFlags common;
  KafkaFlags kafka;
  std::string topic;
  std::string topic_from;
  std::string key;
  std::string headers;
  int32_t partition = -1;
  CLI::Option* partition_option = nullptr;
  std::string compress;
  std::string format = "value";
};

std::optional<core::JsonPath> path_flag(const std::string& flag, const std::string& text) {
  if (text.empty()) {
    return std::nullopt;
  }
  core::JsonPath path;
  std::string why;
  if (!core::JsonPath::parse(text, &path, &why)) {
    usage_error(flag + ": " + why);
  }
  if (path.has_every()) {
    usage_error(flag + ": " + text + " names several values ([*]): give one path");
  }
  return path;
}

kafka::KafkaSinkOptions sink_options(const Flags& f, const kafka::Properties& p) {
  kafka::KafkaSinkOptions o;
  o.brokers = kafka_brokers(f.kafka, p);
  if (f.topic.empty() == f.topic_from.empty()) {
    usage_error("give the topic with -t, or the path of each event's topic with --topic-from");
  }
  o.message.topic = f.topic;
  o.message.topic_from = path_flag("--topic-from", f.topic_from);
  o.message.key = path_flag("--key", f.key);
  o.message.headers = path_flag("--headers", f.headers);
  o.message.envelope = f.format == "envelope";
  if (f.partition_option->count() > 0) {
    o.partition = f.partition;
  }
  if (!f.compress.empty()) {
    o.compress = f.compress;
  }
  o.retry = kafka_retry(f.kafka);
  return o;
}

void run(const Flags& f) {
  core::Log log("sink kafka", f.common.quiet);
  kafka::Properties properties = kafka_properties(f.kafka, kafka::Role::producer);
  kafka::KafkaSinkOptions o = sink_options(f, properties);
  run_sink_stage(f.common, log, [&] {
    return std::make_unique<kafka::KafkaSink>(std::move(o), std::move(properties), log);
  });
}

} // namespace

void add_sink_kafka(CLI::App& sink, Commands& commands) {
  auto flags = std::make_shared<Flags>();
  // Hand messages to librdkafka whenever the input pauses: its linger.ms batches.
  flags->common.linger = "0";
  CLI::App* app = sink.add_subcommand(
      "kafka", "produce events to a Kafka topic: keyed, idempotent, lz4; every message delivered "
               "before a checkpoint is recorded");
  add_kafka_flags(app, flags->kafka);
  app->add_option("-t,--topic", flags->topic, "topic to produce to")->type_name("TOPIC");
  app->add_option("--topic-from", flags->topic_from, "path of each event's topic (instead of -t)")
      ->type_name("PATH");
  app->add_option("--key", flags->key, "path of the message key (default: no key)")
      ->type_name("PATH");
  app->add_option("--headers", flags->headers,
                  "path of an object (or [{key,value}] array) of message headers")
      ->type_name("PATH");
  flags->partition_option =
      app->add_option("--partition", flags->partition,
                      "partition to produce to (default: by key, murmur2 as Java clients do)")
          ->check(CLI::NonNegativeNumber)
          ->type_name("N");
  app->add_option("--compress", flags->compress, "zstd, lz4 or none (default: lz4)")
      ->check(CLI::IsMember({"zstd", "lz4", "none"}))
      ->type_name("ALGO");
  app->add_option("--format", flags->format,
                  "value: each event is a message value; envelope: rebuild value, key, headers "
                  "and ts from capture kafka --format envelope")
      ->capture_default_str()
      ->check(CLI::IsMember({"value", "envelope"}))
      ->type_name("FORMAT");
  add_sink_flags(app, flags->common);
  add_reader_flags(app, flags->common);
  add_log_flags(app, flags->common);
  commands.push_back({app, "sink kafka", [flags] { run(*flags); }, &flags->common.quiet});
}

} // namespace sluice::cli
