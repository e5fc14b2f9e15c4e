// FileInput: the bytes of one input file (or stdin), plain or zstd.
//
// Compression is recognised by the zstd magic bytes, not the name, so
// `capture file x.log` reads a compressed x.log and stdin may carry zstd.
// Multi-frame files are read frame after frame. Owns the fd it opens (not
// stdin's). Not thread-safe. Throws Error(io) for read errors and Error(data)
// for corrupt or truncated zstd data.
#pragma once

#include "core/byte_source.hpp"
#include "core/fd.hpp"

#include <memory>
#include <string>
#include <vector>
#include <zstd.h>

namespace sluice::connectors::file {

struct ZstdDStreamDeleter {
  void operator()(ZSTD_DStream* d) const { ZSTD_freeDStream(d); }
};

class FileInput : public core::ByteSource {
 public:
  // Opens `path` ("-" is stdin) and looks at its first bytes.
  explicit FileInput(const std::string& path);

  size_t read(char* buf, size_t size) override;
  int poll_fd() const override { return m_is_stdin ? m_fd : -1; }

  bool is_zstd() const { return m_zstd != nullptr; }
  bool is_stdin() const { return m_is_stdin; }
  int fd() const { return m_fd; }
  const std::string& name() const { return m_name; }
  // Skips `bytes` of content (decompressed for zstd); false when the input is shorter.
  bool skip(uint64_t bytes);

 private:
  size_t read_raw(char* buf, size_t size);
  size_t read_zstd(char* buf, size_t size);

  std::string m_name;
  core::Fd m_owned;
  int m_fd = -1;
  bool m_is_stdin = false;
  std::vector<char> m_staged; // raw bytes read ahead (magic detection, zstd input)
  size_t m_staged_pos = 0;
  bool m_raw_eof = false;
  std::unique_ptr<ZSTD_DStream, ZstdDStreamDeleter> m_zstd;
  bool m_frame_open = false; // inside a zstd frame that has not ended
};

} // namespace sluice::connectors::file
