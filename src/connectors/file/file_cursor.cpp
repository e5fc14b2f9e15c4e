#include "connectors/file/file_cursor.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <sys/stat.h>

namespace sluice::connectors::file {

namespace json {

void write_file_pos(core::JsonWriter& w, const FilePos& pos) {
  w.key("offset").number(pos.offset).key("line").number(pos.line);
  if (!pos.identity.fp.empty()) {
    w.key("inode").number(pos.identity.inode).key("fp").string(pos.identity.fp);
    w.key("fp_len").number(pos.identity.fp_len);
  }
  if (pos.frame) {
    w.key("frame").number(pos.frame->frame).key("in_frame").number(pos.frame->in_frame);
  }
}

bool read_file_pos(simdjson::dom::object o, FilePos* pos) {
  if (o["offset"].get(pos->offset)) {
    return false;
  }
  if (o["line"].get(pos->line)) {
    pos->line = 0;
  }
  std::string_view fp;
  FileIdentity id;
  if (!o["inode"].get(id.inode) && !o["fp_len"].get(id.fp_len) && !o["fp"].get(fp)) {
    id.fp = std::string(fp);
    pos->identity = id;
  }
  FramePos frame;
  if (!o["frame"].get(frame.frame) && !o["in_frame"].get(frame.in_frame)) {
    pos->frame = frame;
  }
  return true;
}

} // namespace json

FileCursor::FileCursor(const std::string& path, uint64_t max_line_size, bool follow)
    : m_path(path), m_max_line_size(max_line_size), m_follow(follow) {
  restart(0, 0, 0);
  if (path == "-") {
    return;
  }
  // The identity of the file just opened, not of whatever the path names by now
  // (a rotation may fall in between); a compressed file is hashed decompressed.
  m_compressed = m_input->is_zstd();
  m_identity = m_compressed ? identify(path, k_fingerprint_bytes, &m_compressed)
                            : identify_open(m_input->fd(), path, k_fingerprint_bytes);
}

void FileCursor::restart(uint64_t raw_start, uint64_t base_offset, uint64_t base_line) {
  m_input = std::make_unique<FileInput>(m_path, raw_start, m_follow);
  m_reader = std::make_unique<core::LineReader>(*m_input, m_max_line_size);
  m_reader->set_follow(m_follow);
  m_base_offset = m_offset = base_offset;
  m_base_line = m_line = base_line;
  m_frame_shift = 0;
}

bool FileCursor::seek(const FilePos& pos, bool allow_copy) {
  bool compressed = false;
  FileIdentity now = identify(m_path, pos.identity.fp_len, &compressed);
  if (!now.same_file(pos.identity, compressed || allow_copy)) {
    return false;
  }
  // Start at the frame holding the offset when the position knows it.
  uint64_t raw_start = pos.frame ? pos.frame->frame : 0;
  uint64_t skip = pos.frame ? pos.frame->in_frame : pos.offset;
  restart(raw_start, 0, 0);
  // identify() and restart() open the path again: a rotation since the cursor was
  // made may have put another file under the name.
  struct stat st;
  if (now.inode != m_identity.inode || fstat(m_input->fd(), &st) != 0 ||
      static_cast<uint64_t>(st.st_ino) != m_identity.inode) {
    throw core::Error(core::ExitCode::io,
                      fmt::format("{} was replaced (rotated?) while resuming in it", m_path));
  }
  if (!m_input->skip(skip)) {
    restart(0, 0, 0);
    return false;
  }
  m_reader = std::make_unique<core::LineReader>(*m_input, m_max_line_size);
  m_reader->set_follow(m_follow);
  m_base_offset = m_offset = pos.offset;
  m_base_line = m_line = pos.line;
  // Content offsets of the input count from raw_start: keep frame lookups aligned.
  m_frame_shift = pos.offset - skip;
  return true;
}

core::ReadStatus FileCursor::next(core::Line* line) {
  core::ReadStatus status = m_reader->next(line);
  if (status == core::ReadStatus::line || status == core::ReadStatus::too_long) {
    line->number += m_base_line;
    m_offset = m_base_offset + line->end_offset;
    line->end_offset = m_offset;
    m_line = line->number;
    // A file first seen shorter than the fingerprint gets a stronger identity as it
    // grows (its first bytes do not change while it is followed).
    if (m_identity.fp_len < k_fingerprint_bytes && m_offset > m_identity.fp_len &&
        !m_compressed && !m_input->is_stdin()) {
      m_identity = identify_open(m_input->fd(), m_input->name(),
                                 std::min<uint64_t>(m_offset, k_fingerprint_bytes));
    }
  }
  return status;
}

FilePos FileCursor::position() const {
  FilePos pos{m_identity, m_offset, m_line, std::nullopt};
  if (m_input->is_zstd()) {
    pos.frame = m_input->frame_position(m_offset - m_frame_shift);
  }
  return pos;
}

} // namespace sluice::connectors::file
