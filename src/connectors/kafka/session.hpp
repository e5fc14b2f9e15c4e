// Consumer::Session: what runs on the Kafka consumer's own thread (see
// consumer.hpp): polls librdkafka, copies messages into batches, hands them
// over through the bounded queue (pausing the partitions while it is full),
// answers rebalances, commits, and retries while the brokers are unreachable.
// Everything here runs on that thread, except close(), on_rebalance() during
// close() and assigned_explicit() before the thread starts. Failures are
// handed to the main thread through the queue.
#pragma once

#include "connectors/kafka/consumer.hpp"

#include <chrono>
#include <optional>
#include <set>

namespace sluice::connectors::kafka {

class Consumer::Session {
 public:
  explicit Session(Consumer& consumer) : m_c(consumer) {}

  // The thread function: never throws.
  void run();
  // Explicit partitions were started at these offsets (-1: unknown yet).
  void assigned_explicit(const Offsets& starts);
  // The consumer is closing: revokes only unassign.
  void close() { m_closing = true; }

  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* partitions, void* opaque);
  static void on_message_callback(rd_kafka_message_t* message, void* opaque);

 private:
  void loop();
  bool take_commands();
  void serve(std::chrono::milliseconds timeout);
  void on_message(const rd_kafka_message_t* m);
  void on_consumer_error(const rd_kafka_message_t* m);
  void note_eof(const TopicPartition& tp, int64_t offset);
  // Pushes the batch, waiting up to `wait` for room; false when it is still
  // full (after a long stall the partitions are paused meanwhile).
  bool hand_over(std::chrono::milliseconds wait);
  void set_paused(bool paused, rd_kafka_topic_partition_list_t* only = nullptr);
  void check_brokers();
  void commit(const Offsets& offsets);
  void assign(rd_kafka_topic_partition_list_t* partitions, bool cooperative);
  void revoke(rd_kafka_topic_partition_list_t* partitions, bool cooperative);
  RevokeAnswer wait_for_answer(const std::shared_ptr<std::promise<RevokeAnswer>>& answer);
  uint16_t topic_index(const char* name);
  uint32_t add_marker(Record::Kind kind, Marker marker);
  void notice(std::string text);
  void fail(core::ExitCode code, std::string message);
  PartitionList owned_list() const;

  Consumer& m_c;
  Batch m_batch;
  std::set<TopicPartition> m_owned;
  std::set<TopicPartition> m_at_eof;
  Offsets m_committed; // group: the last offset known committed per partition
  bool m_paused = false;
  std::optional<std::chrono::steady_clock::time_point> m_full_since;
  bool m_end_sent = false;
  bool m_closing = false;
  std::optional<core::Error> m_failure; // found inside a librdkafka callback
  int m_retry = 0;
};

} // namespace sluice::connectors::kafka
