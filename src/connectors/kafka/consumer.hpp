// Consumer: the Kafka session of `sluice capture kafka`, on a thread of its
// own (DESIGN §5, STYLE §2.3) so that polls, heartbeats and rebalances go on
// while stdout is blocked.
//
// The session thread reads messages kcat's way for explicit partitions
// (rd_kafka_consume_start_queue per partition, rd_kafka_consume_callback_queue)
// or with the high-level consumer for a group, copies them into Batches and
// hands those to the main thread through a core::BoundedQueue. While that
// queue is full it pauses every partition and keeps polling, so back-pressure
// never costs the group membership. Rebalances travel in the batches as
// markers, in order with the messages: on a revoke the thread waits (up to
// the revoke timeout) for the main thread's answer — the offsets the sinks
// recorded for those partitions — commits them, and only then lets the
// partitions go. Commits happen on this thread only, for partitions it owns,
// never backwards.
//
// The public methods are for the main thread. Errors of the session thread
// (brokers unreachable after the retries, a fatal client error) reach the
// main thread as the Error rethrown by next(). start() throws Error.
#pragma once

#include "connectors/kafka/client.hpp"
#include "connectors/kafka/positions.hpp"
#include "connectors/kafka/start_offset.hpp"
#include "core/bounded_queue.hpp"

#include <atomic>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace sluice::connectors::kafka {

// One entry of a batch: a message, or a marker about partitions.
struct Record {
  enum class Kind : uint8_t {
    message,
    assigned, // markers[marker].offsets: the partitions and their start (-1: unknown)
    revoking, // markers[marker]: the partitions going away and the answer to give
    lost,     // markers[marker].offsets: partitions taken away without a revoke
    eof,      // `partition` is at its end; `offset` is the next offset
    end,      // with -e: every assigned partition is at its end
    notice,   // markers[marker].text: a line for the log
  };
  Kind kind = Kind::message;
  uint16_t topic = 0; // index into Batch::topics
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t ts = -1; // -1: none
  uint64_t key_at = 0;
  int64_t key_size = -1; // -1: null
  uint64_t value_at = 0;
  int64_t value_size = -1; // -1: null
  uint32_t headers_at = 0;
  uint32_t header_count = 0;
  uint32_t marker = 0;
};

struct HeaderRef {
  uint64_t name_at = 0;
  uint32_t name_size = 0;
  uint64_t value_at = 0;
  int64_t value_size = -1; // -1: null
};

// The answer to a revoke: the offsets recorded for the partitions (none: do
// not commit them).
using RevokeAnswer = std::optional<Offsets>;

struct Marker {
  Offsets offsets;
  std::shared_ptr<std::promise<RevokeAnswer>> answer; // revoking only
  std::string text;
};

// Messages copied out of librdkafka. `bytes` ends with SIMDJSON_PADDING spare
// bytes, so every value in it can be parsed in place.
struct Batch {
  std::string bytes;
  std::vector<Record> records;
  std::vector<HeaderRef> headers;
  std::vector<std::string> topics;
  std::vector<Marker> markers;

  bool empty() const { return records.empty(); }
  std::string_view view(uint64_t at, int64_t size) const {
    return std::string_view(bytes.data() + at, static_cast<size_t>(size));
  }
};

struct ConsumerOptions {
  std::string stage = "capture kafka";
  std::string brokers; // for messages
  std::vector<std::string> topics;
  std::optional<std::string> group;
  std::vector<int32_t> partitions; // explicit partitions (-p); none: all
  StartOffset start;
  bool exit_at_eof = false;
  bool headers = false; // copy headers (--meta, --format envelope)
  RetryPolicy retry;
  std::chrono::milliseconds revoke_timeout{10000};
  std::chrono::milliseconds request_timeout{10000};
  size_t batch_bytes = 1 << 20;
  size_t queue_batches = 8;
};

class Consumer {
 public:
  Consumer(ConsumerOptions options, const Properties& properties);
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Connects (retrying while the brokers are unreachable), checks that the
  // topics exist, and starts reading: explicit partitions from `stored` where
  // it has them, else from -o; a group resumes each partition it is assigned
  // from the larger of `stored` and the group's committed offset.
  // `log` receives the lines of the start (main thread).
  void start(const Offsets& stored, const std::function<void(const std::string&)>& log);

  // The next batch, if one waits; rethrows the session thread's failure.
  bool next(Batch* out) { return m_batches.try_pop(out); }
  // Readable while a batch (or a failure) waits.
  int fd() const { return m_batches.fd(); }
  // Commits `offsets` to the group for the partitions still owned (asynchronously).
  void commit(const Offsets& offsets);
  bool is_group() const { return m_options.group.has_value(); }
  // Messages between `next` (next offset per partition) and each partition's
  // high watermark as last seen by a fetch (no broker round trip; -1 until
  // one is known). Thread-safe.
  int64_t lag(const Offsets& next) const;

 private:
  struct Command {
    enum class Kind { commit, stop } kind = Kind::commit;
    Offsets offsets;
  };
  class Session;

  void start_explicit(const std::vector<TopicInfo>& topics,
                      const std::function<void(const std::string&)>& log);
  void start_group();
  int64_t resolve_moving_start(const TopicPartition& tp);
  void stop();

  ConsumerOptions m_options;
  ClientEvents m_events;
  Handle m_rk;
  QueueHandle m_queue; // the queue messages are read from: ours, or the group's
  std::vector<TopicHandle> m_topics;
  std::vector<TopicPartition> m_started; // explicit partitions being read
  Offsets m_stored;
  core::BoundedQueue<Batch> m_batches;
  core::BoundedQueue<Command> m_commands;
  std::unique_ptr<Session> m_session;
  std::atomic<bool> m_rebalanced{false}; // a group's rebalance callback has run
  std::thread m_thread;
};

} // namespace sluice::connectors::kafka
