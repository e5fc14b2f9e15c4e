#include "ops/holdback.hpp"

#include <algorithm>

namespace sluice::ops {

Holdback::Holdback() { m_epochs.emplace_back(); }

void Holdback::add_event(int64_t ts) {
  Epoch& e = m_epochs.back();
  ++e.count;
  e.min_ts = std::min(e.min_ts, ts);
}

void Holdback::add_control(std::string_view text, const core::control::Record& record,
                           core::Emit& out) {
  if (m_controls.empty() && m_epochs.back().count == 0) {
    out.control(text, record);
    m_epochs.back().min_ts = INT64_MAX;
    return;
  }
  m_controls.push_back({std::string(text), record});
  m_epochs.emplace_back();
}

void Holdback::release_ready(core::Emit& out) {
  while (!m_controls.empty() && m_epochs.front().count == 0) {
    // Move out first: Emit::control may run hooks that throw.
    Held held = std::move(m_controls.front());
    m_controls.pop_front();
    m_epochs.pop_front();
    ++m_base;
    out.control(held.text, held.record);
  }
}

int64_t Holdback::later_min_ts() const {
  int64_t low = INT64_MAX;
  for (size_t i = 1; i < m_epochs.size(); ++i) {
    if (m_epochs[i].count > 0) {
      low = std::min(low, m_epochs[i].min_ts);
    }
  }
  return low;
}

uint64_t Holdback::buffered() const {
  uint64_t n = 0;
  for (const auto& e : m_epochs) {
    n += e.count;
  }
  return n;
}

void Holdback::clear() {
  m_base = 0;
  m_epochs.clear();
  m_epochs.emplace_back();
  m_controls.clear();
}

} // namespace sluice::ops
