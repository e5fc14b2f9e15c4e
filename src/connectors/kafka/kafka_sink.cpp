#include "connectors/kafka/kafka_sink.hpp"

#include "core/error.hpp"
#include "core/signals.hpp"

#include <cstdlib>
#include <fmt/format.h>
#include <random>

namespace sluice::connectors::kafka {

using core::Error;
using core::ExitCode;
using std::chrono::milliseconds;

namespace {

constexpr milliseconds k_flush_slice{100};
constexpr milliseconds k_full_wait{10};
// The batched path: a partition's messages go to librdkafka at these sizes,
// and keyless messages stay on one partition for this many.
constexpr size_t k_batch_messages = 2048;
constexpr size_t k_batch_bytes = 512 << 10;
constexpr uint32_t k_sticky_messages = 8192;
// Room left under message.max.bytes for a record's framing: a message closer to
// the limit takes the unbatched path, where librdkafka itself says whether it fits.
constexpr size_t k_record_overhead = 512;

Properties producer_properties(Properties p, const KafkaSinkOptions& o) {
  if (!o.brokers.empty()) {
    p.set_owned("bootstrap.servers", o.brokers);
  }
  p.set_default("client.id", "sluice");
  p.set_default("enable.idempotence", "true");
  if (o.compress) {
    p.set_owned("compression.codec", *o.compress);
  } else {
    p.set_default("compression.codec", "lz4");
  }
  // Batching that beat kcat on the mock cluster (NOTES.md): the broker
  // stores what it is sent, so compressed batches save it work.
  p.set_default("linger.ms", "5");
  p.set_default("batch.size", "1000000");
  p.set_default("batch.num.messages", "100000");
  // Keyless messages fill one partition's batch for 100ms before moving on:
  // fewer, fuller batches for the client and the broker alike.
  p.set_default("sticky.partitioning.linger.ms", "100");
  p.set_default("queue.buffering.max.messages", "1000000");
  // Keyed messages land where Java clients put them.
  p.set_default("partitioner", "murmur2_random");
  p.set_default("log.connection.close", "false");
  return p;
}

} // namespace

KafkaSink::KafkaSink(KafkaSinkOptions options, Properties properties, const core::Log& log)
    : m_options(std::move(options)), m_log(log), m_builder(m_options.message),
      m_user_partitioner(properties.is_user_set("partitioner") ||
                         properties.is_user_set("sticky.partitioning.linger.ms")),
      m_random(static_cast<uint64_t>(std::random_device{}()) << 32 | std::random_device{}()) {
  if (auto max = properties.get("message.max.bytes")) {
    m_max_message = std::strtoull(max->c_str(), nullptr, 10);
  }
  m_events.stage = log.stage();
  m_events.owner = this;
  m_rk = create_client(
      Role::producer, producer_properties(std::move(properties), m_options), &m_events,
      [](rd_kafka_conf_t* conf) { rd_kafka_conf_set_dr_msg_cb(conf, on_delivery); });
  std::vector<TopicInfo> topics =
      list_topics(m_rk.get(), m_options.retry, m_options.brokers,
                  [&](const std::string& line) { m_log.warn("{}", line); });
  if (m_options.message.topic_from) {
    return;
  }
  const std::string& name = m_options.message.topic;
  for (const auto& t : topics) {
    if (t.name == name) {
      m_partition_count = t.partitions;
      // sluice partitions itself only as librdkafka's default would here.
      m_batching = !m_options.message.headers && !m_options.message.envelope &&
                   !m_user_partitioner && t.partitions > 0;
      m_batches.resize(static_cast<size_t>(t.partitions));
      if (m_options.partition != RD_KAFKA_PARTITION_UA && m_options.partition >= t.partitions) {
        throw Error(ExitCode::unavailable,
                    fmt::format("topic \"{}\" has no partition {} (it has {})", name,
                                m_options.partition, t.partitions));
      }
      return;
    }
  }
  throw Error(ExitCode::unavailable,
              fmt::format("topic \"{}\" does not exist on {} (or this client may not see it)", name,
                          m_options.brokers));
}

KafkaSink::~KafkaSink() {
  m_last_topic = nullptr;
  m_topics.clear();
  if (m_rk) {
    // Whatever is still queued was not recorded: drop it rather than wait.
    rd_kafka_purge(m_rk.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    m_purging = true;
    rd_kafka_poll(m_rk.get(), 0);
  }
}

std::string KafkaSink::default_sink_id() const {
  const auto& m = m_options.message;
  return fmt::format("kafka://{}/{}", m_options.brokers,
                     m.topic_from ? "{" + m.topic_from->text() + "}" : m.topic);
}

void KafkaSink::on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* self = static_cast<KafkaSink*>(static_cast<ClientEvents*>(opaque)->owner);
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++self->m_delivered;
    return;
  }
  ++self->m_failed;
  if (self->m_first_error == RD_KAFKA_RESP_ERR_NO_ERROR && !self->m_purging) {
    self->m_first_error = m->err;
    self->m_first_error_where = fmt::format("{}/{}", rd_kafka_topic_name(m->rkt), m->partition);
  }
}

