#include "ops/dedupe.hpp"

#include "core/error.hpp"
#include "core/stage_counters.hpp"
#include "ops/event_fields.hpp"
#include "ops/warn_limit.hpp"

#include <fmt/format.h>

namespace sluice::ops {

std::string key_spec(const std::vector<core::JsonPath>& keys) {
  std::string spec;
  for (const auto& k : keys) {
    spec += (spec.empty() ? "" : ",") + k.text();
  }
  return spec;
}

namespace {

DedupeStateOptions state_options(const DedupeOptions& o) {
  DedupeStateOptions s;
  if (o.within) {
    s.within_ms = o.within->count();
  }
  s.max_keys = o.max_keys;
  s.exact = o.exact;
  s.key_spec = key_spec(o.keys);
  return s;
}

} // namespace

Dedupe::Dedupe(DedupeOptions options)
    : m_options(std::move(options)), m_state(state_options(m_options)) {
  m_state.set_tracking(m_options.saved_state);
}

bool Dedupe::on_event(const core::Line& line, simdjson::ondemand::document& doc,
                      const core::PathValues*, core::Emit& out, std::string* why) {
  if (m_options.saved_state && !m_started) {
    throw core::Error(core::ExitCode::usage,
                      "--state needs a capture upstream: an event arrived before any start record");
  }
  m_key.clear();
  for (const auto& path : m_options.keys) {
    if (!append_canonical(doc, path, "--key", &m_key, why)) {
      return false;
    }
  }
  std::optional<int64_t> ts;
  if (m_options.within) {
    int64_t ms = 0;
    if (!read_event_time(doc, m_options.time, "--time, needed by --within", &ms, why)) {
      return false;
    }
    ts = ms;
  }
  Hash128 hash = hash_key(m_key);
  m_state.prefetch(hash);
  decide_pending(out);
  m_pending = true;
  m_pending_hash = hash;
  m_pending_key.swap(m_key);
  m_pending_ts = ts;
  m_pending_line.assign(line.text);
  return true;
}

void Dedupe::decide_pending(core::Emit& out) {
  if (!m_pending) {
    return;
  }
  m_pending = false;
  uint64_t evictions = m_state.evictions();
  bool first = m_state.remember(m_pending_hash, m_pending_key, m_pending_ts);
  if (m_state.evictions() != evictions) {
    warn_eviction();
  }
  if (first) {
    out.event(m_pending_line);
    return;
  }
  ++m_duplicates;
  core::stage_counters().duplicates.add(); // --progress, --metrics
  if (m_options.duplicates != nullptr) {
    m_options.duplicates->write_line(m_pending_line);
  }
}

std::optional<core::Clock::time_point> Dedupe::next_timer() const {
  if (m_pending) {
    return core::Clock::time_point::min(); // decide it as soon as the input pauses
  }
  return std::nullopt;
}

void Dedupe::on_timer(core::Clock::time_point, core::Emit& out) { decide_pending(out); }

void Dedupe::warn_eviction() {
  uint64_t n = m_state.evictions();
  if (m_options.warn && is_reported_count(n) && n != m_warned_evictions) {
    m_warned_evictions = n;
    m_options.warn(fmt::format(
        "--max-keys {} reached: the oldest keys were forgotten ({} evictions, {} keys so far); "
        "a repeat of a forgotten key passes",
        m_options.max_keys, n, m_state.evicted_keys()));
  }
}

void Dedupe::on_control(const core::Line& line, const core::control::Record& record,
                        core::Emit& out) {
  if (std::holds_alternative<core::control::Start>(record)) {
    m_started = true;
  }
  decide_pending(out); // before the record: a barrier's state holds every event before it
  out.control(line.text, record);
}

bool Dedupe::load_state(std::string_view bytes, bool snapshot, std::string* why) {
  return m_state.load(bytes, snapshot, why);
}

std::string Dedupe::describe_state() const { return fmt::format("{} keys", m_state.keys()); }

std::string Dedupe::summary() const {
  std::string s = fmt::format("{} duplicates dropped, {} keys remembered", m_duplicates,
                              m_state.keys());
  if (m_state.evicted_keys() > 0) {
    s += fmt::format(", {} forgotten by --max-keys", m_state.evicted_keys());
  }
  if (m_options.within) {
    s += fmt::format(", {} expired by --within", m_state.expired_keys());
  }
  return s;
}

} // namespace sluice::ops
