// ByteSource: where a LineReader gets its bytes (an fd, a zstd stream, a test).
//
// FdSource reads a file descriptor it does not own. read() retries EINTR after
// checking for a second signal, so call it when poll() says the fd is ready if
// the caller must stay responsive. Not thread-safe; throws Error(io).
#pragma once

#include <cstddef>
#include <string>

namespace sluice::core {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `size` bytes into `buf`; returns 0 only at end of input.
  virtual size_t read(char* buf, size_t size) = 0;
  // The fd to poll() for readiness, or -1 when reads never block for long.
  virtual int poll_fd() const { return -1; }
};

class FdSource : public ByteSource {
 public:
  FdSource(int fd, std::string name) : m_fd(fd), m_name(std::move(name)) {}
  size_t read(char* buf, size_t size) override;
  int poll_fd() const override { return m_fd; }

 private:
  int m_fd;
  std::string m_name;
};

// Grows a pipe's kernel buffer (to 1 MiB where allowed) so large reads and writes
// move more per system call; does nothing for other kinds of fd.
void enlarge_pipe(int fd);

} // namespace sluice::core
