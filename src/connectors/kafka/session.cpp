#include "connectors/kafka/session.hpp"

#include "core/units.hpp"

#include <cstring>
#include <fmt/format.h>
#include <simdjson.h>

namespace sluice::connectors::kafka {

using core::Error;
using core::ExitCode;
using std::chrono::milliseconds;

namespace {

// How long an idle session blocks in librdkafka before it looks at commands.
constexpr milliseconds k_idle_poll{100};
constexpr milliseconds k_paused_poll{50};
// How long a full batch waits for room in the queue at a time.
constexpr milliseconds k_push_wait{50};
// A queue full for longer than this pauses the partitions. A shorter stall
// only stops serving librdkafka, whose prefetch is bounded: pausing purges
// that prefetch, which would have to be fetched again.
constexpr milliseconds k_pause_after{1000};
// Messages taken from a group's queue per call.
constexpr size_t k_group_bulk = 4096;

} // namespace

void Consumer::Session::run() {
  try {
    loop();
  } catch (const Error&) {
    m_c.m_batches.fail(std::current_exception());
  } catch (const std::exception& e) {
    m_c.m_batches.fail(std::make_exception_ptr(
        Error(ExitCode::internal, fmt::format("kafka session: {}", e.what()))));
  }
}

void Consumer::Session::loop() {
  for (;;) {
    if (!take_commands()) {
      return;
    }
    check_brokers();
    if (!hand_over(m_paused ? milliseconds(0) : k_push_wait) && !m_paused) {
      continue; // wait for room without serving librdkafka
    }
    serve(m_paused ? k_paused_poll : k_idle_poll);
    if (m_failure) {
      throw *m_failure;
    }
  }
}

bool Consumer::Session::take_commands() {
  Command c;
  while (m_c.m_commands.try_pop(&c)) {
    if (c.kind == Command::Kind::stop) {
      return false;
    }
    commit(c.offsets);
  }
  return true;
}

void Consumer::Session::serve(milliseconds timeout) {
  if (!m_c.m_options.group) {
    rd_kafka_consume_callback_queue(m_c.m_queue.get(), static_cast<int>(timeout.count()),
                                    on_message_callback, this);
    rd_kafka_poll(m_c.m_rk.get(), 0); // errors and logs
    return;
  }
  // The group's queue, in bulk: rebalance callbacks are served on the way.
  // The first call is made even with a full batch (the partitions are paused
  // then): it is what tells librdkafka the member is alive
  // (max.poll.interval.ms), and what a paused queue still yields is kept.
  rd_kafka_message_t* messages[k_group_bulk];
  for (int i = 0; !m_failure && (i == 0 || m_batch.bytes.size() < m_c.m_options.batch_bytes);
       ++i) {
    ssize_t n = rd_kafka_consume_batch_queue(
        m_c.m_queue.get(), i == 0 ? static_cast<int>(timeout.count()) : 0, messages, k_group_bulk);
    for (ssize_t j = 0; j < n; ++j) {
      MessageHandle m(messages[j]);
      if (!m_failure) {
        on_message(m.get());
      }
    }
    if (n < static_cast<ssize_t>(k_group_bulk)) {
      return;
    }
  }
}

void Consumer::Session::on_message_callback(rd_kafka_message_t* message, void* opaque) {
  auto* self = static_cast<Session*>(opaque);
  self->on_message(message);
  if (self->m_batch.bytes.size() >= self->m_c.m_options.batch_bytes || self->m_failure) {
    rd_kafka_yield(self->m_c.m_rk.get());
  }
}

uint16_t Consumer::Session::topic_index(const char* name) {
  auto& topics = m_batch.topics;
  for (size_t i = 0; i < topics.size(); ++i) {
    if (topics[i] == name) {
      return static_cast<uint16_t>(i);
    }
  }
  topics.emplace_back(name);
  return static_cast<uint16_t>(topics.size() - 1);
}

uint32_t Consumer::Session::add_marker(Record::Kind kind, Marker marker) {
  m_batch.markers.push_back(std::move(marker));
  Record r;
  r.kind = kind;
  r.marker = static_cast<uint32_t>(m_batch.markers.size() - 1);
  m_batch.records.push_back(r);
  return r.marker;
}

void Consumer::Session::notice(std::string text) {
  Marker m;
  m.text = std::move(text);
  add_marker(Record::Kind::notice, std::move(m));
}

void Consumer::Session::fail(ExitCode code, std::string message) {
  if (!m_failure) {
    m_failure = Error(code, std::move(message));
  }
}

void Consumer::Session::on_message(const rd_kafka_message_t* m) {
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    on_consumer_error(m);
    return;
  }
  Record r;
  r.topic = topic_index(rd_kafka_topic_name(m->rkt));
  r.partition = m->partition;
  r.offset = m->offset;
  rd_kafka_timestamp_type_t ts_type;
  int64_t ts = rd_kafka_message_timestamp(m, &ts_type);
  r.ts = ts_type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? -1 : ts;
  std::string& bytes = m_batch.bytes;
  if (m->key != nullptr) {
    r.key_at = bytes.size();
    r.key_size = static_cast<int64_t>(m->key_len);
    bytes.append(static_cast<const char*>(m->key), m->key_len);
  }
  if (m->payload != nullptr) {
    r.value_at = bytes.size();
    r.value_size = static_cast<int64_t>(m->len);
    bytes.append(static_cast<const char*>(m->payload), m->len);
  }
  rd_kafka_headers_t* headers = nullptr;
  if (m_c.m_options.headers &&
      rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    r.headers_at = static_cast<uint32_t>(m_batch.headers.size());
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    for (size_t i = 0;
         rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
         ++i) {
      HeaderRef h;
      h.name_at = bytes.size();
      h.name_size = static_cast<uint32_t>(std::strlen(name));
      bytes.append(name, h.name_size);
      if (value != nullptr) {
        h.value_at = bytes.size();
        h.value_size = static_cast<int64_t>(size);
        bytes.append(static_cast<const char*>(value), size);
      }
      m_batch.headers.push_back(h);
      ++r.header_count;
    }
  }
  m_batch.records.push_back(r);
  if (!m_at_eof.empty()) {
    m_at_eof.erase(TopicPartition{rd_kafka_topic_name(m->rkt), m->partition});
  }
}

