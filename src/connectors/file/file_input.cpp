#include "connectors/file/file_input.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

namespace sluice::connectors::file {

using core::Error;
using core::ExitCode;

namespace {
constexpr unsigned char k_zstd_magic[4] = {0x28, 0xB5, 0x2F, 0xFD};
constexpr size_t k_stage_size = 128 << 10;
} // namespace

FileInput::FileInput(const std::string& path, uint64_t raw_start, bool follow)
    : m_name(path == "-" ? "stdin" : path), m_follow(follow) {
  if (path == "-") {
    m_is_stdin = true;
    m_fd = 0;
  } else {
    m_owned = core::open_file(path, O_RDONLY);
    m_fd = m_owned.get();
    posix_fadvise(m_fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    if (raw_start > 0 && lseek(m_fd, static_cast<off_t>(raw_start), SEEK_SET) < 0) {
      core::throw_errno("seek " + path);
    }
    m_raw_offset = raw_start;
  }
  // Read until 4 bytes are known (a pipe may deliver fewer) or the input ends.
  m_staged.resize(k_stage_size);
  size_t have = 0;
  while (have < sizeof k_zstd_magic) {
    size_t n = read_raw(m_staged.data() + have, m_staged.size() - have);
    if (n == 0) {
      break;
    }
    have += n;
  }
  m_staged.resize(have);
  if (have >= sizeof k_zstd_magic && std::memcmp(m_staged.data(), k_zstd_magic, 4) == 0) {
    m_zstd.reset(ZSTD_createDStream());
    ZSTD_initDStream(m_zstd.get());
    m_frames.emplace_back(raw_start, 0);
  }
}

size_t FileInput::read_raw(char* buf, size_t size) {
  core::FdSource source(m_fd, m_name);
  size_t n = source.read(buf, size);
  m_raw_offset += n;
  return n;
}

size_t FileInput::read(char* buf, size_t size) {
  if (m_zstd) {
    return read_zstd(buf, size);
  }
  if (m_staged_pos < m_staged.size()) {
    size_t n = std::min(size, m_staged.size() - m_staged_pos);
    std::memcpy(buf, m_staged.data() + m_staged_pos, n);
    m_staged_pos += n;
    m_content += n;
    return n;
  }
  size_t n = read_raw(buf, size);
  m_content += n;
  return n;
}

// Reads the next raw block into the staging buffer; false at the file's end.
bool FileInput::refill_staged() {
  m_staged.resize(k_stage_size);
  size_t n = read_raw(m_staged.data(), m_staged.size());
  m_staged.resize(n);
  m_staged_pos = 0;
  return n > 0;
}

size_t FileInput::read_zstd(char* buf, size_t size) {
  ZSTD_outBuffer out{buf, size, 0};
  while (out.pos == 0) {
    if (m_staged_pos == m_staged.size() && !refill_staged()) {
      if (m_frame_open && !m_follow) {
        throw Error(ExitCode::data,
                    fmt::format("{}: truncated zstd data (the last frame is cut off)", m_name));
      }
      return 0;
    }
    ZSTD_inBuffer in{m_staged.data(), m_staged.size(), m_staged_pos};
    size_t before = out.pos;
    size_t r = ZSTD_decompressStream(m_zstd.get(), &out, &in);
    m_staged_pos = in.pos;
    if (ZSTD_isError(r)) {
      throw Error(ExitCode::data,
                  fmt::format("{}: corrupt zstd data: {}", m_name, ZSTD_getErrorName(r)));
    }
    m_content += out.pos - before;
    m_frame_open = r != 0;
    if (r == 0) {
      // A frame ended: the next one starts at the first unconsumed raw byte.
      uint64_t raw = m_raw_offset - (m_staged.size() - m_staged_pos);
      m_frames.emplace_back(raw, m_content);
    }
  }
  return out.pos;
}

FramePos FileInput::frame_position(uint64_t offset) const {
  // An offset where a frame ends stays in that frame: the next frame may not exist
  // yet (the end of the file), and a resume there would not see the zstd magic.
  while (m_frames.size() > 1 && m_frames[1].second < offset) {
    m_frames.pop_front();
  }
  if (m_frames.empty()) {
    return {0, offset};
  }
  return {m_frames.front().first, offset - m_frames.front().second};
}

bool FileInput::skip(uint64_t bytes) {
  if (!m_zstd && !m_is_stdin && m_staged_pos == 0) {
    // Plain file: seek instead of reading what is skipped.
    if (bytes <= m_staged.size()) {
      m_staged_pos = static_cast<size_t>(bytes);
      m_content = bytes;
      return true;
    }
    uint64_t start = m_raw_offset - m_staged.size();
    off_t end = lseek(m_fd, 0, SEEK_END);
    if (end < 0 || static_cast<uint64_t>(end) < start + bytes) {
      lseek(m_fd, static_cast<off_t>(m_raw_offset), SEEK_SET);
      return false;
    }
    if (lseek(m_fd, static_cast<off_t>(start + bytes), SEEK_SET) < 0) {
      core::throw_errno("seek " + m_name);
    }
    m_raw_offset = start + bytes;
    m_staged_pos = m_staged.size();
    m_content = bytes;
    return true;
  }
  std::vector<char> sink(1 << 20);
  while (bytes > 0) {
    size_t n = read(sink.data(), static_cast<size_t>(std::min<uint64_t>(bytes, sink.size())));
    if (n == 0) {
      return false;
    }
    bytes -= n;
  }
  return true;
}

} // namespace sluice::connectors::file
