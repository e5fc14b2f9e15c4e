// Flags shared by `capture kafka` and `sink kafka` (kcat's -b, -X, -F) and
// their conversion into the librdkafka properties and retry policy of
// src/connectors/kafka. Conversion failures throw Error(usage).
#pragma once

#include "connectors/kafka/client.hpp"
#include "connectors/kafka/properties.hpp"

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace sluice::cli {

struct KafkaFlags {
  std::string brokers;
  std::vector<std::string> properties; // -X
  std::string config_file;             // -F
  int retries = 5;
};

// -b, -X, -F, --retries
void add_kafka_flags(CLI::App* app, KafkaFlags& f);

// The user's properties: -F FILE, then the secret variables of the
// environment, then -X in order.
connectors::kafka::Properties kafka_properties(const KafkaFlags& f, connectors::kafka::Role role);

// -b, or bootstrap.servers from -X/-F; a usage error when neither is given.
std::string kafka_brokers(const KafkaFlags& f, const connectors::kafka::Properties& p);

connectors::kafka::RetryPolicy kafka_retry(const KafkaFlags& f);

} // namespace sluice::cli
