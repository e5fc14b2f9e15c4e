#include "connectors/file/dir_watch.hpp"

#include "core/error.hpp"
#include "file_test_support.hpp"

#include <catch2/catch.hpp>
#include <poll.h>
#include <string>

namespace sluice::connectors::file {
namespace {

using test::TempDir;

bool is_readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN) != 0;
}

TEST_CASE("dir watch becomes readable after an append in a watched directory",
          "[connectors][dir_watch]") {
  TempDir dir;
  std::string path = dir.file("x.log");
  test::write_whole_file(path, "{}\n");
  DirWatch watch;
  REQUIRE(watch.fd() >= 0);
  watch.watch_parent_of(path);
  watch.watch_parent_of(dir.file("y.log")); // the same directory again: no error
  CHECK_FALSE(is_readable(watch.fd(), 0));
  test::append_file(path, "{}\n");
  CHECK(is_readable(watch.fd(), 1000));
  watch.drain();
  CHECK_FALSE(is_readable(watch.fd(), 0));
  watch.drain(); // nothing pending: returns at once
}

TEST_CASE("dir watch sees files created, renamed and deleted", "[connectors][dir_watch]") {
  TempDir dir;
  DirWatch watch;
  watch.watch_parent_of(dir.file("x.log"));
  test::write_whole_file(dir.file("x.log"), "{}\n");
  CHECK(is_readable(watch.fd(), 1000));
  watch.drain();
  REQUIRE(rename(dir.file("x.log").c_str(), dir.file("x.log.1").c_str()) == 0);
  CHECK(is_readable(watch.fd(), 1000));
  watch.drain();
  REQUIRE(remove(dir.file("x.log.1").c_str()) == 0);
  CHECK(is_readable(watch.fd(), 1000));
  watch.drain();
  CHECK_FALSE(is_readable(watch.fd(), 0));
}

TEST_CASE("dir watch ignores other directories", "[connectors][dir_watch]") {
  TempDir watched;
  TempDir other;
  DirWatch watch;
  watch.watch_parent_of(watched.file("x.log"));
  test::write_whole_file(other.file("x.log"), "{}\n");
  CHECK_FALSE(is_readable(watch.fd(), 0));
}

TEST_CASE("dir watch of a missing directory is an io error", "[connectors][dir_watch]") {
  TempDir dir;
  DirWatch watch;
  try {
    watch.watch_parent_of(dir.file("missing/x.log"));
    FAIL("no error thrown");
  } catch (const core::Error& e) {
    CHECK(e.code() == core::ExitCode::io);
    CHECK_THAT(e.what(), Catch::Contains(dir.file("missing")));
  }
}

} // namespace
} // namespace sluice::connectors::file
