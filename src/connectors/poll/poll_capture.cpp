#include "connectors/poll/poll_capture.hpp"

#include "core/error.hpp"
#include "core/json_writer.hpp"

#include <fmt/format.h>
#include <xxhash.h>

namespace sluice::connectors::poll {

using core::Error;
using core::ExitCode;

PollCapture::PollCapture(std::unique_ptr<PollSource> source, std::chrono::milliseconds interval,
                         std::optional<std::string> source_id, bool incrementing_only,
                         const core::Log& log)
    : m_source(std::move(source)), m_interval(interval), m_source_id(std::move(source_id)),
      m_incrementing_only(incrementing_only), m_log(log) {
  core::append_json_string(&m_source_json, m_source->source());
  core::append_json_string(&m_table_json, m_source->table());
}

std::string PollCapture::source_id() const {
  return m_source_id ? *m_source_id : m_source->source() + "#" + m_source->table();
}

int PollCapture::compare_pos(std::string_view a, std::string_view b) const {
  PollPos pa;
  PollPos pb;
  parse_position_json(a, &pa);
  parse_position_json(b, &pb);
  return compare(pa, pb);
}

void PollCapture::seek(const std::string& pos) {
  PollPos p;
  if (!parse_position_json(pos, &p)) {
    throw Error(ExitCode::data,
                fmt::format("stored position {} is not a position of {}", pos, source_id()));
  }
  m_window.reset(p);
  if (!p.is_start()) {
    m_log.info("polling {} after {}", m_source->table(), pos);
  }
}

void PollCapture::write_event(core::Emitter& out, const PolledRow& row, const std::string& id) {
  std::string& b = out.buffer();
  fmt::format_to(std::back_inserter(b), "{{\"id\":\"{}\",\"source\":", id);
  b += m_source_json;
  b += ",\"table\":";
  b += m_table_json;
  fmt::format_to(std::back_inserter(b), ",\"op\":\"{}\",\"ts\":{},\"pos\":",
                 m_incrementing_only ? "insert" : "update", row.ts_ms);
  b += position_json(row.pos);
  b += ",\"key\":";
  b += row.key;
  b += ",\"before\":null,\"after\":";
  b += row.after;
  b += '}';
  out.end_event();
}

core::Produced PollCapture::produce(core::Emitter& out, core::Clock::time_point) {
  auto now = core::Clock::now();
  if (now < m_next_poll) {
    return core::Produced::idle;
  }
  PollResult result = m_source->poll(m_window.safe(), m_window.emitted(), m_window.horizon());
  std::optional<PollPos> high;
  for (const auto& row : result.rows) {
    // The same row version always hashes to the same id: table, key, position.
    std::string hashed = m_source->table();
    hashed.push_back('\0');
    hashed += row.key;
    hashed.push_back('\0');
    hashed += row.pos.has_ts ? row.pos.ts_raw : std::to_string(row.pos.inc);
    XXH128_hash_t h = XXH3_128bits(hashed.data(), hashed.size());
    std::string id = fmt::format("{:016x}{:016x}", h.high64, h.low64);
    if (!high || compare(row.pos, *high) > 0) {
      high = row.pos;
    }
    if (!m_window.take(id, row.pos)) {
      continue;
    }
    if (!row.bad.empty()) {
      out.bad_data().report(m_source->table(), 0, row.key, row.bad);
      continue;
    }
    write_event(out, row, id);
  }
  m_window.end_poll(high, result.snapshot);
  m_next_poll = result.more ? now : now + m_interval;
  return result.more ? core::Produced::more : core::Produced::idle;
}

} // namespace sluice::connectors::poll
