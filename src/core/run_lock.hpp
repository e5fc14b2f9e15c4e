// RunLock: the lock that says "a pipeline runs with this checkpoint store"
// (issue 8, `sluice checkpoint`). Every stage that opens a store holds it
// shared for as long as it runs; `sluice checkpoint set|reset` takes it
// exclusively, without waiting, and refuses to change the store when it cannot.
//
// FlockFile is the flock(2) form used by the file and SQLite stores: the lock
// file is created if missing (with its directory) and never removed; closing
// the fd, or the process dying (even by SIGKILL), releases the lock. The fd is
// close-on-exec, so children never inherit it. Not thread-safe; throws
// Error(io) when the lock file cannot be opened.
#pragma once

#include "core/fd.hpp"

#include <optional>
#include <string>

namespace sluice::core {

enum class RunLock {
  shared,    // a running stage: waits while the checkpoint tool holds it
  exclusive, // the checkpoint tool: never waits
};

class FlockFile {
 public:
  // Takes the lock on `path`: shared waits until it is granted; exclusive
  // returns nullopt at once when another process holds it.
  static std::optional<FlockFile> acquire(const std::string& path, RunLock mode);

  const std::string& path() const { return m_path; }

 private:
  FlockFile(std::string path, Fd fd) : m_path(std::move(path)), m_fd(std::move(fd)) {}

  std::string m_path;
  Fd m_fd; // closing it releases the lock
};

} // namespace sluice::core
