#include "core/error_policy.hpp"

#include "core/error.hpp"
#include "core_test_support.hpp"

#include <catch2/catch.hpp>
#include <openssl/evp.h>
#include <simdjson.h>

namespace sluice::core {
namespace {

using test::TempDir;

std::string unbase64(std::string_view text) {
  std::string out(text.size(), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  REQUIRE(n >= 0);
  // EVP_DecodeBlock counts the padding bytes as data.
  size_t pad = 0;
  for (size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) {
    ++pad;
  }
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

struct DeadLetter {
  std::string source;
  uint64_t line = 0;
  std::string reason;
  std::optional<std::string> raw;
  std::optional<std::string> raw_base64;
};

std::vector<DeadLetter> read_dead_letters(const std::string& path) {
  std::vector<DeadLetter> out;
  simdjson::dom::parser parser;
  for (const auto& text : test::split_lines(test::read_whole_file(path))) {
    INFO(text);
    simdjson::dom::object o;
    REQUIRE(parser.parse(text).get(o) == simdjson::SUCCESS);
    DeadLetter d;
    std::string_view s;
    REQUIRE(o["source"].get(s) == simdjson::SUCCESS);
    d.source = s;
    REQUIRE(o["line"].get(d.line) == simdjson::SUCCESS);
    REQUIRE(o["reason"].get(s) == simdjson::SUCCESS);
    d.reason = s;
    if (o["raw"].get(s) == simdjson::SUCCESS) {
      d.raw = std::string(s);
    }
    if (o["raw_base64"].get(s) == simdjson::SUCCESS) {
      d.raw_base64 = std::string(s);
    }
    out.push_back(d);
  }
  return out;
}

TEST_CASE("error policy parses fail skip and dead-letter", "[core][error_policy]") {
  ErrorPolicy p;
  std::string why;
  REQUIRE(ErrorPolicy::parse("skip", &p, &why));
  CHECK(p.mode == ErrorPolicy::Mode::skip);
  REQUIRE(ErrorPolicy::parse("fail", &p, &why));
  CHECK(p.mode == ErrorPolicy::Mode::fail);
  REQUIRE(ErrorPolicy::parse("dead-letter:bad/lines.ndjson", &p, &why));
  CHECK(p.mode == ErrorPolicy::Mode::dead_letter);
  CHECK(p.dead_letter_path == "bad/lines.ndjson");
  CHECK(ErrorPolicy{}.mode == ErrorPolicy::Mode::fail);
  for (std::string_view bad : {"", "dead-letter:", "dead-letter", "Skip", "ignore", "fail "}) {
    CAPTURE(bad);
    ErrorPolicy q;
    why.clear();
    CHECK_FALSE(ErrorPolicy::parse(bad, &q, &why));
    CHECK(why.find("invalid --on-error") != std::string::npos);
  }
}

TEST_CASE("error policy fail throws a data error with source line and reason",
          "[core][error_policy]") {
  Log log("transform", true);
  BadData bad(ErrorPolicy{}, log);
  try {
    bad.report("stdin", 8812, "{\"a\":", "incomplete object (cut off)");
    FAIL("report did not throw");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::data);
    CHECK(std::string(e.what()) == "stdin:8812: incomplete object (cut off)");
  }
  CHECK(bad.count() == 1);
}

TEST_CASE("error policy skip counts every bad line", "[core][error_policy]") {
  Log log("transform", true);
  ErrorPolicy policy;
  policy.mode = ErrorPolicy::Mode::skip;
  BadData bad(policy, log);
  for (uint64_t i = 1; i <= 8; ++i) {
    CHECK_NOTHROW(bad.report("in.ndjson", i, "x", "not a JSON object"));
  }
  CHECK(bad.count() == 8);
  CHECK_NOTHROW(bad.sync());
}

TEST_CASE("error policy dead-letter writes one object per bad line", "[core][error_policy]") {
  TempDir dir;
  Log log("capture", true);
  ErrorPolicy policy;
  std::string why;
  REQUIRE(ErrorPolicy::parse("dead-letter:" + dir.file("dead.ndjson"), &policy, &why));
  {
    BadData bad(policy, log);
    bad.report("stdin", 3, "{\"a\":1} x", "trailing content after the object");
    bad.report("orders.ndjson", 7, "line \"with\" quotes\tand\\ escapes", "not a JSON object");
    bad.report("stdin", 9, std::string("\xff\xfe{\0}", 5), "invalid UTF-8");
    bad.report("stdin", 10, "", "empty");
    CHECK(bad.count() == 4);
    CHECK_NOTHROW(bad.sync());
    CHECK_NOTHROW(bad.sync()); // nothing new: a no-op
  }
  auto got = read_dead_letters(dir.file("dead.ndjson"));
  REQUIRE(got.size() == 4);
  CHECK(got[0].source == "stdin");
  CHECK(got[0].line == 3);
  CHECK(got[0].reason == "trailing content after the object");
  CHECK(got[0].raw == std::optional<std::string>("{\"a\":1} x"));
  CHECK_FALSE(got[0].raw_base64);
  CHECK(got[1].source == "orders.ndjson");
  CHECK(got[1].line == 7);
  CHECK(got[1].raw == std::optional<std::string>("line \"with\" quotes\tand\\ escapes"));
  CHECK_FALSE(got[2].raw);
  REQUIRE(got[2].raw_base64);
  CHECK(unbase64(*got[2].raw_base64) == std::string("\xff\xfe{\0}", 5));
  CHECK(got[3].raw == std::optional<std::string>(""));
}

TEST_CASE("error policy dead-letter appends to an existing file", "[core][error_policy]") {
  TempDir dir;
  Log log("capture", true);
  test::write_whole_file(dir.file("dead.ndjson"), "{\"old\":1}\n");
  ErrorPolicy policy;
  policy.mode = ErrorPolicy::Mode::dead_letter;
  policy.dead_letter_path = dir.file("dead.ndjson");
  BadData bad(policy, log);
  bad.report("stdin", 1, "x", "why");
  bad.sync();
  auto lines = test::split_lines(test::read_whole_file(dir.file("dead.ndjson")));
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "{\"old\":1}");
  CHECK(lines[1] == R"({"source":"stdin","line":1,"reason":"why","raw":"x"})");
}

TEST_CASE("error policy dead-letter file that cannot be opened is an I/O error",
          "[core][error_policy]") {
  TempDir dir;
  Log log("capture", true);
  ErrorPolicy policy;
  policy.mode = ErrorPolicy::Mode::dead_letter;
  policy.dead_letter_path = dir.file("missing/dead.ndjson");
  try {
    BadData bad(policy, log);
    FAIL("BadData did not throw");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::io);
    CHECK(std::string(e.what()).find(dir.file("missing/dead.ndjson")) != std::string::npos);
  }
}

} // namespace
} // namespace sluice::core
