#include "core/log.hpp"

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
