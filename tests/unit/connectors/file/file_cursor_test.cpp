#include "connectors/file/file_cursor.hpp"

#include "core/error.hpp"
#include "file_test_support.hpp"

#include <catch2/catch.hpp>
#include <climits>
#include <string>
#include <vector>

namespace sluice::connectors::file {
namespace {

using test::TempDir;
using test::write_whole_file;

constexpr uint64_t k_max_line = 1 << 20;

struct Got {
  std::string text;
  uint64_t number = 0;
  uint64_t end_offset = 0;
  core::ReadStatus status = core::ReadStatus::line;
};

// Up to `max` lines: until the end, or (following) until nothing more is there now.
std::vector<Got> take(FileCursor& cursor, size_t max = SIZE_MAX) {
  std::vector<Got> out;
  while (out.size() < max) {
    core::Line line;
    core::ReadStatus status = cursor.next(&line);
    if (status == core::ReadStatus::end) {
      break;
    }
    if (status == core::ReadStatus::need_more) {
      if (!cursor.fill() && !cursor.has_buffered_line()) {
        break;
      }
      continue;
    }
    out.push_back({std::string(line.text), line.number, line.end_offset, status});
  }
  return out;
}

std::string line_text(int n) { return fmt::format("{{\"n\":{}}}", n); }

// Offset after line n of numbered_lines(1, …).
uint64_t offset_after(int n) {
  uint64_t total = 0;
  for (int i = 1; i <= n; ++i) {
    total += line_text(i).size() + 1;
  }
  return total;
}

// A zstd file of numbered lines cut into frames of `chunk` content bytes (cutting lines).
std::string framed_lines(int count, size_t chunk, std::vector<uint64_t>* starts,
                         std::vector<uint64_t>* content_starts) {
  std::string content = test::numbered_lines(1, count);
  std::vector<std::string> chunks;
  for (size_t at = 0; at < content.size(); at += chunk) {
    content_starts->push_back(at);
    chunks.push_back(content.substr(at, chunk));
  }
  return test::zstd_frames(chunks, starts);
}

TEST_CASE("file cursor numbers lines and their offsets across reads", "[connectors][file_cursor]") {
  TempDir dir;
  SECTION("blank lines, CRLF and a last line without newline") {
    write_whole_file(dir.file("a.log"), "{\"a\":1}\n\n{\"a\":2}\r\n{\"a\":3}");
    FileCursor cursor(dir.file("a.log"), k_max_line, false);
    FilePos start = cursor.position();
    CHECK(start.offset == 0);
    CHECK(start.line == 0);
    CHECK_FALSE(start.frame);
    std::vector<Got> got = take(cursor);
    REQUIRE(got.size() == 3);
    CHECK(got[0].text == "{\"a\":1}");
    CHECK(got[0].number == 1);
    CHECK(got[0].end_offset == 8);
    CHECK(got[1].text == "{\"a\":2}");
    CHECK(got[1].number == 3);
    CHECK(got[1].end_offset == 18);
    CHECK(got[2].text == "{\"a\":3}");
    CHECK(got[2].number == 4);
    CHECK(got[2].end_offset == 25);
    FilePos end = cursor.position();
    CHECK(end.offset == 25);
    CHECK(end.line == 4);
    CHECK(end.identity == cursor.identity());
    CHECK_FALSE(cursor.compressed());
  }
  SECTION("a file larger than a read block") {
    int count = 150000;
    write_whole_file(dir.file("big.log"), test::numbered_lines(1, count));
    FileCursor cursor(dir.file("big.log"), k_max_line, false);
    std::vector<Got> got = take(cursor);
    REQUIRE(got.size() == static_cast<size_t>(count));
    uint64_t offset = 0;
    bool all_match = true;
    for (int i = 0; i < count; ++i) {
      offset += line_text(i + 1).size() + 1;
      all_match = all_match && got[i].number == static_cast<uint64_t>(i + 1) &&
                  got[i].end_offset == offset && got[i].text == line_text(i + 1);
    }
    CHECK(all_match);
    CHECK(cursor.position().offset == offset);
    CHECK(cursor.position().line == static_cast<uint64_t>(count));
  }
  SECTION("a line longer than the limit") {
    write_whole_file(dir.file("long.log"),
                     "{\"a\":1}\n{\"long\":\"" + std::string(100, 'x') + "\"}\n{\"a\":3}\n");
    FileCursor cursor(dir.file("long.log"), 50, false);
    std::vector<Got> got = take(cursor);
    REQUIRE(got.size() == 3);
    CHECK(got[1].status == core::ReadStatus::too_long);
    CHECK(got[1].number == 2);
    CHECK(got[1].end_offset == 8 + 112);
    CHECK(got[2].number == 3);
    CHECK(got[2].end_offset == 8 + 112 + 8);
  }
}

TEST_CASE("file positions survive a round trip through JSON", "[connectors][file_cursor]") {
  FilePos pos;
  pos.identity = {12, 4096, "0123456789abcdef"};
  pos.offset = 1234;
  pos.line = 56;
  pos.frame = FramePos{789, 10};
  std::string text;
  core::JsonWriter w(&text);
  w.begin_object();
  json::write_file_pos(w, pos);
  w.end_object();
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  REQUIRE_FALSE(parser.parse(text).get(o));
  FilePos back;
  REQUIRE(json::read_file_pos(o, &back));
  CHECK(back.identity == pos.identity);
  CHECK(back.offset == 1234);
  CHECK(back.line == 56);
  REQUIRE(back.frame);
  CHECK(back.frame->frame == 789);
  CHECK(back.frame->in_frame == 10);

  SECTION("identity and frame are optional") {
    simdjson::dom::object bare;
    REQUIRE_FALSE(parser.parse(std::string_view("{\"offset\":5}")).get(bare));
    FilePos p;
    REQUIRE(json::read_file_pos(bare, &p));
    CHECK(p.offset == 5);
    CHECK(p.line == 0);
    CHECK(p.identity.fp.empty());
    CHECK_FALSE(p.frame);
  }
  SECTION("a position without offset is refused") {
    simdjson::dom::object bad;
    REQUIRE_FALSE(parser.parse(std::string_view("{\"line\":5}")).get(bad));
    FilePos p;
    CHECK_FALSE(json::read_file_pos(bad, &p));
  }
}

TEST_CASE("file cursor seek to a stored position continues with the next line",
          "[connectors][file_cursor]") {
  TempDir dir;
  std::string path = dir.file("a.log");
  write_whole_file(path, test::numbered_lines(1, 20000));
  FileCursor first(path, k_max_line, false);
  REQUIRE(take(first, 12345).size() == 12345);
  FilePos pos = first.position();
  CHECK(pos.offset == offset_after(12345));
  CHECK(pos.line == 12345);

  FileCursor resumed(path, k_max_line, false);
  REQUIRE(resumed.seek(pos));
  CHECK(resumed.position().offset == pos.offset);
  CHECK(resumed.position().line == pos.line);
  std::vector<Got> got = take(resumed);
  REQUIRE(got.size() == 20000 - 12345);
  CHECK(got[0].text == line_text(12346));
  CHECK(got[0].number == 12346);
  CHECK(got[0].end_offset == offset_after(12346));
  CHECK(got.back().number == 20000);
  CHECK(resumed.position().offset == offset_after(20000));
}

TEST_CASE("file cursor seek into a zstd frame continues with the next line",
          "[connectors][file_cursor]") {
  TempDir dir;
  std::string path = dir.file("a.log.zst");
  std::vector<uint64_t> starts;
  std::vector<uint64_t> content_starts;
  std::string file = framed_lines(3000, 10000, &starts, &content_starts);
  REQUIRE(starts.size() >= 4);
  write_whole_file(path, file);

  FileCursor first(path, k_max_line, false);
  CHECK(first.compressed());
  REQUIRE(take(first, 2500).size() == 2500);
  FilePos pos = first.position();
  REQUIRE(pos.frame);
  // The frame holding the offset, and the content bytes from its start.
  size_t k = content_starts.size();
  while (content_starts[k - 1] >= pos.offset) {
    --k;
  }
  CHECK(pos.frame->frame == starts[k - 1]);
  CHECK(pos.frame->in_frame == pos.offset - content_starts[k - 1]);

  // A resume starts at that frame: damage an earlier frame (past the fingerprint).
  REQUIRE(k - 1 >= 2);
  REQUIRE(content_starts[1] >= k_fingerprint_bytes);
  std::string damaged = file;
  for (uint64_t i = starts[1] + 20; i < starts[2]; i += 3) {
    damaged[i] = static_cast<char>(damaged[i] ^ 0x33);
  }
  write_whole_file(path, damaged);

  FileCursor resumed(path, k_max_line, false);
  REQUIRE(resumed.seek(pos));
  CHECK(resumed.position().frame->frame == pos.frame->frame);
  CHECK(resumed.position().frame->in_frame == pos.frame->in_frame);
  std::vector<Got> got = take(resumed, 10);
  REQUIRE(got.size() == 10);
  CHECK(got[0].text == line_text(2501));
  CHECK(got[0].number == 2501);
  CHECK(got[0].end_offset == offset_after(2501));
  // Positions after the resume still name the right frames.
  FilePos later = resumed.position();
  REQUIRE(later.frame);
  CHECK(later.offset == offset_after(2510));
  size_t j = content_starts.size();
  while (content_starts[j - 1] >= later.offset) {
    --j;
  }
  CHECK(later.frame->frame == starts[j - 1]);
  CHECK(later.frame->in_frame == later.offset - content_starts[j - 1]);
  got = take(resumed);
  REQUIRE_FALSE(got.empty());
  CHECK(got.back().number == 3000);
}

TEST_CASE("file cursor refuses to seek into another file", "[connectors][file_cursor]") {
  TempDir dir;
  std::string path = dir.file("a.log");
  write_whole_file(path, test::numbered_lines(1, 1000));
  FileCursor first(path, k_max_line, false);
  take(first, 900);
  FilePos pos = first.position();

  SECTION("other first bytes") {
    write_whole_file(path, test::numbered_lines(2, 1000));
    FileCursor cursor(path, k_max_line, false);
    CHECK_FALSE(cursor.seek(pos));
    std::vector<Got> got = take(cursor, 1);
    REQUIRE(got.size() == 1);
    CHECK(got[0].text == line_text(2));
    CHECK(got[0].number == 1);
  }
  SECTION("another inode with the same content") {
    REQUIRE(rename(path.c_str(), dir.file("old").c_str()) == 0);
    write_whole_file(path, test::numbered_lines(1, 1000));
    FileCursor cursor(path, k_max_line, false);
    CHECK_FALSE(cursor.seek(pos));
    CHECK(take(cursor, 1)[0].number == 1);
  }
  SECTION("the same start, but shorter than the position") {
    REQUIRE(truncate(path.c_str(), static_cast<off_t>(pos.offset - 1)) == 0);
    FileCursor cursor(path, k_max_line, false);
    CHECK_FALSE(cursor.seek(pos));
    CHECK(take(cursor, 1)[0].number == 1);
  }
  SECTION("a zstd file shorter than the position") {
    write_whole_file(dir.file("b.zst"), test::zstd_frame(test::numbered_lines(1, 1000)));
    FileCursor zfirst(dir.file("b.zst"), k_max_line, false);
    take(zfirst, 999);
    FilePos zpos = zfirst.position();
    zpos.frame.reset();
    zpos.offset += 100;
    FileCursor cursor(dir.file("b.zst"), k_max_line, false);
    CHECK_FALSE(cursor.seek(zpos));
    CHECK(take(cursor, 1)[0].number == 1);
  }
}

TEST_CASE("file cursor refreshes the identity of a file first seen short",
          "[connectors][file_cursor]") {
  TempDir dir;
  std::string path = dir.file("a.log");
  write_whole_file(path, test::numbered_lines(1, 2));
  FileCursor cursor(path, k_max_line, true);
  CHECK(cursor.identity().fp_len == offset_after(2));
  REQUIRE(take(cursor).size() == 2);
  std::vector<FilePos> positions{cursor.position()};
  CHECK(positions[0].identity.fp_len == offset_after(2));

  test::append_file(path, test::numbered_lines(3, 998));
  for (int i = 0; i < 10; ++i) {
    take(cursor, 50);
    positions.push_back(cursor.position());
  }
  take(cursor);
  positions.push_back(cursor.position());
  bool compressed = true;
  CHECK(cursor.identity() == identify(path, k_fingerprint_bytes, &compressed));
  CHECK(positions.back().identity.fp_len == k_fingerprint_bytes);
  CHECK(positions[1].identity.fp_len > positions[0].identity.fp_len);
  CHECK(positions[1].identity.fp_len < k_fingerprint_bytes);

  for (const FilePos& pos : positions) {
    FileCursor resumed(path, k_max_line, false);
    REQUIRE(resumed.seek(pos));
    std::vector<Got> got = take(resumed, 1);
    if (pos.line == 1000) {
      CHECK(got.empty());
      continue;
    }
    REQUIRE(got.size() == 1);
    CHECK(got[0].number == pos.line + 1);
    CHECK(got[0].text == line_text(static_cast<int>(pos.line) + 1));
  }
}

TEST_CASE("file cursor following holds a last line until its newline",
          "[connectors][file_cursor]") {
  TempDir dir;
  std::string path = dir.file("a.log");
  write_whole_file(path, "{\"n\":1}\n{\"n\":");
  FileCursor cursor(path, k_max_line, true);
  std::vector<Got> got = take(cursor);
  REQUIRE(got.size() == 1);
  CHECK(cursor.position().offset == 8);
  test::append_file(path, "2}\n");
  got = take(cursor);
  REQUIRE(got.size() == 1);
  CHECK(got[0].text == "{\"n\":2}");
  CHECK(got[0].end_offset == 16);
  test::append_file(path, "{\"n\":3}");
  CHECK(take(cursor).empty());
  cursor.end_input();
  got = take(cursor);
  REQUIRE(got.size() == 1);
  CHECK(got[0].text == "{\"n\":3}");
  CHECK(got[0].end_offset == 23);
}

TEST_CASE("file cursor following a zstd file from its end reads frames appended later",
          "[connectors][file_cursor]") {
  TempDir dir;
  std::string path = dir.file("a.log");
  write_whole_file(path,
                   test::zstd_frames({test::numbered_lines(1, 5), test::numbered_lines(6, 5)}));
  FileCursor first(path, k_max_line, true);
  REQUIRE(take(first).size() == 10);
  FilePos pos = first.position();
  REQUIRE(pos.frame);

  FileCursor resumed(path, k_max_line, true);
  REQUIRE(resumed.seek(pos));
  test::append_file(path, test::zstd_frame(test::numbered_lines(11, 5)));
  std::vector<Got> got = take(resumed);
  REQUIRE(got.size() == 5);
  CHECK(got[0].text == line_text(11));
  CHECK(got[0].number == 11);
  CHECK(got[0].end_offset == offset_after(11));
  // The first cursor sees the new frame too.
  got = take(first);
  REQUIRE(got.size() == 5);
  CHECK(got[4].text == line_text(15));
}

TEST_CASE("file cursor of a missing file is an io error", "[connectors][file_cursor]") {
  TempDir dir;
  try {
    FileCursor cursor(dir.file("missing.log"), k_max_line, false);
    FAIL("no error thrown");
  } catch (const core::Error& e) {
    CHECK(e.code() == core::ExitCode::io);
  }
}

} // namespace
} // namespace sluice::connectors::file
