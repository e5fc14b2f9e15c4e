#include "ops/key_set.hpp"

#include <algorithm>
#include <cstring>
#include <xxhash.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sluice::ops {
namespace {

constexpr uint8_t k_empty = 0;
constexpr uint8_t k_tombstone = 1;
constexpr uint32_t k_group = 16;
constexpr size_t k_arena_block = 1 << 20;

constexpr uint64_t k_low56 = (uint64_t{1} << 56) - 1;

uint8_t fingerprint(const Hash128& h) { return static_cast<uint8_t>(0x80 | ((h.high >> 48) & 0x7f)); }

size_t shard_of(const Hash128& h) { return static_cast<size_t>(h.high >> 56); }

// A slot keeps the hash with its top byte, which the shard implies, replaced by
// the generation: one array, one cache miss.
Hash128 slot_value(const Hash128& h, uint8_t gen) {
  return {h.low, (h.high & k_low56) | (uint64_t{gen} << 56)};
}

uint8_t gen_of(const Hash128& slot) { return static_cast<uint8_t>(slot.high >> 56); }

bool same_hash(const Hash128& slot, const Hash128& h) {
  return slot.low == h.low && ((slot.high ^ h.high) & k_low56) == 0;
}

uint32_t home_slot(const Hash128& h, uint32_t capacity) {
  return static_cast<uint32_t>((static_cast<unsigned __int128>(h.low) * capacity) >> 64);
}

struct GroupMasks {
  uint32_t match;
  uint32_t empty;
  uint32_t tombstone;
};

GroupMasks scan_group(const uint8_t* ctrl, uint8_t fp) {
#if defined(__SSE2__)
  __m128i g = _mm_loadu_si128(reinterpret_cast<const __m128i*>(ctrl));
  return {static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(g, _mm_set1_epi8(static_cast<char>(fp))))),
          static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(g, _mm_setzero_si128()))),
          static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(g, _mm_set1_epi8(1))))};
#else
  GroupMasks m{0, 0, 0};
  for (uint32_t i = 0; i < k_group; ++i) {
    m.match |= static_cast<uint32_t>(ctrl[i] == fp) << i;
    m.empty |= static_cast<uint32_t>(ctrl[i] == k_empty) << i;
    m.tombstone |= static_cast<uint32_t>(ctrl[i] == k_tombstone) << i;
  }
  return m;
#endif
}

// Slots for `live` entries at 60% load, a multiple of the group size.
uint32_t capacity_for(uint64_t live) {
  uint64_t slots = std::max<uint64_t>(k_group, (live * 5 + 2) / 3);
  return static_cast<uint32_t>((slots + k_group - 1) / k_group * k_group);
}

} // namespace

Hash128 hash_key(std::string_view bytes) {
  XXH128_hash_t h = XXH3_128bits(bytes.data(), bytes.size());
  return {h.low64, h.high64};
}

KeySet::KeySet(bool exact) : m_exact(exact) {}

KeySet::~KeySet() = default;

void KeySet::set_ctrl(Shard& shard, uint32_t slot, uint8_t value) {
  shard.ctrl[slot] = value;
  if (slot < k_group) {
    shard.ctrl[shard.capacity + slot] = value;
  }
}

bool KeySet::insert(const Hash128& hash, std::string_view key, uint8_t gen) {
  Shard& s = m_shards[shard_of(hash)];
  if ((static_cast<uint64_t>(s.used) + 1) * 8 > static_cast<uint64_t>(s.capacity) * 7) {
    rebuild(s, 1);
  }
  uint8_t fp = fingerprint(hash);
  uint32_t pos = home_slot(hash, s.capacity);
  // The entry is almost always within a few slots of its home: fetch that line
  // while the control bytes load, so the two cache misses overlap.
  __builtin_prefetch(&s.keys[pos], 1);
  uint32_t free_slot = UINT32_MAX;
  for (;;) {
    GroupMasks m = scan_group(s.ctrl.get() + pos, fp);
    // Only the slots before the first empty one belong to this probe sequence.
    uint32_t chain = m.empty != 0 ? (m.empty & (0u - m.empty)) - 1 : 0xffffu;
    for (uint32_t bits = m.match & chain; bits != 0; bits &= bits - 1) {
      uint32_t slot = pos + static_cast<uint32_t>(__builtin_ctz(bits));
      slot -= slot >= s.capacity ? s.capacity : 0;
      const Hash128& stored = s.keys[slot];
      if (same_hash(stored, hash) && m_live[gen_of(stored)] &&
          (!m_exact || key_at(gen_of(stored), s.refs[slot]) == key)) {
        return false;
      }
    }
    if (free_slot == UINT32_MAX && (m.tombstone & chain) != 0) {
      free_slot = pos + static_cast<uint32_t>(__builtin_ctz(m.tombstone & chain));
    }
    if (m.empty != 0) {
      if (free_slot == UINT32_MAX) {
        free_slot = pos + static_cast<uint32_t>(__builtin_ctz(m.empty));
        ++s.used;
      }
      break;
    }
    pos += k_group;
    pos -= pos >= s.capacity ? s.capacity : 0;
  }
  free_slot -= free_slot >= s.capacity ? s.capacity : 0;
  set_ctrl(s, free_slot, fp);
  s.keys[free_slot] = slot_value(hash, gen);
  if (m_exact) {
    s.refs[free_slot] = store_key(gen, key);
  }
  ++m_gen_slots[gen];
  return true;
}

