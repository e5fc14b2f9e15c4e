// DirWatch: wakes a follower when something happens in the directories of the
// files it follows (inotify: appends, creations, renames, deletions), so a new
// line is read within a millisecond instead of at the next poll. Owns its
// inotify fd (non-blocking; it is not shared with anyone). Not thread-safe;
// throws Error(io) when inotify is unavailable.
#pragma once

#include "core/fd.hpp"

#include <string>

namespace sluice::connectors::file {

class DirWatch {
 public:
  DirWatch();
  // Watches the directory holding `path` (once per directory).
  void watch_parent_of(const std::string& path);
  // The fd to poll: readable when events wait.
  int fd() const { return m_fd.get(); }
  // Consumes every pending event; call before reading the files, so that any
  // later change makes the fd readable again.
  void drain();

 private:
  core::Fd m_fd;
};

} // namespace sluice::connectors::file
