// FileCapture: `sluice capture file` — NDJSON (or text lines) from files or
// stdin, plain or zstd, validated fully (DESIGN §5).
//
// Without --follow the files are read once, in the order given; a position is
// the file's index plus its FilePos (offset, line, identity, zstd frame). With
// --follow every file is followed like `tail -F` (FollowedFile), all at once,
// woken by inotify (and a poll interval for file systems without it); a
// position holds every file's FollowPos. A file that is no longer the one
// checkpointed is read again from its beginning, with a warning.
// Not thread-safe; throws Error.
#pragma once

#include "connectors/file/dir_watch.hpp"
#include "connectors/file/file_cursor.hpp"
#include "connectors/file/followed_file.hpp"
#include "core/capture_stage.hpp"
#include "core/json_check.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sluice::connectors::file {

struct FileCaptureOptions {
  std::vector<std::string> paths; // "-" is stdin
  bool lines = false;             // --format lines: wrap each line as {"data":"…"}
  uint64_t max_line_size = 256ull << 20;
  std::optional<std::string> source_id;
  bool follow = false;
  std::chrono::microseconds poll_interval{1000000};
};

class FileCapture : public core::CaptureSource {
 public:
  FileCapture(FileCaptureOptions options, const core::Log& log);

  std::string source_id() const override;
  int compare_pos(std::string_view a, std::string_view b) const override;
  void seek(const std::string& pos) override;
  // With --follow: a run whose sinks recorded nothing may have read files that
  // were rotated since, so every rotated sibling is read first (oldest first).
  void seek_beginning() override;
  core::Produced produce(core::Emitter& out, core::Clock::time_point until) override;
  std::string position() const override;
  int wait_fd() const override;
  std::optional<core::Clock::time_point> wake_at() const override;

 private:
  void open_file(size_t index);
  void seek_followed(const std::string& pos);
  core::Produced produce_followed(core::Emitter& out, core::Clock::time_point until);
  void emit(core::Emitter& out, core::ReadStatus status, const core::Line& line,
            const std::string& name);

  FileCaptureOptions m_options;
  const core::Log& m_log;
  std::vector<std::string> m_absolute; // paths as identified in the source id
  // Without --follow: the file being read.
  size_t m_index = 0;
  std::unique_ptr<FileCursor> m_cursor;
  // With --follow: every file.
  std::vector<std::unique_ptr<FollowedFile>> m_followed;
  std::unique_ptr<DirWatch> m_watch;
  core::JsonChecker m_checker;
};

} // namespace sluice::connectors::file
