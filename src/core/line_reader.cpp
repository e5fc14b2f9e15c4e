#include "core/line_reader.hpp"

#include <algorithm>
#include <cstring>

namespace sluice::core {
namespace {

constexpr size_t k_padding = simdjson::SIMDJSON_PADDING;

bool is_blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t'; });
}

} // namespace

LineReader::LineReader(ByteSource& source, uint64_t max_line_size, size_t block_size)
    : m_source(source), m_max_line_size(max_line_size), m_capacity(block_size),
      m_buffer(new char[block_size + k_padding]) {
  std::memset(m_buffer.get(), 0, block_size + k_padding);
}

bool LineReader::has_buffered_line() const {
  if (m_too_long_ready) {
    return true;
  }
  if (m_eof) {
    return true; // the last line or the end
  }
  const char* begin = m_buffer.get() + m_begin + m_scanned;
  return std::memchr(begin, '\n', m_end - m_begin - m_scanned) != nullptr;
}

// Fills *line from [begin, stop) where stop is the newline or the end of data.
// Returns false for a blank line, which is skipped.
bool LineReader::emit(const char* begin, const char* stop, Line* line) {
  ++m_line_number;
  std::string_view text(begin, static_cast<size_t>(stop - begin));
  if (!text.empty() && text.back() == '\r') {
    text.remove_suffix(1);
  }
  if (m_at_start) {
    m_at_start = false;
    if (text.substr(0, 3) == "\xEF\xBB\xBF") {
      text.remove_prefix(3);
    }
  }
  if (is_blank(text)) {
    return false;
  }
  line->text = text;
  line->number = m_line_number;
  line->end_offset = m_offset;
  line->capacity = static_cast<size_t>(m_buffer.get() + m_capacity + k_padding - text.data());
  line->terminated = true;
  return true;
}

ReadStatus LineReader::report_too_long(Line* line) {
  m_too_long_ready = false;
  line->text = m_too_long;
  line->number = m_too_long_number;
  line->end_offset = m_offset;
  line->capacity = 0;
  line->terminated = m_too_long_terminated;
  return ReadStatus::too_long;
}

void LineReader::keep_too_long(const char* begin, size_t length) {
  m_too_long_number = ++m_line_number;
  m_too_long_terminated = true;
  m_at_start = false;
  // Never more than limit + 1 bytes: that much is buffered however the reads fell, so the
  // prefix (and the dead letter made of it) does not depend on read boundaries.
  uint64_t keep = std::min<uint64_t>({length, k_too_long_prefix, m_max_line_size + 1});
  m_too_long.assign(begin, static_cast<size_t>(keep));
}

ReadStatus LineReader::next(Line* line) {
  if (m_too_long_ready) {
    return report_too_long(line);
  }
  for (;;) {
    char* data = m_buffer.get();
    size_t available = m_end - m_begin;
    const char* begin = data + m_begin;
    const void* nl = std::memchr(begin + m_scanned, '\n', available - m_scanned);
    if (nl == nullptr) {
      m_scanned = available;
      if (!m_eof || available == 0) {
        return m_eof ? ReadStatus::end : ReadStatus::need_more;
      }
      // The last line has no newline.
      const char* stop = data + m_end;
      m_begin = m_end;
      m_scanned = 0;
      m_offset += available;
      if (available > m_max_line_size) {
        keep_too_long(begin, available);
        m_too_long_terminated = false;
        return report_too_long(line);
      }
      if (emit(begin, stop, line)) {
        line->terminated = false;
        return ReadStatus::line;
      }
      continue;
    }
    const char* stop = static_cast<const char*>(nl);
    size_t length = static_cast<size_t>(stop - begin);
    m_begin += length + 1;
    m_scanned = 0;
    m_offset += length + 1;
    if (length > m_max_line_size) {
      keep_too_long(begin, length);
      return report_too_long(line);
    }
    if (emit(begin, stop, line)) {
      return ReadStatus::line;
    }
  }
}

// Makes space after m_end: moves the partial line to the front, grows the buffer
// up to the line limit, or starts discarding an over-long line.
void LineReader::make_room() {
  // m_end < m_capacity: with a block under 4 bytes a quarter is 0, and a read of 0 bytes
  // would look like the end of the input.
  if (m_end < m_capacity && m_capacity - m_end >= m_capacity / 4) {
    return;
  }
  size_t available = m_end - m_begin;
  if (m_begin > 0) {
    std::memmove(m_buffer.get(), m_buffer.get() + m_begin, available);
    m_begin = 0;
    m_end = available;
  }
  if (m_end < m_capacity) {
    return;
  }
  if (available <= m_max_line_size) {
    size_t grown = static_cast<size_t>(std::min<uint64_t>(m_capacity * 2, m_max_line_size + 1));
    std::unique_ptr<char[]> bigger(new char[grown + k_padding]);
    std::memcpy(bigger.get(), m_buffer.get(), available);
    std::memset(bigger.get() + available, 0, grown + k_padding - available);
    m_buffer = std::move(bigger);
    m_capacity = grown;
    return;
  }
  // The buffer holds more than the limit without a newline: keep a prefix, drop the rest.
  keep_too_long(m_buffer.get(), available);
  m_discarding = true;
  m_discarded = available;
  m_begin = m_end = m_scanned = 0;
}

void LineReader::end_input() {
  if (m_eof) {
    return;
  }
  m_eof = true;
  if (m_discarding) {
    m_discarding = false;
    m_offset += m_discarded;
    m_too_long_ready = true;
    m_too_long_terminated = false;
  }
}

bool LineReader::fill() {
  if (m_eof) {
    return false;
  }
  make_room();
  size_t n = m_source.read(m_buffer.get() + m_end, m_capacity - m_end);
  if (n == 0) {
    if (!m_follow) {
      end_input();
    }
    return false;
  }
  if (!m_discarding) {
    m_end += n;
    return true;
  }
  const char* chunk = m_buffer.get() + m_end;
  const void* nl = std::memchr(chunk, '\n', n);
  if (nl == nullptr) {
    m_discarded += n;
    return true;
  }
  size_t rest = n - static_cast<size_t>(static_cast<const char*>(nl) - chunk) - 1;
  m_offset += m_discarded + (n - rest);
  std::memmove(m_buffer.get(), static_cast<const char*>(nl) + 1, rest);
  m_begin = 0;
  m_end = rest;
  m_discarding = false;
  m_too_long_ready = true;
  return true;
}

} // namespace sluice::core
