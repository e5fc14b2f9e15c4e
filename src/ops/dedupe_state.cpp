#include "ops/dedupe_state.hpp"

#include "core/state_record.hpp"

#include <cstring>
#include <fmt/format.h>

namespace sluice::ops {
namespace {

using core::get_u32;
using core::get_u64;
using core::put_u32;
using core::put_u64;

constexpr char k_delta_tag = 'd';
constexpr char k_snapshot_tag = 's';
constexpr char k_version = 1;
// Generation ids are one byte; a few stay free so an id is never reused while live.
constexpr size_t k_max_generations = 250;
constexpr uint64_t k_generations_per_max = 64;
constexpr int64_t k_spans_per_window = 32;

enum Op : char { op_open = 'G', op_key = 'K', op_drop = 'D', op_newest = 'N' };

void put_hash(std::string* out, const Hash128& h) {
  put_u64(out, h.low);
  put_u64(out, h.high);
}

// Reads the bytes of a saved state with bounds checks.
class Reader {
 public:
  explicit Reader(std::string_view data) : m_data(data) {}
  bool at_end() const { return m_pos == m_data.size(); }
  bool byte(char* out) {
    if (m_pos + 1 > m_data.size()) {
      return false;
    }
    *out = m_data[m_pos++];
    return true;
  }
  bool u32(uint32_t* out) { return fixed(4, [&](const char* p) { *out = get_u32(p); }); }
  bool u64(uint64_t* out) { return fixed(8, [&](const char* p) { *out = get_u64(p); }); }
  bool i64(int64_t* out) {
    uint64_t v = 0;
    bool ok = u64(&v);
    *out = static_cast<int64_t>(v);
    return ok;
  }
  bool hash(Hash128* h) { return u64(&h->low) && u64(&h->high); }
  bool bytes(size_t n, std::string_view* out) {
    if (m_data.size() - m_pos < n) {
      return false;
    }
    *out = m_data.substr(m_pos, n);
    m_pos += n;
    return true;
  }
  bool text(std::string_view* out) {
    uint32_t n = 0;
    return u32(&n) && bytes(n, out);
  }

 private:
  template <class F>
  bool fixed(size_t n, F&& f) {
    if (m_data.size() - m_pos < n) {
      return false;
    }
    f(m_data.data() + m_pos);
    m_pos += n;
    return true;
  }

