#include "connectors/file/followed_file.hpp"

#include "core/error.hpp"
#include "core/log.hpp"
#include "file_test_support.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <climits>
#include <string>
#include <thread>
#include <vector>

namespace sluice::connectors::file {
namespace {

using test::append_file;
using test::TempDir;
using test::write_whole_file;

constexpr uint64_t k_max_line = 1 << 20;

struct Got {
  std::string text;
  uint64_t number = 0;
  std::string file; // current_name() when the line was read
};

// Reads up to `max` lines, until nothing more is ready. Checks after every line that
// the position's `consumed` grew by the line's bytes.
class Reader {
 public:
  Reader(FollowedFile& followed) : m_followed(followed) {
    m_consumed = followed.position().consumed;
  }

  std::vector<Got> take(size_t max = SIZE_MAX) {
    std::vector<Got> out;
    while (out.size() < max) {
      core::Line line;
      core::ReadStatus status = m_followed.next(&line);
      if (status == core::ReadStatus::need_more) {
        break;
      }
      REQUIRE(status == core::ReadStatus::line);
      out.push_back({std::string(line.text), line.number, m_followed.current_name()});
      uint64_t consumed = m_followed.position().consumed;
      CHECK(consumed > m_consumed);
      m_consumed = consumed;
    }
    CHECK(m_followed.position().consumed >= m_consumed);
    m_consumed = m_followed.position().consumed;
    return out;
  }
  uint64_t consumed() const { return m_consumed; }

