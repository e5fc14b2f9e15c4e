// SideFile: an append-only NDJSON file written beside a stage's stdout, such as
// `dedupe --duplicates` or `reorder --late dead-letter:FILE` (DESIGN §4.2, §4.5).
//
// Operators (src/ops) write side lines through the SideOutput interface, which
// knows no file; SideFile is its file-backed implementation. Lines are buffered
// and written in large blocks; sync() writes and fsyncs them (the stage calls it
// before a checkpoint barrier goes on), size() is the file's size with every
// line written so far, and truncate_to() cuts the file back to the size it had
// at a barrier when a stateful stage restores that barrier. Lines still
// buffered when the object is destroyed are dropped (the stage syncs at a barrier and
// at a clean end; nothing past the last barrier is kept). Not thread-safe;
// throws Error(io).
#pragma once

#include "core/fd.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::core {

class SideOutput {
 public:
  virtual ~SideOutput() = default;
  // Appends one line (no newline in `text`).
  virtual void write_line(std::string_view text) = 0;
};

class SideFile : public SideOutput {
 public:
  static constexpr size_t k_flush_size = 1 << 20;

  // Opens (creating) `path` for appending.
  explicit SideFile(std::string path);
  ~SideFile() override;
  SideFile(const SideFile&) = delete;
  SideFile& operator=(const SideFile&) = delete;

  void write_line(std::string_view text) override;
  // Writes what is buffered and makes the file durable.
  void sync();
  // Bytes in the file, buffered lines included.
  uint64_t size() const { return m_size + m_buffer.size(); }
  // Drops buffered lines and cuts the file to `size` bytes (durable); false when
  // the file is already shorter than `size` (it was cut or replaced), and then
  // it is left as it is.
  bool truncate_to(uint64_t size);
  const std::string& path() const { return m_path; }
  // The absolute path, which names the file in saved state.
  const std::string& absolute_path() const { return m_absolute; }

 private:
  void write_buffer();

  std::string m_path;
  std::string m_absolute;
  Fd m_fd;
  std::string m_buffer;
  uint64_t m_size = 0; // bytes written to the file
  bool m_unsynced = false;
};

} // namespace sluice::core
