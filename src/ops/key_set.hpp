// KeySet: the memory-lean set of remembered keys behind `sluice dedupe`.
//
// An entry is a 128-bit key hash (XXH3-128) plus the one-byte id of the
// generation it was inserted in, in 16 bytes: the hash's top byte picks the
// shard, so the slot keeps the generation there instead. With `exact`, an entry
// also refers to the key's bytes, kept in an arena per generation. Generations are how keys are
// forgotten: marking an id dead forgets all its entries at once (their slots
// are reclaimed when their shard is next rebuilt), and frees its arena.
//
// The table is split into 256 shards by the hash's top byte, each an
// open-addressing table with linear probing over one control byte per slot
// (empty, tombstone, or a 7-bit fingerprint), scanned 16 at a time with SSE2.
// A shard is rebuilt, dropping dead entries and resizing to 60% load, when 7/8
// of its slots are used: 17 bytes per slot make 19.5-28.5 bytes per live key,
// and a rebuild never holds more than one shard twice. Not thread-safe; never
// throws except bad_alloc.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

namespace sluice::ops {

struct Hash128 {
  uint64_t low = 0;
  uint64_t high = 0;
  bool operator==(const Hash128&) const = default;
};

// XXH3-128 of `bytes`.
Hash128 hash_key(std::string_view bytes);

class KeySet {
 public:
  static constexpr size_t k_shards = 256;

  explicit KeySet(bool exact);
  ~KeySet();
  KeySet(const KeySet&) = delete;
  KeySet& operator=(const KeySet&) = delete;

  // Inserts (hash, key) into generation `gen` unless a live entry with the same
  // hash (and, when exact, the same key bytes) exists. True when inserted.
  bool insert(const Hash128& hash, std::string_view key, uint8_t gen);
  // Starts loading the memory an insert of `hash` will touch (a hint, no effect).
  void prefetch(const Hash128& hash) const;
  // Marks a generation live (before inserting into it; what is left of the id's
  // last use is purged first) or dead (forgotten).
  void set_live(uint8_t gen, bool live);
  bool is_live(uint8_t gen) const { return m_live[gen]; }
  // Entries of `gen`, dead or alive, still occupying slots.
  uint64_t slots_of(uint8_t gen) const { return m_gen_slots[gen]; }
  // Reclaims every slot of a dead generation now: O(table size).
  void purge(uint8_t gen);
  // Forgets everything.
  void clear();
  // Calls fn(gen, hash, key) for every live entry (key empty unless exact).
  void for_each(const std::function<void(uint8_t, const Hash128&, std::string_view)>& fn) const;
  // Bytes held by the table and the arenas.
  uint64_t memory_bytes() const;
  // Bytes of live keys kept in the arenas (exact), lengths included.
  uint64_t key_bytes() const;
  bool exact() const { return m_exact; }

 private:
  struct Shard {
    uint32_t capacity = 0; // slots, a multiple of 16 (0: not allocated)
    uint32_t used = 0;     // slots that are not empty
    std::unique_ptr<uint8_t[]> ctrl; // capacity + 16: the first 16 cloned at the end
    std::unique_ptr<Hash128[]> keys; // the hash, its top byte replaced by the generation
    std::unique_ptr<uint64_t[]> refs; // exact: arena reference of the key
  };
  struct Arena {
    std::vector<std::unique_ptr<char[]>> blocks;
    std::vector<size_t> sizes; // capacity of each block
    size_t used = 0;           // bytes used in the last block
    uint64_t bytes = 0;
  };

  void rebuild(Shard& shard, uint32_t extra);
  void place(Shard& shard, const Hash128& hash, uint8_t gen, uint64_t ref);
  uint64_t store_key(uint8_t gen, std::string_view key);
  std::string_view key_at(uint8_t gen, uint64_t ref) const;
  static void set_ctrl(Shard& shard, uint32_t slot, uint8_t value);

  bool m_exact;
  std::array<Shard, k_shards> m_shards;
  std::array<bool, 256> m_live{};
  std::array<uint64_t, 256> m_gen_slots{};
  std::array<Arena, 256> m_arenas;
};

} // namespace sluice::ops
