#include "connectors/kafka/kafka_capture.hpp"

#include "core/error.hpp"
#include "core/signals.hpp"
#include "core/stage_counters.hpp"

#include <fmt/format.h>
#include <thread>

namespace sluice::connectors::kafka {

using core::Error;
using core::ExitCode;
using core::Produced;

namespace {

// Records handled between two looks at the clock.
constexpr size_t k_clock_records = 512;
constexpr std::chrono::milliseconds k_store_poll{5};

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    out += (i > 0 ? separator : "") + items[i];
  }
  return out;
}

// What sluice sets unless the user did, and what it owns.
Properties consumer_properties(Properties p, const ConsumerOptions& o) {
  if (!o.brokers.empty()) {
    p.set_owned("bootstrap.servers", o.brokers);
  }
  p.set_default("client.id", "sluice");
  // Read kcat's way (NOTES.md): short fetch waits, a deep prefetch queue.
  p.set_default("fetch.wait.max.ms", "10");
  p.set_default("queued.min.messages", "200000");
  // A stored or committed offset the broker no longer has is an error, never a
  // silent restart (DESIGN §4.4).
  p.set_default("auto.offset.reset", "error");
  p.set_default("log.connection.close", "false");
  p.set_owned("enable.auto.commit", "false");
  p.set_owned("enable.auto.offset.store", "false");
  // End-of-partition events also tell the offset of a partition read from its
  // logical beginning.
  p.set_owned("enable.partition.eof", "true");
  if (o.group) {
    p.set_owned("group.id", *o.group);
    p.set_default("partition.assignment.strategy", "cooperative-sticky");
  }
  return p;
}

} // namespace

KafkaCapture::KafkaCapture(KafkaCaptureOptions options, Properties properties, const core::Log& log)
    : m_options(std::move(options)), m_log(log),
      m_consumer(m_options.consumer,
                 consumer_properties(std::move(properties), m_options.consumer)),
      m_format(m_options.format) {}

std::string KafkaCapture::source_id() const {
  if (m_options.source_id) {
    return *m_options.source_id;
  }
  const ConsumerOptions& c = m_options.consumer;
  std::string id = fmt::format("kafka://{}/{}", c.brokers, join(c.topics, ","));
  if (c.group) {
    return id + "?group=" + *c.group;
  }
  if (!c.partitions.empty()) {
    std::vector<std::string> parts;
    for (int32_t p : c.partitions) {
      parts.push_back(std::to_string(p));
    }
    id += "?partitions=" + join(parts, ",");
  }
  return id;
}

int KafkaCapture::compare_pos(std::string_view a, std::string_view b) const {
  Offsets x;
  Offsets y;
  std::string why;
  if (!parse_offsets(a, &x, &why) || !parse_offsets(b, &y, &why)) {
    return a < b ? -1 : (a > b ? 1 : 0);
  }
  return compare_offsets(x, y);
}

std::optional<Offsets> KafkaCapture::recorded_by_all() const {
  std::vector<Offsets> positions;
  for (const auto& e : m_options.store->entries(source_id())) {
    Offsets o;
    std::string why;
    if (!e.barrier || !parse_offsets(e.pos, &o, &why)) {
      return std::nullopt;
    }
    positions.push_back(std::move(o));
  }
  if (positions.empty()) {
    return std::nullopt;
  }
  return merge_recorded(positions);
}

void KafkaCapture::seek(const std::string& pos) {
  Offsets stored;
  std::string why;
  if (!parse_offsets(pos, &stored, &why)) {
    throw Error(ExitCode::data, fmt::format("stored position {} is not a position of {}: {}", pos,
                                            source_id(), why));
  }
  // With several sinks, no single entry need be what all of them recorded.
  if (m_options.store != nullptr && !stored.empty()) {
    if (auto merged = recorded_by_all()) {
      stored = std::move(*merged);
    }
  }
  m_consumer.start(stored, [&](const std::string& line) { m_log.info("{}", line); });
}

void KafkaCapture::apply_marker(const Record& r) {
  Marker& marker = m_batch.markers[r.marker];
  switch (r.kind) {
  case Record::Kind::assigned:
    for (const auto& [tp, offset] : marker.offsets) {
      if (offset >= 0) {
        m_offsets[tp] = offset;
      } else {
        m_offsets.erase(tp);
      }
    }
    break;
  case Record::Kind::lost:
    for (const auto& [tp, offset] : marker.offsets) {
      m_offsets.erase(tp);
    }
    break;
  case Record::Kind::notice:
    if (marker.text.rfind("warning: ", 0) == 0) {
      m_log.warn("{}", marker.text.substr(9));
    } else {
      m_log.info("{}", marker.text);
    }
    break;
  default:
    break;
  }
  m_last_partition = -1; // the map may have changed under the cached entry
}

