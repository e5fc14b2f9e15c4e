// KafkaSink: `sluice sink kafka` — events as messages of a Kafka topic,
// through librdkafka's idempotent producer (DESIGN §4.3).
//
// write() hands each message to librdkafka, which batches and compresses
// (lz4 by default). With a fixed topic and no headers, timestamps or -X
// partitioner, sluice partitions itself as librdkafka would (murmur2 of the
// key; keyless messages stick to one random partition for a while) and hands
// each partition's messages over in batches (rd_kafka_produce_batch) when a
// batch fills up, at every commit, and before any message that takes the
// unbatched path, so per-partition order is kept. Commits between barriers
// only hand over what waits and serve delivery reports. A
// barrier's commit flushes and waits for the delivery report of every message
// before the checkpoint is recorded, so a recorded position never covers an
// unsent message. A failed delivery ends the run (69 when time may cure it,
// 74 otherwise) with the broker's reason; while the brokers are unreachable
// the sink retries with backoff and exits 69 after --retries, recording
// nothing more. A message librdkafka refuses at once (too large) is bad data.
// Not thread-safe (the delivery callback runs inside the sink's own polls);
// throws Error.
#pragma once

#include "connectors/kafka/client.hpp"
#include "connectors/kafka/message_builder.hpp"
#include "core/log.hpp"
#include "core/sink_stage.hpp"

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace sluice::connectors::kafka {

// Messages waiting in sluice for one partition, handed to librdkafka together
// (rd_kafka_produce_batch: one lock and one clock read per batch).
struct PartitionBatch {
  std::string bytes; // keys and values
  struct Entry {
    size_t value_at = 0;
    size_t value_size = 0;
    size_t key_at = 0;
    int64_t key_size = -1; // -1: no key
  };
  std::vector<Entry> entries;
};

struct KafkaSinkOptions {
  std::string brokers;
  MessageBuilderOptions message;
  int32_t partition = RD_KAFKA_PARTITION_UA; // --partition; UA: the partitioner's choice
  std::optional<std::string> compress;       // --compress; none: lz4 unless -X sets it
  RetryPolicy retry;
};

class KafkaSink : public core::SinkTarget {
 public:
  // `properties` are the user's: sluice adds its defaults.
  KafkaSink(KafkaSinkOptions options, Properties properties, const core::Log& log);
  ~KafkaSink() override;

  std::string default_sink_id() const override;
  std::string initial_state() override { return "null"; }
  void open(const core::StoreEntry*, const std::optional<core::control::BarrierId>&) override {}
  bool write(const core::Line& line, simdjson::ondemand::document& doc, std::string* why) override;
  void commit(core::CheckpointStore* store, core::StoreEntry* record) override;
  void rollback() override;
  void finish() override;
  std::string summary() const override;

 private:
  static void on_delivery(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque);
  // Serves delivery reports for up to `timeout`; throws on a failed delivery
  // or when the brokers stay unreachable.
  void serve(std::chrono::milliseconds timeout);
  void flush_all();
  void check_failure();
  void check_brokers();
  rd_kafka_topic_t* topic_handle(std::string_view name);
  bool can_batch(const Message& m) const;
  void add_to_batch(const Message& m);
  int32_t partition_for(const Message& m);
  void hand_over(int32_t partition);
  void hand_over_all();

  KafkaSinkOptions m_options;
  const core::Log& m_log;
  ClientEvents m_events;
  Handle m_rk;
  MessageBuilder m_builder;
  bool m_user_partitioner = false; // -X partitioner: librdkafka partitions
  uint64_t m_produced = 0;
  uint64_t m_delivered = 0;
  uint64_t m_failed = 0;
  bool m_purging = false; // a rollback purges: its failed reports are expected
  rd_kafka_resp_err_t m_first_error = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::string m_first_error_where;
  int m_retry = 0;
  std::unordered_map<std::string, TopicHandle> m_topics;
  std::string_view m_last_topic_name;
  rd_kafka_topic_t* m_last_topic = nullptr;
  // The batched path (a fixed topic, no headers or timestamps, sluice's own
  // partitioner): per partition, what waits for the next hand-over.
  bool m_batching = false;
  int32_t m_partition_count = 0;
  size_t m_max_message = 1000000;
  std::vector<PartitionBatch> m_batches;
  std::vector<rd_kafka_message_t> m_scratch;
  int32_t m_sticky = -1;
  uint32_t m_sticky_left = 0;
  uint64_t m_random = 0;
};

} // namespace sluice::connectors::kafka