void KafkaSink::check_failure() {
  if (m_events.fatal.load()) {
    char reason[512];
    rd_kafka_resp_err_t err = rd_kafka_fatal_error(m_rk.get(), reason, sizeof reason);
    throw Error(exit_code_for(err), fmt::format("the producer failed: {}", reason));
  }
  if (m_first_error == RD_KAFKA_RESP_ERR_NO_ERROR) {
    return;
  }
  throw Error(exit_code_for(m_first_error),
              fmt::format("delivery to {} failed: {}; {} message{} not delivered, nothing more "
                          "recorded",
                          m_first_error_where, describe_error(m_first_error),
                          m_produced - m_delivered, m_produced - m_delivered == 1 ? "" : "s"));
}

void KafkaSink::check_brokers() {
  if (!m_events.brokers_down.load()) {
    m_retry = 0;
    return;
  }
  const RetryPolicy& retry = m_options.retry;
  auto delay = retry.delay(m_retry);
  if (probe_brokers(m_rk.get(), delay)) {
    if (m_retry > 0) {
      m_log.info("the Kafka brokers {} are reachable again", m_options.brokers);
    }
    m_events.brokers_down = false;
    m_retry = 0;
    return;
  }
  if (m_retry >= retry.retries) {
    uint64_t pending = m_produced - m_delivered;
    throw Error(ExitCode::unavailable,
                fmt::format("the Kafka brokers {} stayed unreachable after {} retries: {} "
                            "message{} not delivered, nothing more recorded",
                            m_options.brokers, m_retry, pending, pending == 1 ? "" : "s"));
  }
  ++m_retry;
  m_log.warn("the Kafka brokers {} are unreachable: retry {}/{}", m_options.brokers, m_retry,
             retry.retries);
}

void KafkaSink::serve(milliseconds timeout) {
  rd_kafka_poll(m_rk.get(), static_cast<int>(timeout.count()));
  check_failure();
  check_brokers();
  core::signals::check_hard_exit();
}

rd_kafka_topic_t* KafkaSink::topic_handle(std::string_view name) {
  if (m_last_topic != nullptr && name == m_last_topic_name) {
    return m_last_topic;
  }
  auto it = m_topics.find(std::string(name));
  if (it == m_topics.end()) {
    std::string key(name);
    TopicHandle t(rd_kafka_topic_new(m_rk.get(), key.c_str(), nullptr));
    if (!t) {
      throw Error(ExitCode::io,
                  fmt::format("topic \"{}\": {}", key, describe_error(rd_kafka_last_error())));
    }
    it = m_topics.emplace(std::move(key), std::move(t)).first;
  }
  m_last_topic_name = it->first;
  m_last_topic = it->second.get();
  return m_last_topic;
}

bool KafkaSink::can_batch(const Message& m) const {
  if (!m_batching || m.ts || !m.value) {
    return false;
  }
  size_t size = m.value->size() + (m.key ? m.key->size() : 0);
  return size + k_record_overhead <= m_max_message;
}

int32_t KafkaSink::partition_for(const Message& m) {
  if (m_options.partition != RD_KAFKA_PARTITION_UA) {
    return m_options.partition;
  }
  if (m.key) {
    return rd_kafka_msg_partitioner_murmur2_random(m_last_topic, m.key->data(), m.key->size(),
                                                   m_partition_count, nullptr, nullptr);
  }
  // Keyless: stick to one random partition for a while, as librdkafka's
  // sticky partitioner does, so batches fill up.
  if (m_sticky_left == 0) {
    m_random = m_random * 6364136223846793005ull + 1442695040888963407ull;
    m_sticky = static_cast<int32_t>((m_random >> 33) % static_cast<uint64_t>(m_partition_count));
    m_sticky_left = k_sticky_messages;
  }
  --m_sticky_left;
  return m_sticky;
}

void KafkaSink::add_to_batch(const Message& m) {
  topic_handle(m.topic);
  int32_t partition = partition_for(m);
  PartitionBatch& b = m_batches[static_cast<size_t>(partition)];
  PartitionBatch::Entry e;
  e.value_at = b.bytes.size();
  e.value_size = m.value->size();
  b.bytes.append(*m.value);
  if (m.key) {
    e.key_at = b.bytes.size();
    e.key_size = static_cast<int64_t>(m.key->size());
    b.bytes.append(*m.key);
  }
  b.entries.push_back(e);
  if (b.entries.size() >= k_batch_messages || b.bytes.size() >= k_batch_bytes) {
    hand_over(partition);
  }
}

