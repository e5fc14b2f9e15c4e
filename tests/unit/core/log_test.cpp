#include "core/log.hpp"
#include "core/json_writer.hpp"

#include "core_test_support.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

namespace sluice::core {
namespace {

// Runs f with stderr sent to a temp file and returns what it printed.
template <class F> std::string captured_stderr(F&& f) {
  test::TempDir dir;
  std::string path = dir.file("stderr");
  std::fflush(stderr);
  int saved = dup(2);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  dup2(fd, 2);
  ::close(fd);
  f();
  std::fflush(stderr);
  dup2(saved, 2);
  ::close(saved);
  return test::read_whole_file(path);
}

TEST_CASE("log prefixes every message with the stage", "[core][log]") {
  Log log("transform", false);
  CHECK(log.stage() == "transform");
  CHECK_FALSE(log.quiet());
  std::string out = captured_stderr([&] {
    log.info("{} events", 12);
    log.warn("line {}: {}", 3, "odd");
    log.error("gone");
  });
  CHECK(out == "sluice transform: 12 events\n"
               "sluice transform: warning: line 3: odd\n"
               "sluice transform: error: gone\n");
}

TEST_CASE("log quiet silences info but not warnings or errors", "[core][log]") {
  Log log("sink", true);
  CHECK(log.quiet());
  std::string out = captured_stderr([&] {
    log.info("hidden");
    log.warn("shown");
    log.error("shown too");
  });
  CHECK(out == "sluice sink: warning: shown\nsluice sink: error: shown too\n");
}

} // namespace
} // namespace sluice::core

namespace sluice::core {
namespace {

// Restores the default format when a test that changes it ends.
struct FormatGuard {
  ~FormatGuard() { configure_log(LogFormat::text, false); }
};

TEST_CASE("log colours only the warning and error words when colour is on", "[core][log]") {
  FormatGuard guard;
  configure_log(LogFormat::text, true);
  Log log("sink", false);
  std::string out = captured_stderr([&] {
    log.info("plain");
    log.warn("odd");
    log.error("gone");
  });
  CHECK(out == "sluice sink: plain\n"
               "sluice sink: \033[33mwarning: \033[0modd\n"
               "sluice sink: \033[1;31merror: \033[0mgone\n");
}

TEST_CASE("log colour is off when stderr is not a terminal or NO_COLOR is set", "[core][log]") {
  // The tests run with stderr redirected or on a terminal: NO_COLOR wins either way.
  setenv("NO_COLOR", "1", 1);
  CHECK_FALSE(use_colour());
  unsetenv("NO_COLOR");
  std::string seen;
  captured_stderr([&] { seen = use_colour() ? "yes" : "no"; });
  CHECK(seen == "no");
}

TEST_CASE("log json writes one object per line with ts level stage msg and fields", "[core][log]") {
  FormatGuard guard;
  configure_log(LogFormat::json, true);
  CHECK(log_format() == LogFormat::json);
  Log log("sink file", false);
  std::string out = captured_stderr([&] {
    log.warn("line {}: \"{}\"", 3, "odd");
    log.summary("12 events", {{"events", uint64_t{12}}, {"seconds", 0.5}, {"target", "f.ndjson"}});
  });
  auto nl = out.find('\n');
  REQUIRE(nl != std::string::npos);
  std::string first = out.substr(0, nl);
  std::string second = out.substr(nl + 1);
  CHECK(first.rfind("{\"ts\":\"", 0) == 0);
  CHECK(first.find("Z\",\"level\":\"warning\",\"stage\":\"sink file\",\"msg\":\"line 3: \\\"odd\\\"\"}") !=
        std::string::npos);
  CHECK(second.find("\"level\":\"info\",\"stage\":\"sink file\",\"msg\":\"12 events\","
                    "\"events\":12,\"seconds\":0.5,\"target\":\"f.ndjson\"}\n") != std::string::npos);
  CHECK(out.find("\033[") == std::string::npos);
}

TEST_CASE("log json keeps invalid UTF-8 out of its output", "[core][log]") {
  FormatGuard guard;
  configure_log(LogFormat::json, false);
  std::string line = format_log_line("capture file", LogLevel::error, "bad \xff\xfe byte");
  CHECK(is_valid_utf8(line));
  CHECK(line.find("\"msg\":\"bad ?? byte\"") != std::string::npos);
}

TEST_CASE("log wipes the live line before a message and draws it again after", "[core][log]") {
  Log log("capture file", false);
  std::string out = captured_stderr([&] {
    set_live_line("12 events");
    log.info("hello");
    set_live_line("");
  });
  CHECK(out == "\r\033[K12 events\r\033[Ksluice capture file: hello\n12 events\r\033[K");
}

} // namespace
} // namespace sluice::core