 private:
  FollowedFile& m_followed;
  uint64_t m_consumed = 0;
};

std::string line_text(int n) { return fmt::format("{{\"n\":{}}}", n); }

std::vector<std::string> texts(const std::vector<Got>& got) {
  std::vector<std::string> out;
  for (const auto& g : got) {
    out.push_back(g.text);
  }
  return out;
}

std::vector<std::string> line_texts(int first, int count) {
  std::vector<std::string> out;
  for (int n = first; n < first + count; ++n) {
    out.push_back(line_text(n));
  }
  return out;
}

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST_CASE("followed file reads lines as they are appended", "[connectors][followed_file]") {
  TempDir dir;
  core::Log log("capture file", true);
  std::string path = dir.file("x.log");
  write_whole_file(path, test::numbered_lines(1, 2));
  FollowedFile followed(path, k_max_line, log);
  CHECK(followed.path() == path);
  followed.seek(std::nullopt);
  Reader reader(followed);
  CHECK(reader.consumed() == 0);
  std::vector<Got> got = reader.take();
  CHECK(texts(got) == line_texts(1, 2));
  CHECK(got[1].number == 2);
  CHECK(got[1].file == path);
  CHECK(reader.take().empty());
  append_file(path, test::numbered_lines(3, 1));
  got = reader.take();
  CHECK(texts(got) == line_texts(3, 1));
  CHECK(got[0].number == 3);
  FollowPos pos = followed.position();
  CHECK(pos.consumed == 24);
  CHECK(pos.file.offset == 24);
  CHECK(pos.file.line == 3);
}

TEST_CASE("followed file holds a partial last line until its newline",
          "[connectors][followed_file]") {
  TempDir dir;
  core::Log log("capture file", true);
  std::string path = dir.file("x.log");
  write_whole_file(path, "{\"n\":1}\n{\"n\":");
  FollowedFile followed(path, k_max_line, log);
  followed.seek(std::nullopt);
  Reader reader(followed);
  CHECK(texts(reader.take()) == line_texts(1, 1));
  CHECK(reader.take().empty());
  CHECK(followed.position().consumed == 8);
  append_file(path, "2}\n");
  CHECK(texts(reader.take()) == line_texts(2, 1));
  CHECK(followed.position().consumed == 16);
}

TEST_CASE("followed file reads the old file to its end after a rotation, then the new one",
          "[connectors][followed_file]") {
  TempDir dir;
  core::Log log("capture file", true);
  std::string path = dir.file("x.log");
  write_whole_file(path, test::numbered_lines(1, 2));
  FollowedFile followed(path, k_max_line, log);
  followed.seek(std::nullopt);
  Reader reader(followed);
  CHECK(reader.take().size() == 2);

  REQUIRE(rename(path.c_str(), dir.file("x.log.1").c_str()) == 0);
  // Written to the old file after the rename, the last one without its newline.
  append_file(dir.file("x.log.1"), "{\"n\":3}\n{\"n\":4}");

  SECTION("the new file is there") {
    write_whole_file(path, test::numbered_lines(10, 2));
    std::vector<Got> got = reader.take();
    CHECK(texts(got) == line_texts(3, 2) + line_texts(10, 2));
    REQUIRE(got.size() == 4);
    CHECK(got[1].number == 4);
    CHECK(got[2].number == 1);
    CHECK(got[2].file == path);
    CHECK(reader.consumed() == 16 + 15 + 18);
  }
  SECTION("the new file comes later") {
    CHECK(texts(reader.take()) == line_texts(3, 1));
    CHECK(reader.take().empty());
    write_whole_file(path, test::numbered_lines(10, 2));
    CHECK(texts(reader.take()) == line_texts(4, 1) + line_texts(10, 2));
  }
  SECTION("the new file is empty at first") {
    write_whole_file(path, "");
    CHECK(texts(reader.take()) == line_texts(3, 2));
    FollowPos between = followed.position();
    CHECK(between.file.offset == 0);
    CHECK(between.consumed == 31);
    append_file(path, test::numbered_lines(10, 1));
    CHECK(texts(reader.take()) == line_texts(10, 1));
  }
}

TEST_CASE("followed file reads a copytruncated file again from its start",
          "[connectors][followed_file]") {
  TempDir dir;
  core::Log log("capture file", true);
  std::string path = dir.file("x.log");
  write_whole_file(path, test::numbered_lines(1, 3));
  FollowedFile followed(path, k_max_line, log);
  followed.seek(std::nullopt);
  Reader reader(followed);
  CHECK(reader.take().size() == 3);
  REQUIRE(truncate(path.c_str(), 0) == 0);
  append_file(path, test::numbered_lines(9, 1));
  std::vector<Got> got;
  std::string err = test::captured_stderr([&] { got = reader.take(); });
  CHECK_THAT(err, Catch::Contains("warning: " + path + " was truncated"));
  CHECK(texts(got) == line_texts(9, 1));
  REQUIRE(got.size() == 1);
  CHECK(got[0].number == 1);
  CHECK(followed.position().file.offset == 8);
  CHECK(followed.position().consumed == 24 + 8);
}

TEST_CASE("followed file waits for a path missing at start", "[connectors][followed_file]") {
  TempDir dir;
  core::Log log("capture file", true);
  std::string path = dir.file("x.log");
  FollowedFile followed(path, k_max_line, log);
  followed.seek(std::nullopt);
  Reader reader(followed);
  CHECK(reader.take().empty());
  CHECK(followed.current_name() == path);
  FollowPos missing = followed.position();
  CHECK(missing.file.identity.fp.empty());
  CHECK(missing.consumed == 0);
  write_whole_file(path, test::numbered_lines(1, 2));
  CHECK(texts(reader.take()) == line_texts(1, 2));

  SECTION("a position taken while it was missing reads it from its start") {
    FollowedFile resumed(path, k_max_line, log);
    resumed.seek(missing);
    Reader again(resumed);
    CHECK(texts(again.take()) == line_texts(1, 2));
  }
}

TEST_CASE("followed file resumes in a rotated sibling, then reads the newer ones",
          "[connectors][followed_file]") {
  TempDir dir;
  core::Log log("capture file", true);
  std::string path = dir.file("x.log");
  write_whole_file(path, test::numbered_lines(1, 6));
  FollowPos pos;
  {
    FollowedFile first(path, k_max_line, log);
    first.seek(std::nullopt);
    Reader reader(first);
    CHECK(reader.take(4).size() == 4);
    pos = first.position();
  }
  CHECK(pos.consumed == 32);
  // An older unrelated sibling, then the rotation.
  write_whole_file(dir.file("x.log.2"), test::numbered_lines(500, 3));
  test::age_file(dir.file("x.log.2"), 300);
  REQUIRE(rename(path.c_str(), dir.file("x.log.1").c_str()) == 0);
  test::age_file(dir.file("x.log.1"), 200);
  write_whole_file(path, test::numbered_lines(100, 2));

  FollowedFile followed(path, k_max_line, log);
  followed.seek(pos);
  CHECK(followed.current_name() == dir.file("x.log.1"));
  CHECK(followed.position().consumed == pos.consumed);
  Reader reader(followed);
  std::vector<Got> got = reader.take();
  CHECK(texts(got) == line_texts(5, 2) + line_texts(100, 2));
  REQUIRE(got.size() == 4);
  CHECK(got[0].number == 5);
  CHECK(got[0].file == dir.file("x.log.1"));
  CHECK(got[2].number == 1);
  CHECK(got[2].file == path);
  CHECK(reader.consumed() == 48 + 20);
}

TEST_CASE("followed file resumes in a compressed sibling, then reads the newer ones in order",
          "[connectors][followed_file]") {
  TempDir dir;
  core::Log log("capture file", true);
  std::string path = dir.file("x.log");
  std::string a = test::numbered_lines(1, 600);
  write_whole_file(path, a);
  FollowPos pos;
  {
    FollowedFile first(path, k_max_line, log);
    first.seek(std::nullopt);
    Reader reader(first);
    CHECK(reader.take(4).size() == 4);
    pos = first.position();
  }
  CHECK_FALSE(pos.file.frame);
  // x.log was rotated twice and compressed: x.log.2.zst (oldest), x.log.1, x.log.
  REQUIRE(remove(path.c_str()) == 0);
  write_whole_file(dir.file("x.log.2.zst"),
                   test::zstd_frames({a.substr(0, 3000), a.substr(3000)}));
  test::age_file(dir.file("x.log.2.zst"), 300);
  // Compressions sluice cannot read are left out.
  write_whole_file(dir.file("x.log.1.gz"), "not gzip, and never read\n");
  test::age_file(dir.file("x.log.1.gz"), 250);
  write_whole_file(dir.file("x.log.1"), test::numbered_lines(1000, 3));
  test::age_file(dir.file("x.log.1"), 200);
  write_whole_file(path, test::numbered_lines(2000, 2));

  FollowedFile followed(path, k_max_line, log);
  followed.seek(pos);
  CHECK(followed.current_name() == dir.file("x.log.2.zst"));
  Reader reader(followed);
  std::vector<Got> got = reader.take(500);
  CHECK(texts(got) == line_texts(5, 500));
  CHECK(got[0].number == 5);
  // A position inside the compressed file names its frame, and resumes there.
  FollowPos in_zst = followed.position();
  REQUIRE(in_zst.file.frame);
  CHECK(in_zst.file.frame->frame > 0);
  got = reader.take();
  CHECK(texts(got) == line_texts(505, 96) + line_texts(1000, 3) + line_texts(2000, 2));

  FollowedFile again(path, k_max_line, log);
  again.seek(in_zst);
  CHECK(again.current_name() == dir.file("x.log.2.zst"));
  Reader reader2(again);
  CHECK(texts(reader2.take()) == line_texts(505, 96) + line_texts(1000, 3) + line_texts(2000, 2));
  CHECK(reader2.consumed() == reader.consumed());
}

TEST_CASE("followed file skips a rotated sibling that vanished before it was read",
          "[connectors][followed_file]") {
  TempDir dir;
  core::Log log("capture file", true);
  std::string path = dir.file("x.log");
  write_whole_file(path, test::numbered_lines(1, 6));
  FollowPos pos;
  {
    FollowedFile first(path, k_max_line, log);
    first.seek(std::nullopt);
    Reader reader(first);
    reader.take(4);
    pos = first.position();
  }
  REQUIRE(rename(path.c_str(), dir.file("x.log.2").c_str()) == 0);
  test::age_file(dir.file("x.log.2"), 300);
  write_whole_file(dir.file("x.log.1"), test::numbered_lines(50, 2));
  test::age_file(dir.file("x.log.1"), 200);
  write_whole_file(path, test::numbered_lines(100, 2));
  FollowedFile followed(path, k_max_line, log);
  followed.seek(pos);
  REQUIRE(remove(dir.file("x.log.1").c_str()) == 0);
  Reader reader(followed);
  std::vector<Got> got;
  std::string err = test::captured_stderr([&] { got = reader.take(); });
  CHECK_THAT(err, Catch::Contains("vanished before it was read"));
  CHECK(texts(got) == line_texts(5, 2) + line_texts(100, 2));
}

TEST_CASE("followed file leaves out a compressed copy while its original is still there",
          "[connectors][followed_file]") {
  // zstd --rm x.log.2 writes x.log.2.zst, then removes x.log.2: in between, only
  // x.log.2 counts (the copy may be cut off, and reading both would double it).
  TempDir dir;
  core::Log log("capture file", true);
  std::string path = dir.file("x.log");
  // Past zstd's 128 KiB block: the cut-off copy holds whole blocks a reader can decode.
  write_whole_file(dir.file("x.log.2"), test::numbered_lines(1, 30000));
  test::age_file(dir.file("x.log.2"), 300);
  std::string partial = test::zstd_frame(test::numbered_lines(1, 30000));
  write_whole_file(dir.file("x.log.2.zst"), partial.substr(0, partial.size() * 3 / 4));
  write_whole_file(dir.file("x.log.1"), test::numbered_lines(50, 2));
  test::age_file(dir.file("x.log.1"), 200);
  write_whole_file(path, test::numbered_lines(100, 2));
  test::age_file(path, 100);
  FollowedFile followed(path, k_max_line, log);
  followed.seek_oldest();
  Reader reader(followed);
  CHECK(texts(reader.take()) == line_texts(1, 30000) + line_texts(50, 2) + line_texts(100, 2));
}

TEST_CASE("followed file reads the path from its start when the checkpointed file is gone",
          "[connectors][followed_file]") {
  TempDir dir;
  core::Log log("capture file", true);
  std::string path = dir.file("x.log");
  write_whole_file(path, test::numbered_lines(1, 6));
  FollowPos pos;
  {
    FollowedFile first(path, k_max_line, log);
    first.seek(std::nullopt);
    Reader reader(first);
    reader.take(4);
    pos = first.position();
  }
  REQUIRE(rename(path.c_str(), dir.file("elsewhere").c_str()) == 0);
  write_whole_file(path, test::numbered_lines(100, 2));
  FollowedFile followed(path, k_max_line, log);
  std::string err = test::captured_stderr([&] { followed.seek(pos); });
  CHECK_THAT(err, Catch::Contains("is gone"));
  Reader reader(followed);
  CHECK(reader.consumed() == pos.consumed);
  CHECK(texts(reader.take()) == line_texts(100, 2));
  CHECK(reader.consumed() == pos.consumed + 20);
}

TEST_CASE("followed file finds the checkpointed file while a rotation runs",
          "[connectors][followed_file]") {
  // Each round resumes while a rotation (x.log.1 -> x.log.2, x.log -> x.log.1, a new
  // x.log) runs, started a little later every round: wherever the checkpointed file
  // is by then, it is found, not reported gone, and a candidate renamed while it is
  // read is no error.
  core::Log log("capture file", true);
  for (int round = 0; round < 500; ++round) {
    TempDir dir;
    std::string path = dir.file("x.log");
    write_whole_file(dir.file("x.log.2"), test::numbered_lines(1, 600));
    test::age_file(dir.file("x.log.2"), 300);
    write_whole_file(dir.file("x.log.1"), test::numbered_lines(1000, 600));
    test::age_file(dir.file("x.log.1"), 200);
    write_whole_file(path, test::numbered_lines(2000, 600));
    test::age_file(path, 100);
    // The checkpoint: after 10 lines of x.log.1 or of x.log.
    int first = round % 2 == 0 ? 1000 : 2000;
    FollowPos pos;
    {
      FollowedFile before(first == 1000 ? dir.file("x.log.1") : path, k_max_line, log);
      before.seek(std::nullopt);
      Reader reader(before);
      REQUIRE(reader.take(10).size() == 10);
      pos = before.position();
    }
    std::atomic<bool> go{false};
    std::thread rotation([&] {
      while (!go) {
      }
      auto delay = std::chrono::microseconds(round / 2 % 50 * 6);
      auto until = std::chrono::steady_clock::now() + delay;
      while (std::chrono::steady_clock::now() < until) {
      }
      std::rename(dir.file("x.log.1").c_str(), dir.file("x.log.2").c_str());
      std::rename(path.c_str(), dir.file("x.log.1").c_str());
      write_whole_file(path, test::numbered_lines(3000, 5));
    });
    FollowedFile followed(path, k_max_line, log);
    std::string err;
    try {
      err = test::captured_stderr([&] {
        go = true;
        followed.seek(pos);
      });
    } catch (const core::Error& e) {
      err = e.what();
    }
    rotation.join();
    INFO("round " << round << ": " << err);
    REQUIRE(err.empty());
    Reader reader(followed);
    CHECK(texts(reader.take(1)) == line_texts(first + 10, 1));
  }
}

TEST_CASE("followed file reads the files found on resume when they are rotated again",
          "[connectors][followed_file]") {
  TempDir dir;
  core::Log log("capture file", true);
  std::string path = dir.file("x.log");
  write_whole_file(dir.file("x.log.1"), test::numbered_lines(1000, 600));
  test::age_file(dir.file("x.log.1"), 200);
  write_whole_file(path, test::numbered_lines(2000, 5));
  test::age_file(path, 100);
  FollowPos pos;
  {
    FollowedFile before(dir.file("x.log.1"), k_max_line, log);
    before.seek(std::nullopt);
    Reader reader(before);
    REQUIRE(reader.take(10).size() == 10);
    pos = before.position();
  }
  FollowedFile followed(path, k_max_line, log);
  followed.seek(pos);
  CHECK(followed.current_name() == dir.file("x.log.1"));
  // Rotated again before the rest of x.log.1 is read: x.log is x.log.1 now.
  REQUIRE(rename(dir.file("x.log.1").c_str(), dir.file("x.log.2").c_str()) == 0);
  REQUIRE(rename(path.c_str(), dir.file("x.log.1").c_str()) == 0);
  write_whole_file(path, test::numbered_lines(3000, 2));
  Reader reader(followed);
  CHECK(texts(reader.take()) == line_texts(1010, 590) + line_texts(2000, 5) + line_texts(3000, 2));
}

} // namespace
} // namespace sluice::connectors::file

