#include "connectors/generate/generator.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace sluice::connectors::generate {
namespace {

constexpr uint64_t k_delete_percent = 7;
// Up to this many (table, key) pairs, key states live in a flat array (32 MiB).
constexpr uint64_t k_max_dense_keys = uint64_t{1} << 20;

// The heap's order: a later arrival, or the same arrival pushed later, is "greater".
bool later(const auto& a, const auto& b) {
  return a.arrival != b.arrival ? a.arrival > b.arrival : a.seq > b.seq;
}

} // namespace

Generator::Generator(GeneratorOptions options)
    : m_options(std::move(options)),
      m_rows(m_options.seed, m_options.keys, m_options.tables,
             fmt::format("generate:seed={}", m_options.seed), m_options.t0_ms),
      m_stream(mix64(m_options.seed * k_golden + 0x67656e6572617465ull)),
      m_disorder(m_options.lateness_ms > 0 ? m_options.disorder : 0.0),
      m_duplicate(m_options.dup_rate), m_last_arrival(m_options.t0_ms) {
  uint64_t pairs = m_options.keys * m_options.tables.size();
  if (pairs <= k_max_dense_keys) {
    m_dense_keys.resize(static_cast<size_t>(pairs));
  }
}

Generator::KeyState& Generator::key_state(uint32_t table, uint64_t key) {
  uint64_t index = table * m_options.keys + (key - 1);
  if (!m_dense_keys.empty()) {
    return m_dense_keys[static_cast<size_t>(index)];
  }
  return m_sparse_keys[index];
}

int64_t Generator::ts_of(uint64_t g) const {
  if (m_options.rate <= 0) {
    return m_options.t0_ms + static_cast<int64_t>(g);
  }
  return m_options.t0_ms + static_cast<int64_t>(static_cast<double>(g) * 1000.0 / m_options.rate);
}

uint32_t Generator::new_slot() {
  if (!m_free_slots.empty()) {
    uint32_t slot = m_free_slots.back();
    m_free_slots.pop_back();
    return slot;
  }
  m_slots.emplace_back();
  return static_cast<uint32_t>(m_slots.size() - 1);
}

void Generator::push(int64_t arrival, uint32_t slot, bool duplicate) {
  m_queue.push_back({arrival, m_seq++, slot, duplicate});
  std::push_heap(m_queue.begin(), m_queue.end(), [](const Pending& a, const Pending& b) {
    return later(a, b);
  });
}

void Generator::push_base() {
  uint64_t g = m_next_g++;
  Rng rng(m_stream + g * 0xd1b54a32d192ed03ull);
  int64_t ts = ts_of(g);
  auto table = static_cast<uint32_t>(rng.below(m_options.tables.size()));
  uint64_t key = 1 + rng.below(m_options.keys);
  KeyState& state = key_state(table, key);
  uint32_t slot = new_slot();
  Slot& s = m_slots[slot];
  ++state.version;
  Op op = Op::update;
  if (!state.exists) {
    op = Op::insert;
    state.insert_version = state.version;
    state.exists = true;
  } else if (rng.below(100) < k_delete_percent) {
    op = Op::remove;
    state.exists = false;
  }
  s.change = Change{g, ts, key, table, state.version, state.insert_version, op};
  int64_t lateness = m_options.lateness_ms;
  int64_t arrival = rng.hit(m_disorder) ? ts + rng.between(1, lateness) : ts;
  // Never before the key's previous change or duplicate: a key's versions arrive
  // in order, so upserts stay correct. Arrivals stay within [ts, ts + lateness].
  arrival = std::max(arrival, state.last_arrival);
  push(arrival, slot, false);
  state.last_arrival = arrival;
  s.has_duplicate = rng.hit(m_duplicate);
  if (s.has_duplicate) {
    state.last_arrival = std::min(arrival + rng.between(0, lateness), ts + lateness);
    push(state.last_arrival, slot, true);
  }
}

void Generator::fill() {
  // Nothing generated later can arrive before the head once the next base event's
  // ts has reached it: later arrivals are never below their ts, and ties go to
  // the earlier push.
  while (m_queue.empty() || m_queue.front().arrival > ts_of(m_next_g)) {
    push_base();
  }
}

int64_t Generator::next_arrival() {
  fill();
  return m_queue.front().arrival;
}

Change Generator::take(uint64_t* n) {
  fill();
  std::pop_heap(m_queue.begin(), m_queue.end(), [](const Pending& a, const Pending& b) {
    return later(a, b);
  });
  Pending head = m_queue.back();
  m_queue.pop_back();
  Slot& s = m_slots[head.slot];
  ++m_emitted;
  m_last_arrival = head.arrival;
  if (!head.duplicate) {
    s.emitted = m_emitted;
  }
  *n = s.emitted;
  // The original always leaves before its duplicate (same or earlier arrival, earlier push).
  if (head.duplicate || !s.has_duplicate) {
    m_free_slots.push_back(head.slot);
  }
  return s.change;
}

void Generator::write_next(std::string* out) {
  uint64_t n = 0;
  Change change = take(&n);
  m_rows.write(change, n, out);
}

void Generator::skip_next() {
  uint64_t n = 0;
  take(&n);
}

} // namespace sluice::connectors::generate
