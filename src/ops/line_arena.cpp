#include "ops/line_arena.hpp"

#include <cstring>

namespace sluice::ops {
namespace {

constexpr size_t k_max_spare = 2;

} // namespace

uint32_t LineArena::take_chunk(uint64_t capacity) {
  if (capacity == k_chunk_size && !m_spare.empty()) {
    uint32_t index = m_spare.back();
    m_spare.pop_back();
    return index;
  }
  uint32_t index;
  if (!m_unused.empty()) {
    index = m_unused.back();
    m_unused.pop_back();
  } else {
    index = static_cast<uint32_t>(m_chunks.size());
    m_chunks.emplace_back();
  }
  Chunk& c = m_chunks[index];
  c.data.reset(new char[capacity]);
  c.capacity = capacity;
  m_allocated += capacity;
  return index;
}

LineArena::Ref LineArena::store(std::string_view text) {
  if (text.size() > k_chunk_size) {
    // A chunk of its own, never current: freed when the line is released.
    uint32_t index = take_chunk(text.size());
    Chunk& c = m_chunks[index];
    std::memcpy(c.data.get(), text.data(), text.size());
    c.used = text.size();
    c.live = 1;
    m_bytes += text.size();
    return {index, 0, text.size()};
  }
  if (m_current == UINT32_MAX ||
      m_chunks[m_current].capacity - m_chunks[m_current].used < text.size()) {
    if (m_current != UINT32_MAX && m_chunks[m_current].live == 0) {
      recycle(m_current);
    }
    m_current = take_chunk(k_chunk_size);
  }
  Chunk& c = m_chunks[m_current];
  Ref ref{m_current, static_cast<uint32_t>(c.used), text.size()};
  if (!text.empty()) {
    std::memcpy(c.data.get() + c.used, text.data(), text.size());
  }
  c.used += text.size();
  ++c.live;
  m_bytes += text.size();
  return ref;
}

void LineArena::release(const Ref& ref) {
  Chunk& c = m_chunks[ref.chunk];
  --c.live;
  m_bytes -= ref.size;
  if (c.live == 0 && ref.chunk != m_current) {
    recycle(ref.chunk);
  }
}

void LineArena::recycle(uint32_t index) {
  Chunk& c = m_chunks[index];
  c.used = 0;
  if (index == m_current) {
    m_current = UINT32_MAX;
  }
  if (c.capacity == k_chunk_size && m_spare.size() < k_max_spare) {
    m_spare.push_back(index);
    return;
  }
  m_allocated -= c.capacity;
  c.data.reset();
  c.capacity = 0;
  m_unused.push_back(index);
}

void LineArena::clear() {
  m_chunks.clear();
  m_spare.clear();
  m_unused.clear();
  m_current = UINT32_MAX;
  m_bytes = 0;
  m_allocated = 0;
}

} // namespace sluice::ops