void KafkaSink::hand_over(int32_t partition) {
  PartitionBatch& b = m_batches[static_cast<size_t>(partition)];
  size_t done = 0;
  while (done < b.entries.size()) {
    m_scratch.assign(b.entries.size() - done, rd_kafka_message_t{});
    for (size_t i = 0; i < m_scratch.size(); ++i) {
      const PartitionBatch::Entry& e = b.entries[done + i];
      rd_kafka_message_t& m = m_scratch[i];
      m.payload = b.bytes.data() + e.value_at;
      m.len = e.value_size;
      if (e.key_size >= 0) {
        m.key = b.bytes.data() + e.key_at;
        m.key_len = static_cast<size_t>(e.key_size);
      }
    }
    rd_kafka_produce_batch(m_last_topic, partition, RD_KAFKA_MSG_F_COPY, m_scratch.data(),
                           static_cast<int>(m_scratch.size()));
    // librdkafka takes the messages in order and, once its queue is full,
    // refuses all the rest with QUEUE_FULL: everything before the first
    // refusal is queued. Any other refusal ends the run (sizes were checked).
    size_t queued = 0;
    while (queued < m_scratch.size() && m_scratch[queued].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++queued;
    }
    m_produced += queued;
    done += queued;
    if (queued < m_scratch.size()) {
      rd_kafka_resp_err_t err = m_scratch[queued].err;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        throw Error(exit_code_for(err), fmt::format("produce to {}/{}: {}", m_options.message.topic,
                                                    partition, describe_error(err)));
      }
      serve(k_full_wait);
    }
  }
  b.entries.clear();
  b.bytes.clear();
}

void KafkaSink::hand_over_all() {
  if (!m_batching) {
    return;
  }
  for (size_t p = 0; p < m_batches.size(); ++p) {
    if (!m_batches[p].entries.empty()) {
      hand_over(static_cast<int32_t>(p));
    }
  }
}

bool KafkaSink::write(const core::Line& line, simdjson::ondemand::document& doc, std::string* why) {
  Message m;
  if (!m_builder.build(line.text, doc, &m, why)) {
    return false;
  }
  if (can_batch(m)) {
    add_to_batch(m);
    return true;
  }
  // What waits in the batches goes first: per-partition order is kept.
  hand_over_all();
  for (;;) {
    rd_kafka_headers_t* headers = nullptr;
    if (!m.headers->empty()) {
      headers = rd_kafka_headers_new(m.headers->size());
      for (const auto& h : *m.headers) {
        rd_kafka_header_add(headers, h.name.data(), static_cast<ssize_t>(h.name.size()),
                            h.value ? h.value->data() : nullptr,
                            h.value ? static_cast<ssize_t>(h.value->size()) : 0);
      }
    }
    rd_kafka_topic_t* topic = topic_handle(m.topic);
    void* value = m.value ? const_cast<char*>(m.value->data()) : nullptr;
    size_t value_size = m.value ? m.value->size() : 0;
    const void* key = m.key ? m.key->data() : nullptr;
    size_t key_size = m.key ? m.key->size() : 0;
    int64_t ts = m.ts.value_or(0);
    rd_kafka_resp_err_t err = rd_kafka_producev(
        m_rk.get(), RD_KAFKA_V_RKT(topic), RD_KAFKA_V_PARTITION(m_options.partition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE(value, value_size),
        RD_KAFKA_V_KEY(key, key_size), RD_KAFKA_V_TIMESTAMP(ts), RD_KAFKA_V_HEADERS(headers),
        RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++m_produced;
      return true;
    }
    if (headers != nullptr) {
      rd_kafka_headers_destroy(headers); // owned by librdkafka only on success
    }
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      serve(k_full_wait);
      continue;
    }
    if (err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
      *why = fmt::format("message of {} bytes is larger than message.max.bytes",
                         m.value ? m.value->size() : 0);
      return false;
    }
    throw Error(exit_code_for(err), fmt::format("produce to {}: {}", m.topic, describe_error(err)));
  }
}

void KafkaSink::flush_all() {
  hand_over_all();
  while (rd_kafka_outq_len(m_rk.get()) > 0) {
    rd_kafka_flush(m_rk.get(), static_cast<int>(k_flush_slice.count()));
    serve(milliseconds(0));
  }
  check_failure();
}

void KafkaSink::commit(core::CheckpointStore* store, core::StoreEntry* record) {
  if (record == nullptr) {
    // Between barriers librdkafka batches on: hand it what waits here and take
    // the delivery reports.
    hand_over_all();
    serve(milliseconds(0));
    return;
  }
  flush_all();
  record->state = "null";
  store->record(*record);
}

void KafkaSink::rollback() {
  for (auto& b : m_batches) {
    b.entries.clear();
    b.bytes.clear();
  }
  m_purging = true;
  rd_kafka_purge(m_rk.get(), RD_KAFKA_PURGE_F_QUEUE);
  rd_kafka_poll(m_rk.get(), 0);
}

void KafkaSink::finish() {
  flush_all();
}

std::string KafkaSink::summary() const {
  return fmt::format("{} messages delivered", m_delivered);
}

} // namespace sluice::connectors::kafka