void KeySet::prefetch(const Hash128& hash) const {
  const Shard& s = m_shards[shard_of(hash)];
  if (s.capacity == 0) {
    return;
  }
  uint32_t pos = home_slot(hash, s.capacity);
  __builtin_prefetch(s.ctrl.get() + pos);
  __builtin_prefetch(&s.keys[pos], 1);
}

// Places an entry known to be absent into a shard with room (rebuilds only).
void KeySet::place(Shard& s, const Hash128& hash, uint8_t gen, uint64_t ref) {
  uint32_t pos = home_slot(hash, s.capacity);
  for (;;) {
    GroupMasks m = scan_group(s.ctrl.get() + pos, 0);
    if (m.empty != 0) {
      uint32_t slot = pos + static_cast<uint32_t>(__builtin_ctz(m.empty));
      slot -= slot >= s.capacity ? s.capacity : 0;
      set_ctrl(s, slot, fingerprint(hash));
      s.keys[slot] = slot_value(hash, gen);
      if (m_exact) {
        s.refs[slot] = ref;
      }
      ++s.used;
      return;
    }
    pos += k_group;
    pos -= pos >= s.capacity ? s.capacity : 0;
  }
}

// Moves the live entries into a table sized for them plus `extra`; dead
// entries and tombstones are dropped.
void KeySet::rebuild(Shard& s, uint32_t extra) {
  uint64_t live = 0;
  for (uint32_t i = 0; i < s.capacity; ++i) {
    live += s.ctrl[i] >= 0x80 && m_live[gen_of(s.keys[i])];
  }
  Shard old = std::move(s);
  s = Shard();
  s.capacity = capacity_for(live + extra);
  s.ctrl.reset(new uint8_t[s.capacity + k_group]());
  s.keys.reset(new Hash128[s.capacity]);
  if (m_exact) {
    s.refs.reset(new uint64_t[s.capacity]);
  }
  for (uint32_t i = 0; i < old.capacity; ++i) {
    if (old.ctrl[i] < 0x80) {
      continue;
    }
    uint8_t g = gen_of(old.keys[i]);
    if (!m_live[g]) {
      --m_gen_slots[g];
      continue;
    }
    place(s, old.keys[i], g, m_exact ? old.refs[i] : 0);
  }
}

void KeySet::set_live(uint8_t gen, bool live) {
  if (live && !m_live[gen]) {
    purge(gen); // entries left from the id's last use must not come back to life
  }
  m_live[gen] = live;
  if (!live) {
    m_arenas[gen] = Arena();
  }
}

void KeySet::purge(uint8_t gen) {
  if (m_gen_slots[gen] == 0) {
    return;
  }
  for (Shard& s : m_shards) {
    for (uint32_t i = 0; i < s.capacity; ++i) {
      if (s.ctrl[i] >= 0x80 && gen_of(s.keys[i]) == gen) {
        set_ctrl(s, i, k_tombstone);
      }
    }
  }
  m_gen_slots[gen] = 0;
}

void KeySet::clear() {
  for (Shard& s : m_shards) {
    s = Shard();
  }
  m_live.fill(false);
  m_gen_slots.fill(0);
  for (Arena& a : m_arenas) {
    a = Arena();
  }
}

void KeySet::for_each(
    const std::function<void(uint8_t, const Hash128&, std::string_view)>& fn) const {
  for (size_t shard = 0; shard < k_shards; ++shard) {
    const Shard& s = m_shards[shard];
    for (uint32_t i = 0; i < s.capacity; ++i) {
      uint8_t g = gen_of(s.keys[i]);
      if (s.ctrl[i] >= 0x80 && m_live[g]) {
        Hash128 h{s.keys[i].low, (s.keys[i].high & k_low56) | (uint64_t{shard} << 56)};
        fn(g, h, m_exact ? key_at(g, s.refs[i]) : std::string_view());
      }
    }
  }
}

uint64_t KeySet::memory_bytes() const {
  uint64_t n = 0;
  for (const Shard& s : m_shards) {
    n += static_cast<uint64_t>(s.capacity) * (17 + (m_exact ? 8 : 0)) + (s.capacity ? k_group : 0);
  }
  for (const Arena& a : m_arenas) {
    for (size_t size : a.sizes) {
      n += size;
    }
  }
  return n;
}

uint64_t KeySet::key_bytes() const {
  uint64_t n = 0;
  for (size_t g = 0; g < m_arenas.size(); ++g) {
    n += m_live[g] ? m_arenas[g].bytes : 0;
  }
  return n;
}

// A reference is (block index << 32) | offset; the key is stored as a 4-byte
// length and its bytes.
uint64_t KeySet::store_key(uint8_t gen, std::string_view key) {
  Arena& a = m_arenas[gen];
  size_t need = 4 + key.size();
  if (a.blocks.empty() || a.sizes.back() - a.used < need) {
    size_t size = std::max(k_arena_block, need);
    a.blocks.emplace_back(new char[size]);
    a.sizes.push_back(size);
    a.used = 0;
  }
  char* p = a.blocks.back().get() + a.used;
  auto length = static_cast<uint32_t>(key.size());
  std::memcpy(p, &length, 4);
  std::memcpy(p + 4, key.data(), key.size());
  uint64_t ref = (static_cast<uint64_t>(a.blocks.size() - 1) << 32) | a.used;
  a.used += need;
  a.bytes += need;
  return ref;
}

std::string_view KeySet::key_at(uint8_t gen, uint64_t ref) const {
  const Arena& a = m_arenas[gen];
  const char* p = a.blocks[ref >> 32].get() + (ref & 0xffffffffu);
  uint32_t length = 0;
  std::memcpy(&length, p, 4);
  return {p + 4, length};
}

} // namespace sluice::ops
