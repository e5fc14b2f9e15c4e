// FileCursor: the lines of one input file from a position on, and the position
// after each line (DESIGN §4: byte offsets in a file identified by inode and a
// fingerprint; for zstd also the frame holding the offset, so a resume starts
// at that frame instead of decompressing the whole file).
//
// In follow mode a read at the file's end means "nothing yet": a last line
// without its newline is held until it is completed or end_input() is called.
// Not thread-safe; throws Error (io for read errors, data for corrupt zstd).
#pragma once

#include "connectors/file/file_identity.hpp"
#include "connectors/file/file_input.hpp"
#include "core/json_writer.hpp"
#include "core/line_reader.hpp"

#include <memory>
#include <optional>
#include <string>

namespace sluice::connectors::file {

struct FilePos {
  FileIdentity identity;
  uint64_t offset = 0; // content bytes up to and including the last line's newline
  uint64_t line = 0;   // number of that line
  std::optional<FramePos> frame; // zstd: where `offset` lies
};

namespace json {
// Writes pos's members into the open object of `w`.
void write_file_pos(core::JsonWriter& w, const FilePos& pos);
// Reads them back; false when `o` lacks offset (identity and frame are optional).
bool read_file_pos(simdjson::dom::object o, FilePos* pos);
} // namespace json

class FileCursor {
 public:
  // Opens `path` ("-" is stdin) at its beginning.
  FileCursor(const std::string& path, uint64_t max_line_size, bool follow);

  // Moves to `pos` when it names this file; false when the file's identity
  // differs (the cursor is then unchanged) or it is shorter than pos.offset (the
  // cursor is then back at the start). `allow_copy` accepts a file with another
  // inode but the same first bytes (a rotated copy, as copytruncate makes).
  // Throws Error(io) when the path no longer names the file opened (a rotation).
  bool seek(const FilePos& pos, bool allow_copy = false);
  // As LineReader::next, with line numbers counted from the file's first line.
  core::ReadStatus next(core::Line* line);
  bool fill() { return m_reader->fill(); }
  bool has_buffered_line() const { return m_reader->has_buffered_line(); }
  void end_input() { m_reader->end_input(); }
  FilePos position() const;

  FileInput& input() { return *m_input; }
  const std::string& name() const { return m_input->name(); }
  const FileIdentity& identity() const { return m_identity; }
  bool compressed() const { return m_compressed; }

 private:
  void restart(uint64_t raw_start, uint64_t base_offset, uint64_t base_line);

  std::string m_path;
  uint64_t m_max_line_size;
  bool m_follow;
  std::unique_ptr<FileInput> m_input;
  std::unique_ptr<core::LineReader> m_reader;
  FileIdentity m_identity;
  bool m_compressed = false;
  uint64_t m_base_offset = 0; // content offset where the reader started
  uint64_t m_base_line = 0;
  uint64_t m_offset = 0;
  uint64_t m_line = 0;
  uint64_t m_frame_shift = 0; // file content offset of the input's first content byte
};

} // namespace sluice::connectors::file
