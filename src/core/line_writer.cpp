#include "core/line_writer.hpp"

#include "core/byte_source.hpp"
#include "core/fd.hpp"

#include <cerrno>
#include <poll.h>
#include <unistd.h>

namespace sluice::core {

LineWriter::LineWriter(int fd, std::string name) : m_fd(fd), m_name(std::move(name)) {
  m_buffer.reserve(k_flush_size + (64 << 10));
  enlarge_pipe(fd);
}

void LineWriter::write_line(std::string_view text) {
  m_buffer.append(text);
  end_line();
}

void LineWriter::end_line() {
  m_buffer.push_back('\n');
  if (m_buffer.size() >= k_flush_size) {
    flush();
  }
}

void LineWriter::flush() {
  if (m_buffer.empty()) {
    return;
  }
  write_all(m_fd, m_buffer.data(), m_buffer.size(), m_name);
  m_written += m_buffer.size();
  m_buffer.clear();
}

void LineWriter::try_write_final(std::string_view line, int timeout_ms) {
  std::string data = std::move(m_buffer);
  m_buffer.clear();
  data.append(line);
  data.push_back('\n');
  size_t done = 0;
  while (done < data.size()) {
    pollfd p{m_fd, POLLOUT, 0};
    if (poll(&p, 1, timeout_ms) <= 0 || (p.revents & (POLLERR | POLLHUP)) != 0) {
      return;
    }
    ssize_t n = ::write(m_fd, data.data() + done, data.size() - done);
    if (n < 0 && errno != EINTR) {
      return;
    }
    done += n > 0 ? static_cast<size_t>(n) : 0;
  }
}

} // namespace sluice::core
