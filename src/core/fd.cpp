#include "core/fd.hpp"

#include "core/error.hpp"
#include "core/signals.hpp"

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace sluice::core {

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
    m_fd = std::exchange(other.m_fd, -1);
  }
  return *this;
}

Fd::~Fd() {
  if (m_fd >= 0) {
    ::close(m_fd);
  }
}

void Fd::close(const std::string& what) {
  int fd = std::exchange(m_fd, -1);
  // Linux closes the descriptor even when close() reports EINTR: never retry.
  if (fd >= 0 && ::close(fd) != 0 && errno != EINTR) {
    throw_errno("close " + what);
  }
}

Fd open_file(const std::string& path, int flags, int mode) {
  for (;;) {
    int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
    if (fd >= 0) {
      return Fd(fd);
    }
    if (errno != EINTR) {
      throw_errno("open " + path);
    }
    signals::check_hard_exit();
  }
}

void write_all(int fd, const char* data, size_t size, const std::string& what) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n >= 0) {
      data += n;
      size -= static_cast<size_t>(n);
      continue;
    }
    if (errno == EINTR) {
      signals::check_hard_exit();
      continue;
    }
    if (errno == EPIPE) {
      throw Error::broken_pipe();
    }
    throw_errno("write " + what);
  }
}

void fsync_fd(int fd, const std::string& what) {
  while (::fsync(fd) != 0) {
    if (errno != EINTR) {
      throw_errno("fsync " + what);
    }
  }
}

void fsync_parent_dir(const std::string& path) {
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  Fd d = open_file(dir, O_RDONLY | O_DIRECTORY);
  fsync_fd(d.get(), dir);
}

} // namespace sluice::core