void Consumer::Session::on_consumer_error(const rd_kafka_message_t* m) {
  std::string where = m->rkt != nullptr
                          ? fmt::format("{}/{}", rd_kafka_topic_name(m->rkt), m->partition)
                          : std::string("the consumer");
  switch (m->err) {
  case RD_KAFKA_RESP_ERR__PARTITION_EOF:
    note_eof(TopicPartition{rd_kafka_topic_name(m->rkt), m->partition}, m->offset);
    return;
  case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
  case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:
    fail(ExitCode::unavailable,
         fmt::format("{}: the offset to resume from is no longer on the broker ({}): the events "
                     "in between are gone; to go on from what the broker still has, remove the "
                     "stored position (or give -X auto.offset.reset=earliest)",
                     where, rd_kafka_message_errstr(m)));
    return;
  case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
  case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
  case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
  case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
  case RD_KAFKA_RESP_ERR__FATAL:
    fail(exit_code_for(m->err), fmt::format("{}: {}", where, rd_kafka_message_errstr(m)));
    return;
  default:
    // Transport errors and the like: librdkafka retries, check_brokers() watches.
    return;
  }
}

void Consumer::Session::note_eof(const TopicPartition& tp, int64_t offset) {
  Record r;
  r.kind = Record::Kind::eof;
  r.topic = topic_index(tp.topic.c_str());
  r.partition = tp.partition;
  r.offset = offset;
  m_batch.records.push_back(r);
  m_at_eof.insert(tp);
  if (!m_c.m_options.exit_at_eof || m_end_sent || m_owned.empty()) {
    return;
  }
  for (const auto& owned : m_owned) {
    if (m_at_eof.count(owned) == 0) {
      return;
    }
  }
  Record end;
  end.kind = Record::Kind::end;
  m_batch.records.push_back(end);
  m_end_sent = true;
}

