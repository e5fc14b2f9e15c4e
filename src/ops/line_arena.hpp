// LineArena: owned copies of the event lines an operator holds (the reorder
// buffer), in 1 MiB chunks instead of one allocation per line.
//
// Lines are appended to the current chunk; a chunk is recycled once every line
// in it was released (a couple are kept spare, larger ones are freed), so
// memory follows what is held, not what went through. Lines longer than a
// chunk get a chunk of their own. Views stay valid until their line is
// released. Not thread-safe; never throws except bad_alloc.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace sluice::ops {

class LineArena {
 public:
  static constexpr uint64_t k_chunk_size = 1 << 20;

  struct Ref {
    uint32_t chunk = 0;
    uint32_t offset = 0;
    uint64_t size = 0;
  };

  Ref store(std::string_view text);
  std::string_view view(const Ref& ref) const {
    return {m_chunks[ref.chunk].data.get() + ref.offset, ref.size};
  }
  void release(const Ref& ref);
  void clear();
  // Bytes of the lines held.
  uint64_t bytes() const { return m_bytes; }
  // Bytes allocated for chunks.
  uint64_t allocated() const { return m_allocated; }

 private:
  struct Chunk {
    std::unique_ptr<char[]> data;
    uint64_t capacity = 0;
    uint64_t used = 0;
    uint64_t live = 0; // lines not released
  };

  uint32_t take_chunk(uint64_t capacity);
  void recycle(uint32_t index);

  std::vector<Chunk> m_chunks;
  std::vector<uint32_t> m_spare; // empty chunks of k_chunk_size, ready for reuse
  std::vector<uint32_t> m_unused; // slots of m_chunks without memory
  uint32_t m_current = UINT32_MAX;
  uint64_t m_bytes = 0;
  uint64_t m_allocated = 0;
};

} // namespace sluice::ops
