#include "ops/dedupe.hpp"

#include "core/error.hpp"
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

bool Dedupe::on_event(const core::Line& line, simdjson::ondemand::document& doc, core::Emit& out,
                      std::string* why) {
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
  uint64_t evictions = m_state.evictions();
  bool first = m_state.remember(hash_key(m_key), m_key, ts);
  if (m_state.evictions() != evictions) {
    warn_eviction();
  }
  if (first) {
    out.event(line.text);
    return true;
  }
  ++m_duplicates;
  if (m_options.duplicates != nullptr) {
    m_options.duplicates->write_line(line.text);
  }
  return true;
}

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
