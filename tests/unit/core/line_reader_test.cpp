#include "core/line_reader.hpp"

#include "core/error.hpp"
#include "core_test_support.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace sluice::core {
namespace {

using test::ChunkSource;
using test::GeneratedSource;

struct Got {
  ReadStatus status;
  std::string text;
  uint64_t number;
  uint64_t end_offset;
  bool operator==(const Got&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Got& g) {
  return os << "{" << (g.status == ReadStatus::too_long ? "too_long " : "") << '"' << g.text
            << "\" #" << g.number << " @" << g.end_offset << "}";
}

// Reads every line the way the stage runner does: next() until need_more, then fill().
// Checks on the way that every returned line is readable with simdjson's padding.
std::vector<Got> read_all(LineReader& reader, size_t max_prefix = 64) {
  std::vector<Got> out;
  for (int guard = 0; guard < 10000000; ++guard) {
    Line line;
    ReadStatus s = reader.next(&line);
    switch (s) {
    case ReadStatus::line:
      REQUIRE(line.capacity >= line.text.size() + simdjson::SIMDJSON_PADDING);
      out.push_back({s, std::string(line.text), line.number, line.end_offset});
      break;
    case ReadStatus::too_long:
      out.push_back(
          {s, std::string(line.text.substr(0, max_prefix)), line.number, line.end_offset});
      break;
    case ReadStatus::need_more: reader.fill(); break;
    case ReadStatus::end: return out;
    }
  }
  FAIL("the reader never reached the end");
  return out;
}

// Every class of input DESIGN §5 names for the splitter: a BOM on the first line,
// CRLF, blank and whitespace-only lines (skipped, counted), JSON and non-JSON lines,
// a line longer than the block size, and a last line without its newline.
const std::string k_mixed = "\xEF\xBB\xBF{\"a\":1}\r\n"
                            "\n"
                            "{\"b\":\"two\"}\n"
                            "   \t \n"
                            "\r\n"
                            "{\"c\":[1,2,3],\"long\":\"abcdefghijklmnopqrstuvwxyz\"}\r\n"
                            "not json at all\n"
                            "{\"e\":\"\xEF\xBB\xBF kept inside\"}\n"
                            "{\"last\":true}";

const std::vector<Got> k_mixed_lines = {
    {ReadStatus::line, "{\"a\":1}", 1, 12},
    {ReadStatus::line, "{\"b\":\"two\"}", 3, 25},
    {ReadStatus::line, "{\"c\":[1,2,3],\"long\":\"abcdefghijklmnopqrstuvwxyz\"}", 6, 84},
    {ReadStatus::line, "not json at all", 7, 100},
    {ReadStatus::line, "{\"e\":\"\xEF\xBB\xBF kept inside\"}", 8, 124},
    {ReadStatus::line, "{\"last\":true}", 9, 137},
};

TEST_CASE("line reader returns the same lines for every chunk size", "[core][line_reader]") {
  REQUIRE(k_mixed.size() == 137);
  for (size_t block : {size_t{1}, size_t{2}, size_t{3}, size_t{4}, size_t{8}, size_t{16},
                       LineReader::k_block_size}) {
    for (size_t k = 1; k <= k_mixed.size(); ++k) {
      CAPTURE(block, k);
      ChunkSource source(k_mixed, k);
      LineReader reader(source, 1 << 20, block);
      CHECK(read_all(reader) == k_mixed_lines);
      CHECK(reader.offset() == k_mixed.size());
    }
  }
}

TEST_CASE("line reader returns the same lines for a split at every position",
          "[core][line_reader]") {
  for (size_t block : {size_t{4}, size_t{8}, size_t{64}}) {
    for (size_t cut = 0; cut <= k_mixed.size(); ++cut) {
      CAPTURE(block, cut);
      ChunkSource source(k_mixed, std::vector<size_t>{cut});
      LineReader reader(source, 1 << 20, block);
      CHECK(read_all(reader) == k_mixed_lines);
    }
  }
}

TEST_CASE("line reader hands out lines simdjson can parse in place", "[core][line_reader]") {
  std::string input;
  for (int i = 0; i < 200; ++i) {
    input += "{\"i\":" + std::to_string(i) + ",\"pad\":\"" + std::string(i % 37, 'x') + "\"}\n";
  }
  for (size_t k : {size_t{1}, size_t{7}, size_t{100}, input.size()}) {
    CAPTURE(k);
    ChunkSource source(input, k);
    LineReader reader(source, 1 << 20, 16);
    simdjson::ondemand::parser parser;
    int expected = 0;
    for (;;) {
      Line line;
      ReadStatus s = reader.next(&line);
      if (s == ReadStatus::need_more) {
        reader.fill();
        continue;
      }
      if (s == ReadStatus::end) {
        break;
      }
      REQUIRE(s == ReadStatus::line);
      REQUIRE(line.padded().padding() >= simdjson::SIMDJSON_PADDING);
      simdjson::ondemand::document doc;
      REQUIRE(parser.iterate(line.padded()).get(doc) == simdjson::SUCCESS);
      int64_t i = -1;
      REQUIRE(doc["i"].get_int64().get(i) == simdjson::SUCCESS);
      CHECK(i == expected++);
      CHECK(line.number == static_cast<uint64_t>(i) + 1);
    }
    CHECK(expected == 200);
  }
}

TEST_CASE("line reader drops a BOM on the first line only", "[core][line_reader]") {
  ChunkSource source("\xEF\xBB\xBF{}\n\xEF\xBB\xBF{}\n", 3);
  LineReader reader(source, 1024, 8);
  auto got = read_all(reader);
  REQUIRE(got.size() == 2);
  CHECK(got[0].text == "{}");
  CHECK(got[1].text == "\xEF\xBB\xBF{}");
}

TEST_CASE("line reader does not drop a BOM after a blank first line", "[core][line_reader]") {
  ChunkSource source("\n\xEF\xBB\xBF{}\n", 100);
  LineReader reader(source, 1024);
  auto got = read_all(reader);
  REQUIRE(got.size() == 1);
  CHECK(got[0].text == "\xEF\xBB\xBF{}");
  CHECK(got[0].number == 2);
}

TEST_CASE("line reader skips blank lines but counts them", "[core][line_reader]") {
  ChunkSource source("\n\n{\"a\":1}\n \n\t\n\r\n{\"b\":2}\n\n", 5);
  LineReader reader(source, 1024, 8);
  auto got = read_all(reader);
  REQUIRE(got.size() == 2);
  CHECK(got[0].number == 3);
  CHECK(got[1].number == 7);
  CHECK(reader.offset() == 25);
}

TEST_CASE("line reader reads CRLF as LF and keeps a lone CR inside a line", "[core][line_reader]") {
  ChunkSource source("{\"a\":1}\r\n{\"b\":\"x\ry\"}\r\n\r", 4);
  LineReader reader(source, 1024, 8);
  auto got = read_all(reader);
  REQUIRE(got.size() == 2);
  CHECK(got[0].text == "{\"a\":1}");
  CHECK(got[1].text == "{\"b\":\"x\ry\"}");
}

TEST_CASE("line reader returns a last line with and without its newline", "[core][line_reader]") {
  for (std::string tail : {"", "\n", "\r\n"}) {
    CAPTURE(tail);
    std::string input = "{\"a\":1}\n{\"b\":2}" + tail;
    ChunkSource source(input, 3);
    LineReader reader(source, 1024, 4);
    auto got = read_all(reader);
    REQUIRE(got.size() == 2);
    CHECK(got[1].text == "{\"b\":2}");
    CHECK(got[1].number == 2);
    CHECK(got[1].end_offset == input.size());
  }
}

TEST_CASE("line reader keeps NUL bytes inside a line", "[core][line_reader]") {
  std::string input("{\"a\":\"\0\"}\n\0\n", 12);
  ChunkSource source(input, 2);
  LineReader reader(source, 1024, 4);
  auto got = read_all(reader);
  REQUIRE(got.size() == 2);
  CHECK(got[0].text == std::string("{\"a\":\"\0\"}", 9));
  CHECK(got[1].text == std::string("\0", 1));
}

TEST_CASE("line reader returns a cut-off last value as a line", "[core][line_reader]") {
  ChunkSource source("{\"a\":1}\n{\"b\":[1,2", 3);
  LineReader reader(source, 1024, 4);
  auto got = read_all(reader);
  REQUIRE(got.size() == 2);
  CHECK(got[1].text == "{\"b\":[1,2");
}

TEST_CASE("line reader of an empty source returns the end at once", "[core][line_reader]") {
  ChunkSource source("", 1);
  LineReader reader(source, 1024);
  Line line;
  CHECK(reader.next(&line) == ReadStatus::need_more);
  CHECK_FALSE(reader.has_buffered_line());
  CHECK_FALSE(reader.fill());
  CHECK(reader.has_buffered_line());
  CHECK(reader.next(&line) == ReadStatus::end);
  CHECK_FALSE(reader.fill());
  CHECK(reader.next(&line) == ReadStatus::end);
}

TEST_CASE("line reader says whether a line is buffered without reading", "[core][line_reader]") {
  ChunkSource source("{\"a\":1}\n{\"b\"", 100);
  LineReader reader(source, 1024);
  CHECK_FALSE(reader.has_buffered_line());
  REQUIRE(reader.fill());
  CHECK(reader.has_buffered_line());
  Line line;
  REQUIRE(reader.next(&line) == ReadStatus::line);
  CHECK_FALSE(reader.has_buffered_line());
  CHECK(reader.next(&line) == ReadStatus::need_more);
  CHECK(source.reads() == 1);
}

// An over-long line, at every split: reported once, with its number, its end and a
// prefix that does not depend on how the reads fell; the next lines read normally.
TEST_CASE("line reader reports a line over the limit once at every split position",
          "[core][line_reader]") {
  const std::string long_line = "{\"x\":\"" + std::string(40, 'y') + "\"}";
  const std::string input = "{\"a\":1}\n" + long_line + "\r\n{\"b\":2}\n" + long_line;
  const uint64_t limit = 20;
  const std::vector<Got> expected = {
      {ReadStatus::line, "{\"a\":1}", 1, 8},
      {ReadStatus::too_long, long_line.substr(0, limit + 1), 2, 8 + long_line.size() + 2},
      {ReadStatus::line, "{\"b\":2}", 3, 18 + long_line.size()},
      {ReadStatus::too_long, long_line.substr(0, limit + 1), 4, input.size()},
  };
  for (size_t block : {size_t{4}, size_t{16}, size_t{1024}}) {
    for (size_t k = 1; k <= input.size(); ++k) {
      CAPTURE(block, k);
      ChunkSource source(input, k);
      LineReader reader(source, limit, block);
      CHECK(read_all(reader) == expected);
    }
    for (size_t cut = 0; cut <= input.size(); ++cut) {
      CAPTURE(block, cut);
      ChunkSource source(input, std::vector<size_t>{cut});
      LineReader reader(source, limit, block);
      CHECK(read_all(reader) == expected);
    }
  }
}

TEST_CASE("line reader accepts a line of exactly the limit", "[core][line_reader]") {
  std::string line(30, 'z');
  ChunkSource source(line + "\n" + line, 7);
  LineReader reader(source, 30, 4);
  auto got = read_all(reader);
  REQUIRE(got.size() == 2);
  CHECK(got[0].status == ReadStatus::line);
  CHECK(got[1].status == ReadStatus::line);
}

TEST_CASE("line reader throws what its source throws", "[core][line_reader]") {
  struct Failing : ByteSource {
    size_t read(char*, size_t) override { throw Error(ExitCode::io, "read test: broken"); }
  } source;
  LineReader reader(source, 1024);
  try {
    reader.fill();
    FAIL("fill did not throw");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::io);
  }
}

TEST_CASE("line reader accepts a 100 MB line under the default limit", "[core][line_reader]") {
  const uint64_t size = 100ull << 20;
  GeneratedSource source("{\"a\":1}\n{\"big\":\"", 'x', size, "\"}\n{\"after\":1}\n");
  LineReader reader(source, 256ull << 20);
  std::vector<Got> got;
  uint64_t big_size = 0;
  for (;;) {
    Line line;
    ReadStatus s = reader.next(&line);
    if (s == ReadStatus::need_more) {
      reader.fill();
      continue;
    }
    if (s == ReadStatus::end) {
      break;
    }
    REQUIRE(s == ReadStatus::line);
    if (line.text.size() > 1000) {
      big_size = line.text.size();
      CHECK(line.text.substr(0, 8) == "{\"big\":\"");
      CHECK(line.text.substr(line.text.size() - 3) == "x\"}");
      CHECK(line.capacity >= line.text.size() + simdjson::SIMDJSON_PADDING);
      got.push_back({s, "big", line.number, line.end_offset});
    } else {
      got.push_back({s, std::string(line.text), line.number, line.end_offset});
    }
  }
  CHECK(big_size == size + 10);
  const std::vector<Got> expected = {{ReadStatus::line, "{\"a\":1}", 1, 8},
                                     {ReadStatus::line, "big", 2, 8 + size + 11},
                                     {ReadStatus::line, "{\"after\":1}", 3, 8 + size + 23}};
  CHECK(got == expected);
}

TEST_CASE("line reader reports a 100 MB line over a small limit without buffering it",
          "[core][line_reader]") {
  const uint64_t size = 100ull << 20;
  const uint64_t limit = 1 << 20;
  GeneratedSource source("{\"a\":1}\n{\"big\":\"", 'x', size, "\"}\n{\"after\":1}\n{\"z\":2}");
  LineReader reader(source, limit, 64 << 10);
  std::vector<Got> got;
  for (;;) {
    Line line;
    ReadStatus s = reader.next(&line);
    if (s == ReadStatus::need_more) {
      reader.fill();
      continue;
    }
    if (s == ReadStatus::end) {
      break;
    }
    if (s == ReadStatus::too_long) {
      CHECK(line.text.size() == LineReader::k_too_long_prefix);
      CHECK(line.text.substr(0, 9) == "{\"big\":\"x");
    } else {
      // The buffer never grew to hold the long line: it stays near the limit.
      CHECK(line.capacity <= 2 * limit + simdjson::SIMDJSON_PADDING);
    }
    got.push_back({s, std::string(line.text.substr(0, 11)), line.number, line.end_offset});
  }
  const std::vector<Got> expected = {{ReadStatus::line, "{\"a\":1}", 1, 8},
                                     {ReadStatus::too_long, "{\"big\":\"xxx", 2, 8 + size + 11},
                                     {ReadStatus::line, "{\"after\":1}", 3, 8 + size + 23},
                                     {ReadStatus::line, "{\"z\":2}", 4, 8 + size + 30}};
  CHECK(got == expected);
}

} // namespace
} // namespace sluice::core
