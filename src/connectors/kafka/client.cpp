#include "connectors/kafka/client.hpp"

#include "core/signals.hpp"
#include "core/units.hpp"

#include <fmt/format.h>
#include <thread>

namespace sluice::connectors::kafka {
namespace {

using core::Error;
using core::ExitCode;

// librdkafka's own log lines: warnings and errors only, as sluice's log lines.
// Called on librdkafka's threads: one formatted write, nothing shared.
void on_log(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
  if (level > 4) {
    return;
  }
  const auto* events = static_cast<const ClientEvents*>(rd_kafka_opaque(rk));
  std::string line = fmt::format("sluice {}: {}librdkafka: {}: {}\n",
                                 events != nullptr ? events->stage : std::string("kafka"),
                                 level <= 3 ? "error: " : "warning: ", facility, message);
  fmt::print(stderr, "{}", line);
}

void on_error(rd_kafka_t*, int err, const char*, void* opaque) {
  auto* events = static_cast<ClientEvents*>(opaque);
  if (events == nullptr) {
    return;
  }
  if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    events->brokers_down = true;
  } else if (err == RD_KAFKA_RESP_ERR__FATAL) {
    events->fatal = true;
  }
}

} // namespace

PartitionList make_list(int capacity) {
  return PartitionList(rd_kafka_topic_partition_list_new(capacity));
}

std::chrono::milliseconds RetryPolicy::delay(int attempt) const {
  auto d = first;
  for (int i = 0; i < attempt && d < max; ++i) {
    d *= 2;
  }
  return std::min(d, max);
}

Handle create_client(Role role, const Properties& properties, ClientEvents* events,
                     const std::function<void(rd_kafka_conf_t*)>& customize) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  for (const auto& p : properties.items()) {
    if (rd_kafka_conf_set(conf, p.key.c_str(), p.value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      // librdkafka's message may quote the value: never for a secret.
      std::string why = Properties::is_secret(p.key) ? "invalid value" : std::string(errstr);
      throw Error(ExitCode::usage,
                  fmt::format("{} {}: {}", p.origin == "-X" ? "-X" : p.origin, p.key, why));
    }
  }
  rd_kafka_conf_set_opaque(conf, events);
  rd_kafka_conf_set_log_cb(conf, on_log);
  rd_kafka_conf_set_error_cb(conf, on_error);
  if (customize) {
    customize(conf);
  }
  rd_kafka_t* rk = rd_kafka_new(role == Role::consumer ? RD_KAFKA_CONSUMER : RD_KAFKA_PRODUCER,
                                conf, errstr, sizeof errstr);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw Error(ExitCode::usage, fmt::format("kafka client: {}", errstr));
  }
  return Handle(rk);
}

bool probe_brokers(rd_kafka_t* rk, std::chrono::milliseconds timeout) {
  const rd_kafka_metadata_t* md = nullptr;
  // all_topics=0 with no topic asks for brokers only: cheap, and creates nothing.
  rd_kafka_resp_err_t err =
      rd_kafka_metadata(rk, 0, nullptr, &md, static_cast<int>(timeout.count()));
  MetadataHandle owned(md);
  return err == RD_KAFKA_RESP_ERR_NO_ERROR;
}

std::vector<TopicInfo> list_topics(rd_kafka_t* rk, const RetryPolicy& retry,
                                   const std::string& brokers,
                                   const std::function<void(const std::string&)>& log) {
  for (int attempt = 0;; ++attempt) {
    auto timeout = std::max(retry.delay(attempt), std::chrono::milliseconds(2000));
    auto started = std::chrono::steady_clock::now();
    const rd_kafka_metadata_t* md = nullptr;
    rd_kafka_resp_err_t err =
        rd_kafka_metadata(rk, 1, nullptr, &md, static_cast<int>(timeout.count()));
    MetadataHandle owned(md);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::vector<TopicInfo> topics;
      for (int i = 0; i < md->topic_cnt; ++i) {
        if (md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
          topics.push_back({md->topics[i].topic, md->topics[i].partition_cnt});
        }
      }
      return topics;
    }
    core::signals::check_hard_exit();
    if (attempt >= retry.retries || core::signals::stop_requested()) {
      throw Error(ExitCode::unavailable,
                  fmt::format("the Kafka brokers {} stayed unreachable after {} retries: {}",
                              brokers, attempt, describe_error(err)));
    }
    auto wait = retry.delay(attempt);
    log(fmt::format(
        "the Kafka brokers {} are unreachable ({}): retry {}/{} in {}", brokers,
        describe_error(err), attempt + 1, retry.retries,
        core::format_duration(std::chrono::duration_cast<std::chrono::microseconds>(wait))));
    auto elapsed = std::chrono::steady_clock::now() - started;
    if (elapsed < wait) {
      std::this_thread::sleep_for(wait - elapsed);
    }
  }
}

ExitCode exit_code_for(rd_kafka_resp_err_t err) {
  switch (err) {
  case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
  case RD_KAFKA_RESP_ERR__TIMED_OUT:
  case RD_KAFKA_RESP_ERR__TRANSPORT:
  case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
  case RD_KAFKA_RESP_ERR__RESOLVE:
  case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
  case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
  case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
  case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
  case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
  case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
  case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
  case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
  case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
  case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
  case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
  case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
  case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
  case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:
    return ExitCode::unavailable;
  default:
    return ExitCode::io;
  }
}

std::string describe_error(rd_kafka_resp_err_t err) {
  return fmt::format("{} ({})", rd_kafka_err2str(err), rd_kafka_err2name(err));
}

} // namespace sluice::connectors::kafka