bool Consumer::Session::hand_over(milliseconds wait) {
  if (m_batch.empty()) {
    m_full_since.reset();
    if (m_paused) {
      set_paused(false);
    }
    return true;
  }
  size_t size = m_batch.bytes.size();
  m_batch.bytes.resize(size + simdjson::SIMDJSON_PADDING);
  switch (m_c.m_batches.push(m_batch, wait)) {
  case core::BoundedQueue<Batch>::Push::pushed:
    m_batch = Batch();
    m_batch.bytes.reserve(m_c.m_options.batch_bytes + (64 << 10));
    m_full_since.reset();
    if (m_paused) {
      set_paused(false);
    }
    return true;
  case core::BoundedQueue<Batch>::Push::timeout: {
    m_batch.bytes.resize(size);
    auto now = std::chrono::steady_clock::now();
    if (!m_full_since) {
      m_full_since = now;
    } else if (!m_paused && now - *m_full_since >= k_pause_after) {
      set_paused(true);
    }
    return false;
  }
  case core::BoundedQueue<Batch>::Push::closed:
    m_batch.bytes.resize(size);
    return false;
  }
  return false;
}

PartitionList Consumer::Session::owned_list() const {
  PartitionList list = make_list(static_cast<int>(m_owned.size()));
  for (const auto& tp : m_owned) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition);
  }
  return list;
}

void Consumer::Session::set_paused(bool paused, rd_kafka_topic_partition_list_t* only) {
  PartitionList all;
  if (only == nullptr) {
    all = owned_list();
    only = all.get();
  }
  if (only->cnt > 0) {
    if (paused) {
      rd_kafka_pause_partitions(m_c.m_rk.get(), only);
    } else {
      rd_kafka_resume_partitions(m_c.m_rk.get(), only);
    }
  }
  m_paused = paused;
}

void Consumer::Session::check_brokers() {
  if (!m_c.m_events.brokers_down.load()) {
    return;
  }
  const RetryPolicy& retry = m_c.m_options.retry;
  for (;;) {
    auto delay = retry.delay(m_retry);
    if (probe_brokers(m_c.m_rk.get(), delay)) {
      if (m_retry > 0) {
        notice(fmt::format("the Kafka brokers {} are reachable again", m_c.m_options.brokers));
      }
      m_retry = 0;
      m_c.m_events.brokers_down = false;
      return;
    }
    if (m_retry >= retry.retries) {
      throw Error(ExitCode::unavailable,
                  fmt::format("the Kafka brokers {} stayed unreachable after {} retries",
                              m_c.m_options.brokers, m_retry));
    }
    ++m_retry;
    notice(fmt::format("the Kafka brokers {} are unreachable: retry {}/{}", m_c.m_options.brokers,
                       m_retry, retry.retries));
    // Let the main thread see the notice and what was read before.
    hand_over(milliseconds(0));
    if (!take_commands()) {
      return;
    }
  }
}

void Consumer::Session::commit(const Offsets& offsets) {
  PartitionList list = make_list(static_cast<int>(offsets.size()));
  for (const auto& [tp, offset] : offsets) {
    auto it = m_committed.find(tp);
    if (m_owned.count(tp) == 0 || (it != m_committed.end() && offset <= it->second)) {
      continue; // never for a partition gone elsewhere, never backwards
    }
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = offset;
  }
  if (list->cnt == 0) {
    return;
  }
  rd_kafka_resp_err_t err = rd_kafka_commit(m_c.m_rk.get(), list.get(), 0);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    notice(fmt::format("warning: committing offsets to group {} failed: {} (the next commit "
                       "carries them)",
                       *m_c.m_options.group, describe_error(err)));
    return;
  }
  for (int i = 0; i < list->cnt; ++i) {
    const auto& e = list->elems[i];
    if (e.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      m_committed[TopicPartition{e.topic, e.partition}] = e.offset;
    }
  }
}

} // namespace sluice::connectors::kafka
