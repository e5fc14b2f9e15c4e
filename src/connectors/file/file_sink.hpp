// FileSink: `sluice sink file` — NDJSON into a file (appended) or stdout, plain
// or zstd.
//
// Each barrier's commit closes a zstd frame, fsyncs, and records the file's
// size with the position; on open the file is truncated back to the recorded
// size, so a crash never leaves a torn line, a broken frame or an unrecorded
// tail. Other commits write (and flush the zstd stream) without fsync. Holds an
// exclusive flock on the file while it runs: a second sink on it exits 75.
// Not thread-safe; throws Error.
#pragma once

#include "core/fd.hpp"
#include "core/sink_stage.hpp"

#include <memory>
#include <string>
#include <zstd.h>

namespace sluice::connectors::file {

struct FileSinkOptions {
  std::string path; // "-" is stdout
  bool zstd = false;
  int level = 3;
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

 private:
  void write_out(ZSTD_EndDirective mode);
  void truncate_to(uint64_t size);

  FileSinkOptions m_options;
  std::string m_absolute;
  core::Fd m_owned;
  int m_fd = -1;
  bool m_regular = false;
  std::string m_pending; // lines not yet written
  std::string m_compressed;
  std::unique_ptr<ZSTD_CCtx, ZstdCCtxDeleter> m_cctx;
  bool m_frame_open = false;
  uint64_t m_size = 0;          // bytes in the file
  uint64_t m_recorded_size = 0; // size at the last recorded barrier (or at open)
  bool m_has_store = false;
  uint64_t m_lines = 0;
};

} // namespace sluice::connectors::file
