#include "core/run_lock.hpp"

#include "core/error.hpp"
#include "core/signals.hpp"

#include <cerrno>
#include <fcntl.h>
#include <filesystem>
#include <sys/file.h>

namespace sluice::core {

std::optional<FlockFile> FlockFile::acquire(const std::string& path, RunLock mode) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec; // a missing parent shows up as the open's error below
    std::filesystem::create_directories(parent, ec);
  }
  Fd fd = open_file(path, O_RDWR | O_CREAT);
  int operation = mode == RunLock::shared ? LOCK_SH : LOCK_EX | LOCK_NB;
  while (flock(fd.get(), operation) != 0) {
    if (errno == EWOULDBLOCK && mode == RunLock::exclusive) {
      return std::nullopt;
    }
    if (errno != EINTR) {
      throw_errno("lock " + path);
    }
    if (signals::stop_requested()) {
      throw Error(ExitCode::temporary, "stopped while waiting for the lock " + path);
    }
  }
  return FlockFile(path, std::move(fd));
}

} // namespace sluice::core