void KafkaCapture::emit(core::Emitter& out, const Record& r) {
  if (r.partition != m_last_partition || r.topic != m_last_topic) {
    TopicPartition tp{m_batch.topics[r.topic], r.partition};
    m_last = m_offsets.try_emplace(std::move(tp), r.offset).first;
    m_last_partition = r.partition;
    m_last_topic = r.topic;
  }
  m_last->second = r.offset + 1;
  MessageView v;
  v.topic = m_batch.topics[r.topic];
  v.partition = r.partition;
  v.offset = r.offset;
  if (r.ts >= 0) {
    v.ts = r.ts;
  }
  if (r.key_size >= 0) {
    v.key = m_batch.view(r.key_at, r.key_size);
  }
  if (r.value_size >= 0) {
    v.value = m_batch.view(r.value_at, r.value_size);
  }
  if (r.header_count > 0) {
    m_headers.clear();
    for (uint32_t i = 0; i < r.header_count; ++i) {
      const HeaderRef& h = m_batch.headers[r.headers_at + i];
      HeaderView hv;
      hv.name = m_batch.view(h.name_at, h.name_size);
      if (h.value_size >= 0) {
        hv.value = m_batch.view(h.value_at, h.value_size);
      }
      m_headers.push_back(hv);
    }
    v.headers = m_headers.data();
    v.header_count = m_headers.size();
  }
  std::string why;
  if (v.value && v.value->size() > m_options.max_value_size) {
    why = fmt::format("value longer than --max-line-size ({} bytes)", m_options.max_value_size);
  } else if (m_format.append(v, &out.buffer(), &why)) {
    out.end_event();
    return;
  }
  std::string where = fmt::format("{}/{}", v.topic, v.partition);
  out.bad_data().report(where, static_cast<uint64_t>(r.offset),
                        v.value ? v.value->substr(0, 4096) : std::string_view(), why);
}

void KafkaCapture::update_lag() {
  auto now = core::Clock::now();
  if (now < m_lag_due) {
    return;
  }
  m_lag_due = now + std::chrono::seconds(1);
  if (int64_t lag = m_consumer.lag(m_offsets); lag >= 0) {
    core::stage_counters().set_source_lag(lag, core::LagUnit::messages);
  }
}

Produced KafkaCapture::produce(core::Emitter& out, core::Clock::time_point until) {
  size_t since_clock = 0;
  for (;;) {
    if (m_index >= m_batch.records.size()) {
      update_lag(); // also while idle, so a caught-up capture shows 0
      if (!m_consumer.next(&m_batch)) {
        return Produced::idle;
      }
      m_index = 0;
      m_last_partition = -1;
    }
    const Record& r = m_batch.records[m_index++];
    switch (r.kind) {
    case Record::Kind::message:
      emit(out, r);
      if (m_options.count > 0 && ++m_messages >= m_options.count) {
        return Produced::done;
      }
      break;
    case Record::Kind::eof: {
      // A partition read from its logical beginning learns its offset here.
      TopicPartition tp{m_batch.topics[r.topic], r.partition};
      m_offsets.try_emplace(tp, r.offset);
      m_last_partition = -1;
      break;
    }
    case Record::Kind::end:
      return Produced::done;
    case Record::Kind::revoking:
      m_revoking = r.marker;
      return Produced::barrier;
    default:
      apply_marker(r);
      break;
    }
    if (++since_clock >= k_clock_records) {
      since_clock = 0;
      if (core::Clock::now() >= until) {
        return Produced::more;
      }
    }
  }
}

bool KafkaCapture::wait_recorded(const core::control::BarrierId& id) {
  // Well before the session gives up on the answer.
  auto deadline = core::Clock::now() + m_options.consumer.revoke_timeout * 4 / 5;
  std::string source = source_id();
  for (;;) {
    bool reached = false;
    bool behind = false;
    for (const auto& e : m_options.store->entries(source)) {
      if (e.barrier && e.barrier->run == id.run) {
        (e.barrier->checkpoint >= id.checkpoint ? reached : behind) = true;
      }
    }
    if (reached && !behind) {
      return true;
    }
    if (core::Clock::now() >= deadline) {
      return false;
    }
    core::signals::check_hard_exit();
    std::this_thread::sleep_for(k_store_poll);
  }
}

void KafkaCapture::barrier_written(const std::optional<core::control::BarrierId>& id) {
  if (!m_revoking) {
    return;
  }
  Marker& marker = m_batch.markers[*m_revoking];
  m_revoking.reset();
  Offsets answer;
  for (const auto& [tp, unused] : marker.offsets) {
    if (auto it = m_offsets.find(tp); it != m_offsets.end()) {
      answer.insert(*it);
    }
  }
  // Without a store, what reached stdout is what can be acknowledged (as
  // without --checkpoint everywhere); with one, what the sinks recorded.
  bool recorded = !(id && m_options.store != nullptr) || wait_recorded(*id);
  if (recorded) {
    m_log.info("revoked {} partitions after their barrier was recorded: committing them",
               marker.offsets.size());
  }
  marker.answer->set_value(recorded ? RevokeAnswer(answer) : std::nullopt);
  for (const auto& [tp, unused] : marker.offsets) {
    m_offsets.erase(tp);
  }
  m_last_partition = -1;
}

void KafkaCapture::acknowledge(const std::string& pos) {
  Offsets offsets;
  std::string why;
  if (m_options.store != nullptr) {
    std::optional<Offsets> merged = recorded_by_all();
    if (!merged) {
      return;
    }
    offsets = std::move(*merged);
  } else if (!parse_offsets(pos, &offsets, &why)) {
    return;
  }
  m_consumer.commit(offsets);
}

} // namespace sluice::connectors::kafka
