#include "core/byte_source.hpp"

#include "core/error.hpp"
#include "core/signals.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sluice::core {

size_t FdSource::read(char* buf, size_t size) {
  for (;;) {
    ssize_t n = ::read(m_fd, buf, size);
    if (n >= 0) {
      return static_cast<size_t>(n);
    }
    if (errno != EINTR) {
      throw_errno("read " + m_name);
    }
    signals::check_hard_exit();
  }
}

void enlarge_pipe(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) {
    return;
  }
  // Best effort: an unprivileged process may be limited by /proc/sys/fs/pipe-max-size.
  if (fcntl(fd, F_SETPIPE_SZ, 1 << 20) < 0) {
    fcntl(fd, F_SETPIPE_SZ, 256 << 10);
  }
}

} // namespace sluice::core
