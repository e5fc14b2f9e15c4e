#include "connectors/file/file_identity.hpp"

#include "core/error.hpp"
#include "core/fd.hpp"
#include "file_test_support.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <string>

namespace sluice::connectors::file {
namespace {

using test::TempDir;
using test::write_whole_file;

TEST_CASE("file identity of the same file with the same content matches",
          "[connectors][file_identity]") {
  TempDir dir;
  write_whole_file(dir.file("a.log"), test::numbered_lines(1, 1000));
  bool compressed = true;
  FileIdentity first = identify(dir.file("a.log"), k_fingerprint_bytes, &compressed);
  CHECK_FALSE(compressed);
  CHECK(first.fp_len == k_fingerprint_bytes);
  CHECK(first.fp.size() == 16);
  CHECK(first.inode != 0);
  // Appends do not change the start.
  test::append_file(dir.file("a.log"), test::numbered_lines(1001, 10));
  FileIdentity again = identify(dir.file("a.log"), k_fingerprint_bytes, &compressed);
  CHECK(again == first);
  CHECK(again.same_file(first, false));
}

TEST_CASE("file identity hashes no more than the file holds", "[connectors][file_identity]") {
  TempDir dir;
  write_whole_file(dir.file("short.log"), "{\"n\":1}\n");
  bool compressed = true;
  FileIdentity id = identify(dir.file("short.log"), k_fingerprint_bytes, &compressed);
  CHECK(id.fp_len == 8);
  FileIdentity fewer = identify(dir.file("short.log"), 4, &compressed);
  CHECK(fewer.fp_len == 4);
  CHECK(fewer.fp != id.fp);
  CHECK_FALSE(fewer.same_file(id, false));
  write_whole_file(dir.file("empty.log"), "");
  FileIdentity empty = identify(dir.file("empty.log"), k_fingerprint_bytes, &compressed);
  CHECK(empty.fp_len == 0);
  CHECK(empty.fp.size() == 16);
}

TEST_CASE("file identity of a rewritten file with other first bytes does not match",
          "[connectors][file_identity]") {
  TempDir dir;
  std::string path = dir.file("a.log");
  write_whole_file(path, test::numbered_lines(1, 1000));
  bool compressed = false;
  FileIdentity before = identify(path, k_fingerprint_bytes, &compressed);
  // Same inode (truncated and rewritten in place), other content.
  write_whole_file(path, test::numbered_lines(2, 1000));
  FileIdentity after = identify(path, k_fingerprint_bytes, &compressed);
  CHECK(after.inode == before.inode);
  CHECK(after.fp != before.fp);
  CHECK_FALSE(after.same_file(before, false));
  CHECK_FALSE(after.same_file(before, true));
}

TEST_CASE("file identity of a copy matches only as a compressed file",
          "[connectors][file_identity]") {
  TempDir dir;
  std::string content = test::numbered_lines(1, 1000);
  write_whole_file(dir.file("a.log"), content);
  write_whole_file(dir.file("copy.log"), content);
  write_whole_file(dir.file("a.log.1.zst"),
                   test::zstd_frames({content.substr(0, 100), content.substr(100)}));
  bool compressed = true;
  FileIdentity plain = identify(dir.file("a.log"), k_fingerprint_bytes, &compressed);
  CHECK_FALSE(compressed);
  FileIdentity copy = identify(dir.file("copy.log"), k_fingerprint_bytes, &compressed);
  CHECK_FALSE(compressed);
  CHECK(copy.fp == plain.fp);
  CHECK_FALSE(copy.same_file(plain, compressed)); // another inode
  FileIdentity zst = identify(dir.file("a.log.1.zst"), k_fingerprint_bytes, &compressed);
  CHECK(compressed);
  CHECK(zst.fp == plain.fp); // the fingerprint is of the content, across frames
  CHECK(zst.fp_len == plain.fp_len);
  CHECK(zst.inode != plain.inode);
  CHECK(zst.same_file(plain, true));
  CHECK_FALSE(zst.same_file(plain, false));
}

TEST_CASE("file identity of a zstd file cut in its first frame uses what it can read",
          "[connectors][file_identity]") {
  TempDir dir;
  std::string content = test::numbered_lines(1, 5000);
  std::string frame = test::zstd_frame(content);
  write_whole_file(dir.file("cut.zst"), frame.substr(0, frame.size() / 2));
  bool compressed = false;
  FileIdentity id = identify(dir.file("cut.zst"), k_fingerprint_bytes, &compressed);
  CHECK(compressed);
  CHECK(id.fp_len <= k_fingerprint_bytes);
}

TEST_CASE("file identity of an open plain file equals the identity of its path",
          "[connectors][file_identity]") {
  TempDir dir;
  std::string path = dir.file("a.log");
  write_whole_file(path, test::numbered_lines(1, 1000));
  core::Fd fd = core::open_file(path, O_RDONLY);
  bool compressed = true;
  for (uint64_t len : {uint64_t{0}, uint64_t{10}, k_fingerprint_bytes, uint64_t{1} << 20}) {
    CHECK(identify_open(fd.get(), path, len) == identify(path, len, &compressed));
  }
  // The open file keeps its identity when the path names another file.
  FileIdentity before = identify_open(fd.get(), path, k_fingerprint_bytes);
  REQUIRE(rename(path.c_str(), dir.file("a.log.1").c_str()) == 0);
  write_whole_file(path, test::numbered_lines(5, 10));
  CHECK(identify_open(fd.get(), path, k_fingerprint_bytes) == before);
  CHECK_FALSE(identify(path, k_fingerprint_bytes, &compressed).same_file(before, false));
}

TEST_CASE("file identity of a missing file is an io error", "[connectors][file_identity]") {
  TempDir dir;
  bool compressed = false;
  try {
    identify(dir.file("missing.log"), k_fingerprint_bytes, &compressed);
    FAIL("no error thrown");
  } catch (const core::Error& e) {
    CHECK(e.code() == core::ExitCode::io);
  }
  CHECK_THROWS_AS(identify_open(-1, "closed", k_fingerprint_bytes), core::Error);
}

} // namespace
} // namespace sluice::connectors::file
