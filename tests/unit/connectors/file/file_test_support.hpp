// Helpers shared by the tests of src/connectors/file: zstd frames written with
// the C API, appends, file ages, numbered NDJSON lines and stderr capture. The
// temp directory and whole-file helpers come from the core tests.
#pragma once

#include "../../core/core_test_support.hpp"
#include "core/byte_source.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <string>
#include <unistd.h>
#include <vector>
#include <zstd.h>

namespace sluice::connectors::file::test {

using core::test::read_whole_file;
using core::test::split_lines;
using core::test::TempDir;
using core::test::write_whole_file;

// One zstd frame holding `content`.
inline std::string zstd_frame(const std::string& content) {
  std::string out(ZSTD_compressBound(content.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), content.data(), content.size(), 3);
  REQUIRE_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

// A multi-frame zstd file's bytes: one frame per chunk, concatenated.
// `frame_starts` (when given) receives each frame's first byte in the file.
inline std::string zstd_frames(const std::vector<std::string>& chunks,
                               std::vector<uint64_t>* frame_starts = nullptr) {
  std::string out;
  for (const auto& chunk : chunks) {
    if (frame_starts != nullptr) {
      frame_starts->push_back(out.size());
    }
    out += zstd_frame(chunk);
  }
  return out;
}

inline void append_file(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  ::close(fd);
}

// Sets the file's modification time to `seconds_ago` before now (orders rotated siblings
// without sleeping).
inline void age_file(const std::string& path, int seconds_ago) {
  auto when = std::filesystem::file_time_type::clock::now() - std::chrono::seconds(seconds_ago);
  std::filesystem::last_write_time(path, when);
}

// NDJSON lines {"n":first} … {"n":first+count-1}, each with its newline.
inline std::string numbered_lines(int first, int count) {
  std::string out;
  for (int i = first; i < first + count; ++i) {
    out += fmt::format("{{\"n\":{}}}\n", i);
  }
  return out;
}

// Everything `source` gives until a read returns 0.
inline std::string read_all(core::ByteSource& source) {
  std::string out;
  char buf[7001]; // an odd size: reads end inside frames and lines
  for (;;) {
    size_t n = source.read(buf, sizeof buf);
    if (n == 0) {
      return out;
    }
    out.append(buf, n);
  }
}

// Runs f with stderr sent to a temp file and returns what it printed.
template <class F> std::string captured_stderr(F&& f) {
  TempDir dir;
  std::string path = dir.file("stderr");
  std::fflush(stderr);
  int saved = dup(2);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  dup2(fd, 2);
  ::close(fd);
  try {
    f();
  } catch (...) {
    std::fflush(stderr);
    dup2(saved, 2);
    ::close(saved);
    throw;
  }
  std::fflush(stderr);
  dup2(saved, 2);
  ::close(saved);
  return read_whole_file(path);
}

} // namespace sluice::connectors::file::test
