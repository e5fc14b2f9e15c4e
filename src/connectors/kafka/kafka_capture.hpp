// KafkaCapture: `sluice capture kafka` — messages of Kafka topics as events
// (DESIGN §2, §4), read by a Consumer on its own thread.
//
// A position is, per partition the capture owns, the next offset to read
// ({"TOPIC/PARTITION": OFFSET}). With a store, the position resumed from and
// acknowledged is the sinks' entries merged per partition (merge_recorded).
// Resuming: explicit partitions start from the stored position, else from -o; a group member starts each partition it is
// assigned from the larger of the stored offset and the group's committed one.
// In a group, offsets are committed only up to what every sink recorded
// (acknowledge), and before a partition is given up in a rebalance the
// capture writes a barrier, waits for the sinks to record it, commits it, and
// drops the partition from its position. Not thread-safe (main thread only);
// throws Error.
#pragma once

#include "connectors/kafka/consumer.hpp"
#include "connectors/kafka/event_format.hpp"
#include "core/capture_stage.hpp"
#include "core/checkpoint_store.hpp"
#include "core/log.hpp"

#include <memory>
#include <optional>
#include <string>

namespace sluice::connectors::kafka {

struct KafkaCaptureOptions {
  ConsumerOptions consumer;
  EventFormatOptions format;
  uint64_t count = 0; // -c: stop after this many messages (0: never)
  uint64_t max_value_size = 256ull << 20;
  std::optional<std::string> source_id;
  core::CheckpointStore* store = nullptr; // to wait for a revoke's barrier
};

class KafkaCapture : public core::CaptureSource {
 public:
  // `properties` are the user's (-X, -F, environment): sluice adds its defaults
  // and the properties it owns.
  KafkaCapture(KafkaCaptureOptions options, Properties properties, const core::Log& log);

  std::string source_id() const override;
  int compare_pos(std::string_view a, std::string_view b) const override;
  void seek(const std::string& pos) override;
  core::Produced produce(core::Emitter& out, core::Clock::time_point until) override;
  std::string position() const override { return format_offsets(m_offsets); }
  int wait_fd() const override { return m_consumer.fd(); }
  // While idle, wake once a second to refresh the consumer lag.
  std::optional<core::Clock::time_point> wake_at() const override { return m_lag_due; }
  void acknowledge(const std::string& pos) override;
  bool acknowledges_progress() const override { return m_consumer.is_group(); }
  void barrier_written(const std::optional<core::control::BarrierId>& id) override;

 private:
  void emit(core::Emitter& out, const Record& r);
  void update_lag(); // consumer lag for --metrics and --progress, at most once a second
  void apply_marker(const Record& r);
  bool wait_recorded(const core::control::BarrierId& id);
  // Per partition, what every sink registered in the store has recorded (the
  // store's entries merged); none when one has recorded nothing yet.
  std::optional<Offsets> recorded_by_all() const;

  KafkaCaptureOptions m_options;
  const core::Log& m_log;
  Consumer m_consumer;
  EventFormat m_format;
  Offsets m_offsets; // the position: next offset per owned partition
  Batch m_batch;
  size_t m_index = 0;
  std::optional<uint32_t> m_revoking; // marker of the revoke waiting for its barrier
  uint64_t m_messages = 0;
  std::vector<HeaderView> m_headers;
  // The partition of the last message and its entry in m_offsets.
  int32_t m_last_partition = -1;
  uint16_t m_last_topic = 0;
  Offsets::iterator m_last;
  core::Clock::time_point m_lag_due{}; // next consumer-lag update for --metrics/--progress
};

} // namespace sluice::connectors::kafka
