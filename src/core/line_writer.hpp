// LineWriter: the buffered writer of a stage's stdout (or any fd it does not own).
//
// Lines are appended to a buffer that is written in large blocks: when it passes
// k_flush_size, and whenever the stage calls flush() because its input has
// nothing more ready (DESIGN §5), so a lone event is not held back. Writes retry
// EINTR after checking for a second signal. Throws Error(io), or
// Error::broken_pipe() when the reader went away. Not thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace sluice::core {

class LineWriter {
 public:
  static constexpr size_t k_flush_size = 1 << 20;

  LineWriter(int fd, std::string name);

  // Appends text and a newline.
  void write_line(std::string_view text);
  // The buffer, to append one line's bytes directly; finish with end_line().
  std::string& buffer() { return m_buffer; }
  void end_line();
  void flush();
  bool empty() const { return m_buffer.empty(); }
  // Total bytes handed to write() so far.
  uint64_t written() const { return m_written; }
  int fd() const { return m_fd; }
  // Best effort for abort records: writes what is buffered and `line` only if the
  // fd accepts them within `timeout_ms`; never throws.
  void try_write_final(std::string_view line, int timeout_ms);

 private:
  int m_fd;
  std::string m_name;
  std::string m_buffer;
  uint64_t m_written = 0;
};

} // namespace sluice::core
