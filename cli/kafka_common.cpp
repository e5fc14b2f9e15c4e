#include "kafka_common.hpp"

#include "common.hpp"

#include <cstdlib>

namespace sluice::cli {

using connectors::kafka::Properties;

void add_kafka_flags(CLI::App* app, KafkaFlags& f) {
  app->add_option("-b,--brokers", f.brokers, "bootstrap brokers, comma-separated host:port")
      ->type_name("BROKERS");
  app->add_option("-X,--property", f.properties,
                  "librdkafka property, repeatable (secrets only with -F or the environment)")
      ->allow_extra_args(false)
      ->type_name("KEY=VALUE");
  app->add_option("-F,--config", f.config_file, "read librdkafka properties from a key=value file")
      ->type_name("FILE");
  app->add_option("--retries", f.retries,
                  "retries with backoff (0.5s doubling, at most 10s) while the brokers are "
                  "unreachable, then exit 69")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber)
      ->type_name("N");
}

Properties kafka_properties(const KafkaFlags& f, connectors::kafka::Role role) {
  Properties p(role);
  std::string why;
  if (!f.config_file.empty() && !p.add_file(f.config_file, &why)) {
    usage_error(why);
  }
  p.add_environment([](const char* name) -> const char* { return std::getenv(name); });
  for (const auto& flag : f.properties) {
    if (!p.add_flag(flag, &why)) {
      usage_error(why);
    }
  }
  return p;
}

std::string kafka_brokers(const KafkaFlags& f, const Properties& p) {
  if (!f.brokers.empty()) {
    return f.brokers;
  }
  if (auto servers = p.get("bootstrap.servers"); servers && !servers->empty()) {
    return *servers;
  }
  usage_error("name the brokers with -b (or bootstrap.servers in -X or -F)");
}

connectors::kafka::RetryPolicy kafka_retry(const KafkaFlags& f) {
  connectors::kafka::RetryPolicy r;
  r.retries = f.retries;
  return r;
}

} // namespace sluice::cli
