// LineReader splits a ByteSource into lines without copying them.
//
// It reads large blocks into one buffer that always keeps SIMDJSON_PADDING spare
// bytes after the data, finds newlines with memchr and hands out views with line
// numbers and byte offsets. DESIGN §5 rules: CRLF reads as LF, a UTF-8 BOM at the
// start of the source is dropped, blank lines are skipped (but counted), a last
// line without a newline is a line, and a line longer than the limit is reported
// (with its first bytes) once its end is found, never buffered whole.
// A view stays valid until the next call of next() or fill(). Not thread-safe;
// throws what its ByteSource throws.
#pragma once

#include "core/byte_source.hpp"

#include <cstdint>
#include <memory>
#include <simdjson.h>
#include <string_view>

namespace sluice::core {

struct Line {
  std::string_view text;   // without newline, CR or BOM
  uint64_t number = 0;     // 1-based line number in the source
  uint64_t end_offset = 0; // source bytes consumed up to and including its newline
  size_t capacity = 0;     // readable bytes from text.data(), ≥ text.size() + padding
  bool terminated = true;  // false for a last line that the input ended without a newline

  simdjson::padded_string_view padded() const {
    return simdjson::padded_string_view(text.data(), text.size(), capacity);
  }
};

enum class ReadStatus {
  line,      // *line holds the next line
  too_long,  // *line holds the first bytes of a line longer than the limit
  need_more, // no complete line is buffered: call fill()
  end,       // the source is exhausted and every line was returned
};

class LineReader {
 public:
  static constexpr size_t k_block_size = 1 << 20;
  // Bytes of an over-long line kept for the message and the dead-letter file (fewer
  // when the limit is smaller: limit + 1).
  static constexpr size_t k_too_long_prefix = 4096;

  LineReader(ByteSource& source, uint64_t max_line_size, size_t block_size = k_block_size);

  // The next buffered line; never reads.
  ReadStatus next(Line* line);
  // Reads once from the source (blocking if it blocks); false at end of input, or
  // when following and the source has nothing more yet.
  bool fill();
  // Following a growing file: a read of 0 bytes means "nothing yet", and a last
  // line without its newline is held until the newline comes or end_input().
  void set_follow(bool follow) { m_follow = follow; }
  // The source will give nothing more: a held last line becomes a line.
  void end_input();
  // True when next() can return a line or the end without reading.
  bool has_buffered_line() const;
  // Bytes of the source consumed by the lines returned so far.
  uint64_t offset() const { return m_offset; }
  ByteSource& source() { return m_source; }

 private:
  void make_room();
  bool emit(const char* begin, const char* newline_or_end, Line* line);
  void keep_too_long(const char* begin, size_t length);
  ReadStatus report_too_long(Line* line);

  ByteSource& m_source;
  uint64_t m_max_line_size;
  size_t m_capacity;
  std::unique_ptr<char[]> m_buffer;
  size_t m_begin = 0; // first unconsumed byte
  size_t m_end = 0;   // end of buffered data
  size_t m_scanned = 0; // bytes after m_begin known to hold no newline
  uint64_t m_offset = 0;  // source offset of m_begin
  uint64_t m_line_number = 0;
  bool m_eof = false;
  bool m_follow = false;
  bool m_at_start = true;
  // Discarding the rest of an over-long line; its prefix waits in m_too_long.
  bool m_discarding = false;
  bool m_too_long_ready = false;
  std::string m_too_long;
  uint64_t m_too_long_number = 0;
  bool m_too_long_terminated = true;
  uint64_t m_discarded = 0;
};

} // namespace sluice::core
