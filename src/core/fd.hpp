// Fd owns one file descriptor and closes it on destruction (move-only).
//
// Not thread-safe. Never throws from the destructor; close errors that matter
// (after writing a file) are checked by calling close() explicitly.
#pragma once

#include <string>
#include <utility>

namespace sluice::core {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : m_fd(fd) {}
  Fd(Fd&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();

  int get() const { return m_fd; }
  bool valid() const { return m_fd >= 0; }
  int release() { return std::exchange(m_fd, -1); }
  // Closes now; throws Error(io) when close fails (data may be lost).
  void close(const std::string& what);

 private:
  int m_fd = -1;
};

// Opens path with flags (O_CLOEXEC added); throws Error(io) naming the path.
Fd open_file(const std::string& path, int flags, int mode = 0644);

// Writes every byte, retrying on EINTR after checking for a second signal;
// throws Error(io) naming `what`, or Error::broken_pipe() on EPIPE.
void write_all(int fd, const char* data, size_t size, const std::string& what);

// fsyncs fd; throws Error(io) naming `what`.
void fsync_fd(int fd, const std::string& what);

// fsyncs the directory holding path, so a rename into it is durable.
void fsync_parent_dir(const std::string& path);

} // namespace sluice::core
