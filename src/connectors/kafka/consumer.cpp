#include "connectors/kafka/consumer.hpp"

#include "connectors/kafka/session.hpp"
#include "core/error.hpp"

#include <algorithm>
#include <csignal>
#include <fmt/format.h>
#include <pthread.h>

namespace sluice::connectors::kafka {

using core::Error;
using core::ExitCode;

namespace {

constexpr size_t k_command_capacity = 64;

bool is_pattern(const std::string& topic) {
  return !topic.empty() && topic[0] == '^';
}

const TopicInfo* find_topic(const std::vector<TopicInfo>& topics, const std::string& name) {
  for (const auto& t : topics) {
    if (t.name == name) {
      return &t;
    }
  }
  return nullptr;
}

} // namespace

Consumer::Consumer(ConsumerOptions options, const Properties& properties)
    : m_options(std::move(options)), m_batches(m_options.queue_batches),
      m_commands(k_command_capacity) {
  m_events.stage = m_options.stage;
  m_session = std::make_unique<Session>(*this);
  m_events.owner = m_session.get();
  m_rk = create_client(Role::consumer, properties, &m_events, [&](rd_kafka_conf_t* conf) {
    if (m_options.group) {
      rd_kafka_conf_set_rebalance_cb(conf, Session::on_rebalance);
    }
  });
}

Consumer::~Consumer() {
  stop();
}

void Consumer::stop() {
  if (m_thread.joinable()) {
    Command stop;
    stop.kind = Command::Kind::stop;
    m_commands.push(stop, std::chrono::seconds(1));
    // A session waiting for the answer to a revoke gets it as a broken promise
    // when the batches still queued are dropped.
    m_batches.cancel();
    Batch dropped;
    try {
      while (m_batches.try_pop(&dropped)) {
      }
    } catch (...) {
      // The session's failure was either seen already or no longer matters.
    }
    m_thread.join();
  }
  if (m_rk && m_options.group) {
    m_session->close();
    rd_kafka_consumer_close(m_rk.get());
  }
  for (const auto& tp : m_started) {
    for (auto& t : m_topics) {
      if (tp.topic == rd_kafka_topic_name(t.get())) {
        rd_kafka_consume_stop(t.get(), tp.partition);
      }
    }
  }
  m_started.clear();
  m_queue.reset();
  m_topics.clear();
  if (m_options.group && !m_rebalanced.load()) {
    // librdkafka 2.0.2 asserts when it destroys a cooperative-sticky consumer
    // that never got an assignment (confluentinc/librdkafka#4312, fixed in
    // 2.3.0): leave the closed handle to the process's exit.
    static_cast<void>(m_rk.release());
  }
  m_rk.reset();
}

void Consumer::start(const Offsets& stored, const std::function<void(const std::string&)>& log) {
  m_stored = stored;
  std::vector<TopicInfo> topics = list_topics(m_rk.get(), m_options.retry, m_options.brokers, log);
  for (const auto& t : m_options.topics) {
    if (is_pattern(t)) {
      continue;
    }
    if (find_topic(topics, t) == nullptr) {
      throw Error(ExitCode::unavailable,
                  fmt::format("topic \"{}\" does not exist on {} (or this client may not see it)",
                              t, m_options.brokers));
    }
  }
  if (m_options.group) {
    start_group();
  } else {
    start_explicit(topics, log);
  }
  // The session thread must not take SIGINT/SIGTERM: the main thread needs the
  // EINTR to leave a blocked write. It inherits the mask it is created with.
  sigset_t block;
  sigset_t old;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  m_thread = std::thread([this] { m_session->run(); });
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

void Consumer::start_explicit(const std::vector<TopicInfo>& topics,
                              const std::function<void(const std::string&)>& log) {
  m_queue.reset(rd_kafka_queue_new(m_rk.get()));
  Offsets starts;
  size_t from_store = 0;
  for (const auto& name : m_options.topics) {
    const TopicInfo* info = find_topic(topics, name);
    std::vector<int32_t> partitions = m_options.partitions;
    if (partitions.empty()) {
      for (int32_t p = 0; p < info->partitions; ++p) {
        partitions.push_back(p);
      }
    }
    m_topics.emplace_back(rd_kafka_topic_new(m_rk.get(), name.c_str(), nullptr));
    rd_kafka_topic_t* rkt = m_topics.back().get();
    for (int32_t p : partitions) {
      if (p < 0 || p >= info->partitions) {
        throw Error(
            ExitCode::unavailable,
            fmt::format("topic \"{}\" has no partition {} (it has {})", name, p, info->partitions));
      }
      TopicPartition tp{name, p};
      int64_t offset = RD_KAFKA_OFFSET_BEGINNING;
      if (auto it = m_stored.find(tp); it != m_stored.end()) {
        offset = it->second;
        ++from_store;
      } else if (m_options.start.kind == StartOffset::Kind::offset) {
        offset = m_options.start.value;
      } else if (m_options.start.is_moving()) {
        offset = resolve_moving_start(tp);
      }
      if (rd_kafka_consume_start_queue(rkt, p, offset, m_queue.get()) != 0) {
        throw Error(exit_code_for(rd_kafka_last_error()),
                    fmt::format("start reading {}: {}", describe(tp),
                                describe_error(rd_kafka_last_error())));
      }
      m_started.push_back(tp);
      starts[tp] = offset >= 0 ? offset : -1;
    }
  }
  log(fmt::format("reading {} partitions: {} from the stored position, {} from -o {}",
                  m_started.size(), from_store, m_started.size() - from_store,
                  m_options.start.text()));
  m_session->assigned_explicit(starts);
}

void Consumer::start_group() {
  rd_kafka_poll_set_consumer(m_rk.get());
  m_queue.reset(rd_kafka_queue_get_consumer(m_rk.get()));
  PartitionList list = make_list(static_cast<int>(m_options.topics.size()));
  for (const auto& t : m_options.topics) {
    rd_kafka_topic_partition_list_add(list.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  }
  rd_kafka_resp_err_t err = rd_kafka_subscribe(m_rk.get(), list.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw Error(exit_code_for(err), fmt::format("subscribe: {}", describe_error(err)));
  }
}

int64_t Consumer::resolve_moving_start(const TopicPartition& tp) {
  int timeout = static_cast<int>(m_options.request_timeout.count());
  int64_t low = 0;
  int64_t high = 0;
  rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(m_rk.get(), tp.topic.c_str(),
                                                             tp.partition, &low, &high, timeout);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw Error(exit_code_for(err),
                fmt::format("look up the offsets of {}: {}", describe(tp), describe_error(err)));
  }
  switch (m_options.start.kind) {
  case StartOffset::Kind::tail:
    return std::max(low, high - m_options.start.value);
  case StartOffset::Kind::timestamp: {
    PartitionList list = make_list(1);
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset =
        m_options.start.value;
    err = rd_kafka_offsets_for_times(m_rk.get(), list.get(), timeout);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      err = list->elems[0].err;
    }
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw Error(exit_code_for(err),
                  fmt::format("look up the offset of {} at {}: {}", describe(tp),
                              m_options.start.text(), describe_error(err)));
    }
    // -1: no message at or after that time, so the partition starts at its end.
    return list->elems[0].offset >= 0 ? list->elems[0].offset : high;
  }
  default:
    return high;
  }
}

void Consumer::commit(const Offsets& offsets) {
  if (!m_options.group || !m_thread.joinable()) {
    return;
  }
  Command c;
  c.offsets = offsets;
  // A full command queue drops this commit: the next one carries newer offsets.
  m_commands.push(c, std::chrono::milliseconds(0));
}

int64_t Consumer::lag(const Offsets& next) const {
  int64_t total = -1;
  for (const auto& [tp, offset] : next) {
    int64_t low = 0;
    int64_t high = 0;
    if (rd_kafka_get_watermark_offsets(m_rk.get(), tp.topic.c_str(), tp.partition, &low, &high) ==
            RD_KAFKA_RESP_ERR_NO_ERROR &&
        high >= 0) {
      total = std::max<int64_t>(total, 0) + std::max<int64_t>(high - offset, 0);
    }
  }
  return total;
}

} // namespace sluice::connectors::kafka
