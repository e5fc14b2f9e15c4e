// Client: the librdkafka handles of sluice's Kafka capture and sink, owned by
// RAII types (STYLE §2.3), their creation from Properties, retries with
// backoff while the brokers are unreachable, and librdkafka errors as exit codes.
//
// ClientEvents is what librdkafka's callbacks note for the connector: they run
// on the thread that polls (errors) or on librdkafka's own threads (logs), so
// it holds atomics only. Functions throw Error: usage for a property librdkafka
// refuses (never showing a secret's value), unavailable (69) when the brokers
// stay unreachable after the retries.
#pragma once

#include "connectors/kafka/properties.hpp"
#include "core/error.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <librdkafka/rdkafka.h>
#include <memory>
#include <string>
#include <vector>

namespace sluice::connectors::kafka {

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct ListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
struct TopicDeleter {
  void operator()(rd_kafka_topic_t* t) const { rd_kafka_topic_destroy(t); }
};
struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* m) const { rd_kafka_metadata_destroy(m); }
};

using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, ListDeleter>;
using TopicHandle = std::unique_ptr<rd_kafka_topic_t, TopicDeleter>;
using QueueHandle = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;
using MessageHandle = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;
using MetadataHandle = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;

PartitionList make_list(int capacity = 0);

struct ClientEvents {
  std::string stage; // "capture kafka": the prefix of librdkafka's log lines
  std::atomic<bool> brokers_down{false};
  std::atomic<bool> fatal{false};
  void* owner = nullptr; // for the connector's own callbacks (rebalances)
};

// How long the brokers may stay unreachable: `retries` attempts after the
// first, waiting first, 2×first, … up to `max` between them.
struct RetryPolicy {
  int retries = 5;
  std::chrono::milliseconds first{500};
  std::chrono::milliseconds max{10000};
  std::chrono::milliseconds delay(int attempt) const;
};

// Creates the client. `customize` sets callbacks on the configuration (the
// opaque is `events`).
Handle create_client(Role role, const Properties& properties, ClientEvents* events,
                     const std::function<void(rd_kafka_conf_t*)>& customize);

struct TopicInfo {
  std::string name;
  int partitions = 0;
};

// The cluster's topics, from a metadata request that lists them all (it never
// creates a topic). Retries per `retry`, logging each retry through `log`;
// Error(unavailable) when the brokers stay unreachable.
std::vector<TopicInfo> list_topics(rd_kafka_t* rk, const RetryPolicy& retry,
                                   const std::string& brokers,
                                   const std::function<void(const std::string&)>& log);

// One metadata request: true when a broker answered within `timeout`.
bool probe_brokers(rd_kafka_t* rk, std::chrono::milliseconds timeout);

// The exit code for a librdkafka error that ends a run: unavailable (69) for
// what time may cure (timeouts, transport, brokers down, leaders moving),
// io (74) otherwise.
core::ExitCode exit_code_for(rd_kafka_resp_err_t err);

// A librdkafka error in words: "Local: Message timed out (_MSG_TIMED_OUT)".
std::string describe_error(rd_kafka_resp_err_t err);

} // namespace sluice::connectors::kafka
