#include "connectors/kafka/group_offsets.hpp"

#include "connectors/kafka/client.hpp"
#include "core/error.hpp"

#include <fmt/format.h>

namespace sluice::connectors::kafka {

using core::Error;
using core::ExitCode;

namespace {

Handle consumer_for(Properties properties, const std::string* group, ClientEvents* events) {
  properties.set_default("client.id", "sluice-checkpoint");
  properties.set_owned("enable.auto.commit", "false");
  properties.set_default("log.connection.close", "false");
  if (group != nullptr) {
    properties.set_owned("group.id", *group);
  }
  events->stage = "checkpoint";
  return create_client(Role::consumer, properties, events, nullptr);
}

PartitionList list_of(const Offsets& offsets, bool with_offsets) {
  PartitionList list = make_list(static_cast<int>(offsets.size()));
  for (const auto& [tp, offset] : offsets) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset =
        with_offsets ? offset : RD_KAFKA_OFFSET_INVALID;
  }
  return list;
}

[[noreturn]] void fail(rd_kafka_resp_err_t err, const std::string& what) {
  throw Error(exit_code_for(err), fmt::format("{}: {}", what, describe_error(err)));
}

} // namespace

Offsets high_watermarks(const Properties& properties, const Offsets& partitions,
                        std::chrono::milliseconds timeout) {
  ClientEvents events;
  Handle rk = consumer_for(properties, nullptr, &events);
  Offsets out;
  for (const auto& [tp, ignored] : partitions) {
    int64_t low = 0;
    int64_t high = 0;
    rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
        rk.get(), tp.topic.c_str(), tp.partition, &low, &high, static_cast<int>(timeout.count()));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      fail(err, "query the high watermark of " + describe(tp));
    }
    out[tp] = high;
  }
  return out;
}

namespace {

// Members the coordinator lists for `group` (0 when it cannot tell).
int active_members(rd_kafka_t* rk, const std::string& group, std::chrono::milliseconds timeout) {
  const rd_kafka_group_list* list = nullptr;
  if (rd_kafka_list_groups(rk, group.c_str(), &list, static_cast<int>(timeout.count())) !=
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    return 0;
  }
  int members = list->group_cnt > 0 ? list->groups[0].member_cnt : 0;
  rd_kafka_group_list_destroy(list);
  return members;
}

rd_kafka_resp_err_t commit_list(rd_kafka_t* rk, const Offsets& offsets, std::string* where) {
  PartitionList list = list_of(offsets, true);
  rd_kafka_resp_err_t err = rd_kafka_commit(rk, list.get(), 0);
  for (int i = 0; err == RD_KAFKA_RESP_ERR_NO_ERROR && i < list->cnt; ++i) {
    if (list->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      err = list->elems[i].err;
      *where = fmt::format(" on {}/{}", list->elems[i].topic, list->elems[i].partition);
    }
  }
  return err;
}

// Joins `group` (subscribed to the topics of `offsets`), waits for an
// assignment, commits as a member and leaves: what a coordinator that refuses
// commits from outside the group (the mock cluster does) still accepts.
rd_kafka_resp_err_t commit_as_member(const Properties& properties, const std::string& group,
                                     const Offsets& offsets, std::chrono::milliseconds timeout,
                                     std::string* where) {
  ClientEvents events;
  Handle rk = consumer_for(properties, &group, &events);
  rd_kafka_poll_set_consumer(rk.get());
  PartitionList topics = make_list();
  std::string last;
  for (const auto& [tp, ignored] : offsets) {
    if (tp.topic != last) {
      rd_kafka_topic_partition_list_add(topics.get(), tp.topic.c_str(), RD_KAFKA_PARTITION_UA);
      last = tp.topic;
    }
  }
  rd_kafka_resp_err_t err = rd_kafka_subscribe(rk.get(), topics.get());
  auto until = std::chrono::steady_clock::now() + timeout;
  bool assigned = false;
  while (err == RD_KAFKA_RESP_ERR_NO_ERROR && !assigned &&
         std::chrono::steady_clock::now() < until) {
    MessageHandle m(rd_kafka_consumer_poll(rk.get(), 100));
    rd_kafka_topic_partition_list_t* now = nullptr;
    if (rd_kafka_assignment(rk.get(), &now) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      assigned = now->cnt > 0;
      rd_kafka_topic_partition_list_destroy(now);
    }
  }
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    err = assigned ? commit_list(rk.get(), offsets, where) : RD_KAFKA_RESP_ERR__TIMED_OUT;
  }
  rd_kafka_consumer_close(rk.get());
  return err;
}

} // namespace

void commit_group_offsets(const Properties& properties, const std::string& group,
                          const Offsets& offsets, std::chrono::milliseconds timeout) {
  ClientEvents events;
  Handle rk = consumer_for(properties, &group, &events);
  if (!probe_brokers(rk.get(), timeout)) {
    throw Error(ExitCode::unavailable, "commit offsets: the brokers did not answer");
  }
  int members = active_members(rk.get(), group, timeout);
  if (members > 0) {
    throw Error(ExitCode::io, fmt::format("group {} has {} active member{}: stop them before "
                                          "setting its offsets",
                                          group, members, members == 1 ? "" : "s"));
  }
  // Without a member id the coordinator takes the commit as a "simple
  // consumer" one, which Kafka accepts while the group is empty.
  std::string where;
  rd_kafka_resp_err_t err = commit_list(rk.get(), offsets, &where);
  if (err == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID || err == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION) {
    rk.reset();
    err = commit_as_member(properties, group, offsets, timeout, &where);
  }
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    fail(err, fmt::format("commit offsets for group {}{}", group, where));
  }
}

} // namespace sluice::connectors::kafka
