// FollowedFile: one path followed like `tail -F` (capture file --follow).
//
// It reads what is appended, holds a last line until its newline comes, and
// keeps following the path through rotation (the file renamed and a new one
// created: the old file is read to its end first) and copytruncate (the file
// cut to zero: read again from its start, with a warning). A stored position
// names the file by identity, so on resume the file is found again among the
// path's rotated siblings (`app.log.1`, `app.log.1.zst`, …, by fingerprint),
// read from the stored offset, then every newer sibling, then the path. The
// files found newer are remembered by identity too, so a rotation before their
// turn (a name now holding another file) makes them be looked for again.
// `consumed` counts content bytes over every file of the path and only grows:
// it orders positions. Not thread-safe; throws Error.
#pragma once

#include "connectors/file/file_cursor.hpp"
#include "core/log.hpp"

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sluice::connectors::file {

struct FollowPos {
  FilePos file;
  uint64_t consumed = 0;
};

class FollowedFile {
 public:
  FollowedFile(std::string path, uint64_t max_line_size, const core::Log& log);

  // Starts at `pos`, or at the beginning of the path's current file.
  void seek(const std::optional<FollowPos>& pos);
  // Starts at the beginning of the oldest rotated sibling, then every newer one,
  // then the path: where a run that recorded nothing may have read from.
  void seek_oldest();
  // The next line (line or too_long), or need_more when nothing is ready now.
  core::ReadStatus next(core::Line* line);
  FollowPos position() const;
  const std::string& path() const { return m_path; }
  // The name of the file being read, for messages.
  std::string current_name() const;

 private:
  // A file to read before the path again: a rotated sibling, or the file the path
  // named when it was listed. `identity` is empty when not known.
  struct Queued {
    std::string name;
    FileIdentity identity;
  };

  void use(std::unique_ptr<FileCursor> cursor, uint64_t consumed, uint64_t start);
  bool open_next();
  bool truncated();
  bool replaced();
  bool find_file(const FollowPos& pos);
  bool search(const FollowPos& pos, const std::vector<std::string>& candidates,
              std::unique_ptr<FileCursor>* found, std::deque<Queued>* newer);

  std::string m_path;
  uint64_t m_max_line_size;
  const core::Log& m_log;
  std::unique_ptr<FileCursor> m_cursor;
  bool m_cursor_is_path = false;  // the cursor reads the file the path named when opened
  std::deque<Queued> m_queue; // files to read before the path again, oldest first
  uint64_t m_consumed = 0;
  uint64_t m_consumed_base = 0; // m_consumed when the cursor's current offset was 0
  uint64_t m_cursor_start = 0;  // the cursor's content offset when it was opened
};

} // namespace sluice::connectors::file
