// FileSink: `sluice sink file` — NDJSON into a file (appended) or stdout, plain
// or zstd, optionally rotated by size or age.
//
// Each barrier's commit closes a zstd frame, fsyncs, and records the file's
// name and size with the position; on open the recorded file is truncated back
// to the recorded size, so a crash never leaves a torn line, a broken frame or
// an unrecorded tail. Other commits write (and flush the zstd stream) without
// fsync. With --rotate-size/--rotate-interval the path is a strftime pattern
// (UTC) and a new file is started at the first barrier commit after the
// current one is due (at any commit when there is no store), and the new file
// is recorded before anything is written to it: on restore, a file that was
// created after the recorded one can only be empty, and is deleted. An
// exclusive flock (on the file, or on "<pattern>.lock" when rotating) makes a
// second sink on the same output exit 75. Not thread-safe; throws Error.
#pragma once

#include "core/fd.hpp"
#include "core/sink_stage.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <zstd.h>

namespace sluice::connectors::file {

struct FileSinkOptions {
  std::string path; // "-" is stdout; a strftime pattern when rotating
  bool zstd = false;
  int level = 3;
  uint64_t rotate_size = 0;                      // 0: never
  std::chrono::microseconds rotate_interval{0}; // 0: never
};

struct ZstdCCtxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};

class FileSink : public core::SinkTarget {
 public:
  explicit FileSink(const FileSinkOptions& options);

  std::string default_sink_id() const override;
  std::string initial_state() override;
  void open(const core::StoreEntry* entry,
            const std::optional<core::control::BarrierId>& resume) override;
  bool write(const core::Line& line, simdjson::ondemand::document& doc, std::string* why) override;
  void commit(core::CheckpointStore* store, core::StoreEntry* record) override;
  void rollback() override;
  void finish() override;
  std::string summary() const override;

  // The file being written.
  const std::string& current_file() const { return m_name; }

 private:
  bool rotating() const;
  void open_data_file(const std::string& name);
  void ensure_open();
  std::string next_name() const;
  void maybe_rotate();
  void remove_orphans(const std::string& recorded);
  std::string state() const;
  void write_out(ZSTD_EndDirective mode);
  void truncate_to(uint64_t size);

  FileSinkOptions m_options;
  std::string m_absolute; // path or pattern, absolute
  core::Fd m_lock;        // rotating: the pattern's lock file
  core::Fd m_owned;
  int m_fd = -1;
  std::string m_name; // the data file being written
  std::chrono::steady_clock::time_point m_opened;
  bool m_regular = false;
  std::string m_pending; // lines not yet written
  std::string m_compressed;
  std::unique_ptr<ZSTD_CCtx, ZstdCCtxDeleter> m_cctx;
  bool m_frame_open = false;
  uint64_t m_size = 0;          // bytes in the current file
  uint64_t m_recorded_size = 0; // its size at the last recorded barrier (or at open)
  bool m_has_store = false;
  uint64_t m_lines = 0;
  uint64_t m_files = 0; // files started
};

} // namespace sluice::connectors::file
