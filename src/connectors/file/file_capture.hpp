// FileCapture: `sluice capture file` — NDJSON (or text lines) from files or
// stdin, plain or zstd, validated fully (DESIGN §5).
//
// Files are read in the order given. A position is the file's index, the byte
// offset after the last line (decompressed bytes for zstd, which resumes by
// reading from the start and skipping) and the line number, plus the file's
// identity (inode and a fingerprint of its first bytes): a file that is no
// longer the one checkpointed is read again from its beginning, with a warning.
// Not thread-safe; throws Error.
#pragma once

#include "connectors/file/file_identity.hpp"
#include "connectors/file/file_input.hpp"
#include "core/capture_stage.hpp"
#include "core/json_check.hpp"
#include "core/line_reader.hpp"

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
};

class FileCapture : public core::CaptureSource {
 public:
  FileCapture(FileCaptureOptions options, const core::Log& log);

  std::string source_id() const override;
  int compare_pos(std::string_view a, std::string_view b) const override;
  void seek(const std::string& pos) override;
  core::Produced produce(core::Emitter& out, core::Clock::time_point until) override;
  std::string position() const override;
  int wait_fd() const override;

 private:
  void open_file(size_t index);
  void emit_line(core::Emitter& out, const core::Line& line);

  FileCaptureOptions m_options;
  const core::Log& m_log;
  std::vector<std::string> m_absolute; // paths as identified in the source id
  size_t m_index = 0;                  // file being read
  std::unique_ptr<FileInput> m_input;
  std::unique_ptr<core::LineReader> m_reader;
  FileIdentity m_identity;
  uint64_t m_base_offset = 0; // offset where the reader started (after a seek)
  uint64_t m_base_line = 0;   // lines before the reader started
  uint64_t m_offset = 0;      // offset after the last line emitted
  uint64_t m_line = 0;        // line number of the last line emitted
  core::JsonChecker m_checker;
};

} // namespace sluice::connectors::file
