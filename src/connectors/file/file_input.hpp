// FileInput: the bytes of one input file (or stdin), plain or zstd.
//
// Compression is recognised by the zstd magic bytes, not the name, so
// `capture file x.log` reads a compressed x.log and stdin may carry zstd.
// Multi-frame files are read frame after frame, and the input remembers where
// recent frames start, so a position inside a compressed file can be a frame
// offset plus a count within the frame (resume starts at that frame instead of
// decompressing everything before it). When following a growing file, a read
// at the current end returns 0 (nothing yet) and may return data later, also
// in the middle of a zstd frame. Owns the fd it opens (not stdin's). Not
// thread-safe. Throws Error(io) for read errors, Error(data) for corrupt or
// (when not following) truncated zstd data.
#pragma once

#include "core/byte_source.hpp"
#include "core/fd.hpp"

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>
#include <zstd.h>

namespace sluice::connectors::file {

struct ZstdDStreamDeleter {
  void operator()(ZSTD_DStream* d) const { ZSTD_freeDStream(d); }
};

// Where a content offset lies in a zstd file: the frame's first byte in the
// file, and the content bytes from the frame's start.
struct FramePos {
  uint64_t frame = 0;
  uint64_t in_frame = 0;
};

class FileInput : public core::ByteSource {
 public:
  // Opens `path` ("-" is stdin) at byte `raw_start` of the file (a frame start
  // for zstd) and looks at the first bytes there.
  explicit FileInput(const std::string& path, uint64_t raw_start = 0, bool follow = false);

  size_t read(char* buf, size_t size) override;
  int poll_fd() const override { return m_is_stdin ? m_fd : -1; }

  bool is_zstd() const { return m_zstd != nullptr; }
  bool is_stdin() const { return m_is_stdin; }
  int fd() const { return m_fd; }
  const std::string& name() const { return m_name; }
  // File bytes read so far, from the start of the file (not of raw_start).
  uint64_t raw_offset() const { return m_raw_offset; }
  // Skips `bytes` of content (decompressed for zstd); false when the input is shorter.
  bool skip(uint64_t bytes);
  // The frame holding content offset `offset` (content bytes since raw_start),
  // which must not be older than the last offset asked for; an offset where a
  // frame ends is in that frame (in_frame = its content size). zstd only.
  FramePos frame_position(uint64_t offset) const;

 private:
  size_t read_raw(char* buf, size_t size);
  size_t read_zstd(char* buf, size_t size);
  bool refill_staged();

  std::string m_name;
  core::Fd m_owned;
  int m_fd = -1;
  bool m_is_stdin = false;
  bool m_follow = false;
  uint64_t m_raw_offset = 0;  // file offset after the last raw read
  std::vector<char> m_staged; // raw bytes read ahead (magic detection, zstd input)
  size_t m_staged_pos = 0;
  std::unique_ptr<ZSTD_DStream, ZstdDStreamDeleter> m_zstd;
  bool m_frame_open = false; // inside a zstd frame that has not ended
  uint64_t m_content = 0;    // content bytes produced so far
  // Recent frame starts: (file offset, content offset), oldest first.
  // Pruned by frame_position, hence mutable.
  mutable std::deque<std::pair<uint64_t, uint64_t>> m_frames;
};

} // namespace sluice::connectors::file