namespace sluice::connectors::file {
namespace {

TEST_CASE("followed file orders siblings with equal mtimes by rotation number",
          "[connectors][followed_file]") {
  TempDir dir;
  core::Log log("capture file", true);
  std::string path = dir.file("x.log");
  write_whole_file(path, test::numbered_lines(1, 3));
  FollowPos pos;
  {
    FollowedFile first(path, k_max_line, log);
    first.seek(std::nullopt);
    Reader reader(first);
    CHECK(reader.take(2).size() == 2);
    pos = first.position();
  }
  // Rotated twice while stopped, within one second: same mtimes everywhere.
  REQUIRE(rename(path.c_str(), dir.file("x.log.2").c_str()) == 0);
  write_whole_file(dir.file("x.log.1"), test::numbered_lines(10, 2));
  write_whole_file(path, test::numbered_lines(20, 1));
  for (const char* name : {"x.log.2", "x.log.1", "x.log"}) {
    test::age_file(dir.file(name), 100);
  }
  FollowedFile followed(path, k_max_line, log);
  followed.seek(pos);
  Reader reader(followed);
  CHECK(texts(reader.take()) == line_texts(3, 1) + line_texts(10, 2) + line_texts(20, 1));
}

TEST_CASE("followed file resumes in a copy made by copytruncate", "[connectors][followed_file]") {
  TempDir dir;
  core::Log log("capture file", true);
  std::string path = dir.file("x.log");
  write_whole_file(path, test::numbered_lines(1, 4));
  FollowPos pos;
  {
    FollowedFile first(path, k_max_line, log);
    first.seek(std::nullopt);
    Reader reader(first);
    CHECK(reader.take(2).size() == 2);
    pos = first.position();
  }
  // copytruncate while stopped: a copy with a new inode, the original cut to zero.
  write_whole_file(dir.file("x.log.1"), test::numbered_lines(1, 4));
  test::age_file(dir.file("x.log.1"), 100);
  write_whole_file(path, test::numbered_lines(50, 1));
  FollowedFile followed(path, k_max_line, log);
  followed.seek(pos);
  CHECK(followed.current_name() == dir.file("x.log.1"));
  Reader reader(followed);
  CHECK(texts(reader.take()) == line_texts(3, 2) + line_texts(50, 1));
}

} // namespace
} // namespace sluice::connectors::file
