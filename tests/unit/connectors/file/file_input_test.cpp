#include "connectors/file/file_input.hpp"

#include "core/error.hpp"
#include "file_test_support.hpp"

#include <catch2/catch.hpp>
#include <functional>
#include <string>
#include <vector>

namespace sluice::connectors::file {
namespace {

using test::read_all;
using test::TempDir;
using test::write_whole_file;
using test::zstd_frame;
using test::zstd_frames;

// Letters that compress poorly, so a frame is larger than the input's read-ahead.
std::string noisy_text(size_t size, uint32_t seed) {
  std::string out;
  out.reserve(size);
  for (size_t i = 0; i < size; ++i) {
    seed = seed * 1664525u + 1013904223u;
    out.push_back(i % 80 == 79 ? '\n' : static_cast<char>('a' + (seed >> 24) % 26));
  }
  return out;
}

// Three frames: lines, a single byte, and noise larger than the read-ahead.
std::vector<std::string> three_chunks() {
  return {test::numbered_lines(1, 2000), "x", noisy_text(300000, 7)};
}

void check_error(const std::function<void()>& f, core::ExitCode code, const std::string& part) {
  try {
    f();
    FAIL("no error thrown");
  } catch (const core::Error& e) {
    CHECK(e.code() == code);
    CHECK_THAT(e.what(), Catch::Contains(part));
  }
}

TEST_CASE("file input reads a plain file as it is", "[connectors][file_input]") {
  TempDir dir;
  std::string content = test::numbered_lines(1, 5000);
  write_whole_file(dir.file("a.log"), content);
  FileInput input(dir.file("a.log"));
  CHECK_FALSE(input.is_zstd());
  CHECK_FALSE(input.is_stdin());
  CHECK(input.name() == dir.file("a.log"));
  CHECK(input.poll_fd() == -1);
  CHECK(read_all(input) == content);
  CHECK(input.raw_offset() == content.size());
}

TEST_CASE("file input reads a file shorter than the zstd magic", "[connectors][file_input]") {
  TempDir dir;
  write_whole_file(dir.file("a.log"), "{}");
  FileInput input(dir.file("a.log"));
  CHECK_FALSE(input.is_zstd());
  CHECK(read_all(input) == "{}");
  write_whole_file(dir.file("empty.log"), "");
  FileInput empty(dir.file("empty.log"));
  CHECK_FALSE(empty.is_zstd());
  CHECK(read_all(empty).empty());
}

TEST_CASE("file input recognises zstd by its magic bytes, not its name",
          "[connectors][file_input]") {
  TempDir dir;
  std::string content = test::numbered_lines(1, 300);
  write_whole_file(dir.file("plain-name.log"), zstd_frame(content));
  write_whole_file(dir.file("zstd-name.zst"), content);
  FileInput compressed(dir.file("plain-name.log"));
  CHECK(compressed.is_zstd());
  CHECK(read_all(compressed) == content);
  FileInput plain(dir.file("zstd-name.zst"));
  CHECK_FALSE(plain.is_zstd());
  CHECK(read_all(plain) == content);
}

TEST_CASE("file input reads a multi-frame zstd file frame after frame",
          "[connectors][file_input]") {
  TempDir dir;
  std::vector<std::string> chunks = three_chunks();
  std::string file = zstd_frames(chunks);
  REQUIRE(file.size() > (128u << 10) + 1000); // the last frame spans several read-aheads
  write_whole_file(dir.file("multi.zst"), file);
  FileInput input(dir.file("multi.zst"));
  CHECK(input.is_zstd());
  CHECK(read_all(input) == chunks[0] + chunks[1] + chunks[2]);
  CHECK(input.raw_offset() == file.size());
}

TEST_CASE("file input skips plain content by seeking", "[connectors][file_input]") {
  TempDir dir;
  std::string small = test::numbered_lines(1, 100);
  std::string large = test::numbered_lines(1, 40000); // past the read-ahead
  REQUIRE(large.size() > (128u << 10) * 2);
  write_whole_file(dir.file("small.log"), small);
  write_whole_file(dir.file("large.log"), large);

  SECTION("inside the bytes read ahead") {
    FileInput input(dir.file("small.log"));
    REQUIRE(input.skip(30));
    CHECK(read_all(input) == small.substr(30));
  }
  SECTION("past the bytes read ahead") {
    FileInput input(dir.file("large.log"));
    REQUIRE(input.skip(200000));
    CHECK(input.raw_offset() == 200000);
    CHECK(read_all(input) == large.substr(200000));
  }
  SECTION("to the exact end") {
    FileInput input(dir.file("large.log"));
    REQUIRE(input.skip(large.size()));
    CHECK(read_all(input).empty());
  }
  SECTION("from a raw start") {
    FileInput input(dir.file("large.log"), 1000);
    REQUIRE(input.skip(150000));
    CHECK(read_all(input) == large.substr(151000));
  }
  SECTION("past the end of a small file") {
    FileInput input(dir.file("small.log"));
    CHECK_FALSE(input.skip(small.size() + 1));
  }
  SECTION("past the end of a large file") {
    FileInput input(dir.file("large.log"));
    CHECK_FALSE(input.skip(large.size() + 1));
  }
}

TEST_CASE("file input skips zstd content by decompressing it", "[connectors][file_input]") {
  TempDir dir;
  std::vector<std::string> chunks = three_chunks();
  std::string content = chunks[0] + chunks[1] + chunks[2];
  write_whole_file(dir.file("multi.zst"), zstd_frames(chunks));

  SECTION("into a later frame") {
    FileInput input(dir.file("multi.zst"));
    uint64_t skip = chunks[0].size() + 1 + 12345;
    REQUIRE(input.skip(skip));
    CHECK(read_all(input) == content.substr(skip));
  }
  SECTION("to the exact end") {
    FileInput input(dir.file("multi.zst"));
    REQUIRE(input.skip(content.size()));
    CHECK(read_all(input).empty());
  }
  SECTION("past the end") {
    FileInput input(dir.file("multi.zst"));
    CHECK_FALSE(input.skip(content.size() + 1));
  }
}

TEST_CASE("file input places content offsets in the frames that hold them",
          "[connectors][file_input]") {
  TempDir dir;
  std::vector<std::string> chunks = three_chunks();
  std::vector<uint64_t> starts;
  write_whole_file(dir.file("multi.zst"), zstd_frames(chunks, &starts));
  FileInput input(dir.file("multi.zst"));
  read_all(input);
  uint64_t c0 = chunks[0].size();
  uint64_t c1 = chunks[1].size();

  FramePos p = input.frame_position(0);
  CHECK(p.frame == 0);
  CHECK(p.in_frame == 0);
  p = input.frame_position(100);
  CHECK(p.frame == 0);
  CHECK(p.in_frame == 100);
  p = input.frame_position(c0 - 1);
  CHECK(p.frame == 0);
  CHECK(p.in_frame == c0 - 1);
  // An offset at a frame's end is the end of that frame (a resume starts at a frame
  // start, whose magic bytes tell that the file is compressed).
  p = input.frame_position(c0);
  CHECK(p.frame == 0);
  CHECK(p.in_frame == c0);
  p = input.frame_position(c0 + c1);
  CHECK(p.frame == starts[1]);
  CHECK(p.in_frame == c1);
  p = input.frame_position(c0 + c1 + 1);
  CHECK(p.frame == starts[2]);
  CHECK(p.in_frame == 1);
  p = input.frame_position(c0 + c1 + 250000);
  CHECK(p.frame == starts[2]);
  CHECK(p.in_frame == 250000);
  p = input.frame_position(c0 + c1 + chunks[2].size());
  CHECK(p.frame == starts[2]);
  CHECK(p.in_frame == chunks[2].size());
}

TEST_CASE("file input started at a frame offset reads the rest of the file",
          "[connectors][file_input]") {
  TempDir dir;
  std::vector<std::string> chunks = three_chunks();
  std::vector<uint64_t> starts;
  std::string file = zstd_frames(chunks, &starts);
  write_whole_file(dir.file("multi.zst"), file);
  FileInput input(dir.file("multi.zst"), starts[1]);
  CHECK(input.is_zstd());
  CHECK(read_all(input) == chunks[1] + chunks[2]);
  CHECK(input.raw_offset() == file.size());
  // Content offsets count from the raw start.
  FramePos p = input.frame_position(0);
  CHECK(p.frame == starts[1]);
  CHECK(p.in_frame == 0);
  p = input.frame_position(1 + 99);
  CHECK(p.frame == starts[2]);
  CHECK(p.in_frame == 99);

  FileInput skipping(dir.file("multi.zst"), starts[2]);
  REQUIRE(skipping.skip(1000));
  CHECK(read_all(skipping) == chunks[2].substr(1000));
}

TEST_CASE("file input started at a plain offset reads from there", "[connectors][file_input]") {
  TempDir dir;
  std::string content = test::numbered_lines(1, 100);
  write_whole_file(dir.file("a.log"), content);
  FileInput input(dir.file("a.log"), 17);
  CHECK(read_all(input) == content.substr(17));
  CHECK(input.raw_offset() == content.size());
}

TEST_CASE("file input fails on truncated zstd data unless it follows", "[connectors][file_input]") {
  TempDir dir;
  std::vector<std::string> chunks = {test::numbered_lines(1, 500), noisy_text(20000, 3)};
  std::vector<uint64_t> starts;
  std::string file = zstd_frames(chunks, &starts);
  uint64_t cut = starts[1] + (file.size() - starts[1]) / 2;
  write_whole_file(dir.file("cut.zst"), file.substr(0, cut));

  SECTION("without follow: a data error naming the file") {
    FileInput input(dir.file("cut.zst"));
    std::string got;
    check_error(
        [&] {
          char buf[4096];
          for (size_t n; (n = input.read(buf, sizeof buf)) > 0;) {
            got.append(buf, n);
          }
        },
        core::ExitCode::data, "truncated zstd data");
    // Everything before the cut was delivered first.
    CHECK(got.substr(0, chunks[0].size()) == chunks[0]);
  }
  SECTION("with follow: nothing yet, then the rest once it is written") {
    FileInput input(dir.file("cut.zst"), 0, true);
    std::string got = read_all(input);
    CHECK(got.size() >= chunks[0].size());
    CHECK(got.size() < chunks[0].size() + chunks[1].size());
    char buf[16];
    CHECK(input.read(buf, sizeof buf) == 0);
    test::append_file(dir.file("cut.zst"), file.substr(cut));
    got += read_all(input);
    CHECK(got == chunks[0] + chunks[1]);
  }
  SECTION("only the magic bytes") {
    write_whole_file(dir.file("magic.zst"), file.substr(0, 4));
    FileInput input(dir.file("magic.zst"));
    CHECK(input.is_zstd());
    check_error([&] { read_all(input); }, core::ExitCode::data, "truncated zstd data");
  }
}

TEST_CASE("file input rejects corrupt zstd data", "[connectors][file_input]") {
  TempDir dir;
  std::string file = zstd_frame(noisy_text(5000, 11));
  for (size_t i = 20; i < file.size(); i += 7) {
    file[i] = static_cast<char>(file[i] ^ 0x5a);
  }
  write_whole_file(dir.file("bad.zst"), file);
  FileInput input(dir.file("bad.zst"));
  check_error([&] { read_all(input); }, core::ExitCode::data, dir.file("bad.zst"));
}

TEST_CASE("file input following a growing plain file returns data after a later append",
          "[connectors][file_input]") {
  TempDir dir;
  write_whole_file(dir.file("a.log"), "{\"n\":1}\n");
  FileInput input(dir.file("a.log"), 0, true);
  CHECK(read_all(input) == "{\"n\":1}\n");
  char buf[64];
  CHECK(input.read(buf, sizeof buf) == 0);
  test::append_file(dir.file("a.log"), "{\"n\":2}\n");
  CHECK(read_all(input) == "{\"n\":2}\n");
  CHECK(input.raw_offset() == 16);
}

TEST_CASE("file input following a zstd file reads frames appended later",
          "[connectors][file_input]") {
  TempDir dir;
  std::vector<uint64_t> starts;
  std::string first = test::numbered_lines(1, 10);
  std::string second = test::numbered_lines(11, 10);
  write_whole_file(dir.file("a.zst"), zstd_frame(first));
  FileInput input(dir.file("a.zst"), 0, true);
  CHECK(read_all(input) == first);
  test::append_file(dir.file("a.zst"), zstd_frame(second));
  CHECK(read_all(input) == second);
}

TEST_CASE("file input cannot open a missing file", "[connectors][file_input]") {
  TempDir dir;
  check_error([&] { FileInput input(dir.file("missing.log")); }, core::ExitCode::io,
              dir.file("missing.log"));
}

} // namespace
} // namespace sluice::connectors::file
