#include "connectors/file/dir_watch.hpp"

#include "core/error.hpp"

#include <cerrno>
#include <filesystem>
#include <sys/inotify.h>
#include <unistd.h>

namespace sluice::connectors::file {

DirWatch::DirWatch() : m_fd(inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
  if (!m_fd.valid()) {
    core::throw_errno("inotify_init1");
  }
}

void DirWatch::watch_parent_of(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  uint32_t mask = IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO |
                  IN_DELETE | IN_ATTRIB;
  // Adding a watch twice returns the same descriptor: no bookkeeping needed.
  if (inotify_add_watch(m_fd.get(), dir.empty() ? "." : dir.c_str(), mask) < 0) {
    core::throw_errno("watch " + dir);
  }
}

void DirWatch::drain() {
  alignas(struct inotify_event) char buf[16384];
  for (;;) {
    ssize_t n = read(m_fd.get(), buf, sizeof buf);
    if (n > 0) {
      continue;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    return; // EAGAIN: nothing more pending
  }
}

} // namespace sluice::connectors::file
