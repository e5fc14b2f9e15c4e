// Consumer::Session: assignments and revokes (see session.hpp).
#include "connectors/kafka/session.hpp"

#include "core/units.hpp"

#include <cstring>
#include <fmt/format.h>

namespace sluice::connectors::kafka {

using core::Error;
using core::ExitCode;
using std::chrono::milliseconds;

namespace {

std::string partitions_text(const rd_kafka_topic_partition_list_t* list) {
  std::string out;
  for (int i = 0; i < list->cnt && i < 6; ++i) {
    out += fmt::format("{}{}/{}", i > 0 ? " " : "", list->elems[i].topic, list->elems[i].partition);
  }
  if (list->cnt > 6) {
    out += fmt::format(" and {} more", list->cnt - 6);
  }
  return out;
}

} // namespace

void Consumer::Session::assigned_explicit(const Offsets& starts) {
  Marker m;
  m.offsets = starts;
  for (const auto& [tp, offset] : starts) {
    m_owned.insert(tp);
  }
  add_marker(Record::Kind::assigned, std::move(m));
}

void Consumer::Session::on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                     rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  auto* self = static_cast<Session*>(static_cast<ClientEvents*>(opaque)->owner);
  self->m_c.m_rebalanced = true;
  bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
  try {
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      self->assign(partitions, cooperative);
    } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
      self->revoke(partitions, cooperative);
    } else {
      self->notice(fmt::format("warning: rebalance failed: {}", describe_error(err)));
      rd_kafka_assign(rk, nullptr);
      self->m_owned.clear();
    }
  } catch (const std::exception& e) {
    // Nothing may unwind through librdkafka: the loop rethrows it.
    self->fail(ExitCode::internal, fmt::format("rebalance: {}", e.what()));
  }
}

void Consumer::Session::assign(rd_kafka_topic_partition_list_t* partitions, bool cooperative) {
  rd_kafka_t* rk = m_c.m_rk.get();
  PartitionList committed(rd_kafka_topic_partition_list_copy(partitions));
  rd_kafka_resp_err_t err = rd_kafka_committed(
      rk, committed.get(), static_cast<int>(m_c.m_options.request_timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    fail(exit_code_for(err), fmt::format("read the committed offsets of group {}: {}",
                                         *m_c.m_options.group, describe_error(err)));
    return;
  }
  Marker marker;
  size_t from_store = 0;
  size_t from_group = 0;
  for (int i = 0; i < partitions->cnt; ++i) {
    auto& e = partitions->elems[i];
    TopicPartition tp{e.topic, e.partition};
    int64_t group = committed->elems[i].offset;
    auto stored = m_c.m_stored.find(tp);
    int64_t start = group >= 0 ? group : -1;
    m_committed.erase(tp);
    if (group >= 0) {
      m_committed[tp] = group;
    }
    // Commits only ever follow a sink record: the larger of the two is never
    // past what was recorded, and a partition that came back never replays
    // from a stale local entry.
    if (stored != m_c.m_stored.end() && stored->second > start) {
      start = stored->second;
      ++from_store;
    } else if (start >= 0) {
      ++from_group;
    }
    if (start < 0 && m_c.m_options.start.kind == StartOffset::Kind::offset) {
      start = m_c.m_options.start.value;
    } else if (start < 0 && m_c.m_options.start.is_moving()) {
      start = m_c.resolve_moving_start(tp);
    }
    e.offset = start >= 0 ? start : RD_KAFKA_OFFSET_BEGINNING;
    marker.offsets[tp] = start;
    m_owned.insert(tp);
    m_at_eof.erase(tp);
  }
  notice(fmt::format("assigned {} partition{} ({}): {} from the stored position, {} from the "
                     "group's committed offsets, {} from -o {}",
                     partitions->cnt, partitions->cnt == 1 ? "" : "s", partitions_text(partitions),
                     from_store, from_group, partitions->cnt - from_store - from_group,
                     m_c.m_options.start.text()));
  add_marker(Record::Kind::assigned, std::move(marker));
  m_end_sent = false;
  rd_kafka_error_t* error = nullptr;
  if (cooperative) {
    error = rd_kafka_incremental_assign(rk, partitions);
  } else {
    err = rd_kafka_assign(rk, partitions);
  }
  if (error != nullptr) {
    err = rd_kafka_error_code(error);
    rd_kafka_error_destroy(error);
  }
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    fail(exit_code_for(err),
         fmt::format("assign {}: {}", partitions_text(partitions), describe_error(err)));
    return;
  }
  if (m_paused) {
    set_paused(true, partitions);
  }
}

RevokeAnswer
Consumer::Session::wait_for_answer(const std::shared_ptr<std::promise<RevokeAnswer>>& answer) {
  auto deadline = std::chrono::steady_clock::now() + m_c.m_options.revoke_timeout;
  std::future<RevokeAnswer> future = answer->get_future();
  // The batch holding the marker must reach the main thread first.
  while (!m_batch.empty()) {
    if (hand_over(milliseconds(50)) || std::chrono::steady_clock::now() >= deadline) {
      break;
    }
  }
  if (!m_batch.empty() || future.wait_until(deadline) != std::future_status::ready) {
    return std::nullopt;
  }
  try {
    return future.get();
  } catch (const std::future_error&) {
    return std::nullopt; // the main thread dropped the batch: it is shutting down
  }
}

void Consumer::Session::revoke(rd_kafka_topic_partition_list_t* partitions, bool cooperative) {
  rd_kafka_t* rk = m_c.m_rk.get();
  bool lost = rd_kafka_assignment_lost(rk) != 0;
  Marker marker;
  for (int i = 0; i < partitions->cnt; ++i) {
    marker.offsets[TopicPartition{partitions->elems[i].topic, partitions->elems[i].partition}] = -1;
  }
  if (lost || m_closing || m_failure) {
    if (lost) {
      notice(fmt::format("warning: lost {} partitions ({}) without a revoke: their offsets are "
                         "not committed",
                         partitions->cnt, partitions_text(partitions)));
    }
    add_marker(Record::Kind::lost, marker);
  } else {
    auto answer = std::make_shared<std::promise<RevokeAnswer>>();
    marker.answer = answer;
    add_marker(Record::Kind::revoking, marker);
    RevokeAnswer recorded = wait_for_answer(answer);
    if (recorded) {
      commit(*recorded);
    } else {
      notice(
          fmt::format("warning: the sinks did not record the revoked partitions ({}) within "
                      "{}: their offsets are not committed, their next owner replays from "
                      "the last commit",
                      partitions_text(partitions),
                      core::format_duration(std::chrono::duration_cast<std::chrono::microseconds>(
                          m_c.m_options.revoke_timeout))));
    }
  }
  for (const auto& [tp, offset] : marker.offsets) {
    m_owned.erase(tp);
    m_at_eof.erase(tp);
    m_committed.erase(tp);
  }
  if (cooperative) {
    if (rd_kafka_error_t* error = rd_kafka_incremental_unassign(rk, partitions)) {
      notice(fmt::format("warning: unassign: {}", rd_kafka_error_string(error)));
      rd_kafka_error_destroy(error);
    }
  } else {
    rd_kafka_assign(rk, nullptr);
  }
}

} // namespace sluice::connectors::kafka