  std::string_view m_data;
  size_t m_pos = 0;
};

bool fail(std::string* why, std::string text) {
  *why = std::move(text);
  return false;
}

} // namespace

DedupeState::DedupeState(DedupeStateOptions options)
    : m_options(std::move(options)),
      m_generation_size(std::max<uint64_t>(
          1, (m_options.max_keys + k_generations_per_max - 1) / k_generations_per_max)),
      m_set(m_options.exact) {}

bool DedupeState::remember(const Hash128& hash, std::string_view key, std::optional<int64_t> ts) {
  bool raised = false;
  if (m_options.within_ms && ts && *ts > m_newest) {
    m_newest = *ts;
    raised = true;
    expire();
  }
  ensure_current();
  Generation& g = m_generations.back();
  if (!m_set.insert(hash, key, g.id)) {
    if (raised && m_tracking) {
      m_ops.push_back(op_newest);
      put_u64(&m_ops, static_cast<uint64_t>(m_newest));
    }
    return false;
  }
  int64_t t = ts.value_or(INT64_MIN);
  ++g.count;
  ++m_keys;
  g.max_ts = std::max(g.max_ts, t);
  if (m_tracking) {
    m_ops.push_back(op_key);
    put_hash(&m_ops, hash);
    put_u64(&m_ops, static_cast<uint64_t>(t));
    if (m_options.exact) {
      put_u32(&m_ops, static_cast<uint32_t>(key.size()));
      m_ops.append(key);
    }
  }
  while (m_keys > m_options.max_keys && m_generations.size() > 1) {
    m_evicted += m_generations.front().count;
    ++m_evictions;
    drop_oldest();
  }
  return true;
}

void DedupeState::expire() {
  int64_t within = *m_options.within_ms;
  if (m_newest < INT64_MIN + within) {
    return;
  }
  int64_t horizon = m_newest - within;
  while (!m_generations.empty() && m_generations.front().max_ts < horizon) {
    m_expired += m_generations.front().count;
    drop_oldest();
  }
}

void DedupeState::ensure_current() {
  if (!m_generations.empty()) {
    const Generation& g = m_generations.back();
    bool full = g.count >= m_generation_size;
    bool old = false;
    if (m_options.within_ms && m_newest != INT64_MIN) {
      int64_t span = std::max<int64_t>(1, *m_options.within_ms / k_spans_per_window);
      old = g.opened_newest == INT64_MIN ? g.count > 0 : m_newest - g.opened_newest >= span;
    }
    if (!full && !old) {
      return;
    }
  }
  if (m_generations.size() >= k_max_generations) {
    m_evicted += m_generations.front().count;
    ++m_evictions;
    drop_oldest();
  }
  uint8_t id = m_generations.empty() ? 0 : static_cast<uint8_t>(m_generations.back().id + 1);
  if (!m_generations.empty() || m_set.slots_of(id) > 0) {
    // Prefer an id no entry holds, so that set_live() has nothing to purge.
    for (int tries = 0; tries < 256 && (m_set.is_live(id) || m_set.slots_of(id) > 0); ++tries) {
      ++id;
    }
  }
  open_generation(id, m_newest);
}

void DedupeState::open_generation(uint8_t id, int64_t opened_newest) {
  m_set.set_live(id, true);
  Generation g;
  g.id = id;
  g.opened_newest = opened_newest;
  m_generations.push_back(g);
  if (m_tracking) {
    m_ops.push_back(op_open);
    m_ops.push_back(static_cast<char>(id));
    put_u64(&m_ops, static_cast<uint64_t>(opened_newest));
  }
}

void DedupeState::drop_oldest() {
  const Generation& g = m_generations.front();
  m_set.set_live(g.id, false);
  m_keys -= g.count;
  m_generations.pop_front();
  if (m_tracking) {
    m_ops.push_back(op_drop);
  }
}

void DedupeState::reset() {
  m_set.clear();
  m_generations.clear();
  m_newest = INT64_MIN;
  m_keys = 0;
  m_ops.clear();
}

void DedupeState::take_delta(std::string* out) {
  out->clear();
  out->push_back(k_delta_tag);
  out->push_back(k_version);
  out->append(m_ops);
  m_ops.clear();
}

bool DedupeState::load(std::string_view bytes, bool snapshot, std::string* why) {
  bool tracking = m_tracking;
  m_tracking = false;
  bool ok = snapshot ? load_snapshot(bytes, why) : apply_ops(bytes, why);
  m_tracking = tracking;
  return ok;
}

bool DedupeState::apply_ops(std::string_view bytes, std::string* why) {
  Reader r(bytes);
  char tag = 0;
  char version = 0;
  if (!r.byte(&tag) || !r.byte(&version) || tag != k_delta_tag || version != k_version) {
    return fail(why, "not a dedupe delta of this version");
  }
  char op = 0;
  while (r.byte(&op)) {
    char id = 0;
    int64_t t = 0;
    Hash128 h;
    std::string_view key;
    switch (op) {
    case op_open:
      if (!r.byte(&id) || !r.i64(&t)) {
        return fail(why, "truncated delta");
      }
      open_generation(static_cast<uint8_t>(id), t);
      break;
    case op_key: {
      if (!r.hash(&h) || !r.i64(&t) || (m_options.exact && !r.text(&key)) ||
          m_generations.empty()) {
        return fail(why, "truncated delta or a key before any generation");
      }
      Generation& g = m_generations.back();
      if (m_set.insert(h, key, g.id)) {
        ++g.count;
        ++m_keys;
      }
      g.max_ts = std::max(g.max_ts, t);
      m_newest = std::max(m_newest, t);
      break;
    }
    case op_drop:
      if (m_generations.empty()) {
        return fail(why, "a dropped generation that does not exist");
      }
      drop_oldest();
      break;
    case op_newest:
      if (!r.i64(&t)) {
        return fail(why, "truncated delta");
      }
      m_newest = std::max(m_newest, t);
      break;
    default:
      return fail(why, fmt::format("unknown operation {:#04x} in a delta", op));
    }
  }
  return true;
}

bool DedupeState::load_snapshot(std::string_view bytes, std::string* why) {
  Reader r(bytes);
  char tag = 0;
  char version = 0;
  char exact = 0;
  std::string_view spec;
  uint32_t count = 0;
  if (!r.byte(&tag) || !r.byte(&version) || tag != k_snapshot_tag || version != k_version ||
      !r.byte(&exact) || !r.text(&spec) || !r.i64(&m_newest) || !r.u32(&count)) {
    return fail(why, "not a dedupe snapshot of this version");
  }
  if ((exact != 0) != m_options.exact || spec != m_options.key_spec) {
    return fail(why, fmt::format("it was saved with --key {}{}, not --key {}{}", spec,
                                 exact ? " --exact" : "", m_options.key_spec,
                                 m_options.exact ? " --exact" : ""));
  }
  for (uint32_t i = 0; i < count; ++i) {
    char id = 0;
    Generation g;
    if (!r.byte(&id) || !r.u64(&g.count) || !r.i64(&g.max_ts) || !r.i64(&g.opened_newest)) {
      return fail(why, "truncated snapshot");
    }
    g.id = static_cast<uint8_t>(id);
    m_set.set_live(g.id, true);
    m_generations.push_back(g);
    m_keys += g.count;
  }
  uint64_t entries = 0;
  if (!r.u64(&entries) || entries != m_keys) {
    return fail(why, "the snapshot's entries do not match its generations");
  }
  for (uint64_t i = 0; i < entries; ++i) {
    char id = 0;
    Hash128 h;
    std::string_view key;
    if (!r.byte(&id) || !r.hash(&h) || (m_options.exact && !r.text(&key)) ||
        !m_set.is_live(static_cast<uint8_t>(id))) {
      return fail(why, "truncated snapshot or an entry of an unknown generation");
    }
    m_set.insert(h, key, static_cast<uint8_t>(id));
  }
  return r.at_end() ? true : fail(why, "trailing bytes after the snapshot");
}

void DedupeState::write_snapshot(core::StateWriter& out) {
  std::string buf;
  buf.push_back(k_snapshot_tag);
  buf.push_back(k_version);
  buf.push_back(m_options.exact ? 1 : 0);
  put_u32(&buf, static_cast<uint32_t>(m_options.key_spec.size()));
  buf += m_options.key_spec;
  put_u64(&buf, static_cast<uint64_t>(m_newest));
  put_u32(&buf, static_cast<uint32_t>(m_generations.size()));
  for (const Generation& g : m_generations) {
    buf.push_back(static_cast<char>(g.id));
    put_u64(&buf, g.count);
    put_u64(&buf, static_cast<uint64_t>(g.max_ts));
    put_u64(&buf, static_cast<uint64_t>(g.opened_newest));
  }
  put_u64(&buf, m_keys);
  m_set.for_each([&](uint8_t gen, const Hash128& h, std::string_view key) {
    buf.push_back(static_cast<char>(gen));
    put_hash(&buf, h);
    if (m_options.exact) {
      put_u32(&buf, static_cast<uint32_t>(key.size()));
      buf.append(key);
    }
    if (buf.size() >= (1 << 20)) {
      out.write(buf);
      buf.clear();
    }
  });
  out.write(buf);
  m_ops.clear();
}

uint64_t DedupeState::snapshot_size() const {
  return 64 + m_options.key_spec.size() + m_generations.size() * 25 + m_keys * 17 +
         m_set.key_bytes();
}

} // namespace sluice::ops
