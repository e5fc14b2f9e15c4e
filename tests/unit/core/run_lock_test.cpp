#include "core/run_lock.hpp"

#include "core_test_support.hpp"

#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <unistd.h>

namespace sluice::core {
namespace {

using test::TempDir;

TEST_CASE("run lock exclusive is refused while a stage holds it shared", "[core][run_lock]") {
  TempDir dir;
  std::string path = dir.file("app.ckpt.run.lock");
  auto running = FlockFile::acquire(path, RunLock::shared);
  REQUIRE(running);
  CHECK_FALSE(FlockFile::acquire(path, RunLock::exclusive));
  running.reset();
  CHECK(FlockFile::acquire(path, RunLock::exclusive));
}

TEST_CASE("run lock is shared by every running stage", "[core][run_lock]") {
  TempDir dir;
  std::string path = dir.file("lock");
  auto capture = FlockFile::acquire(path, RunLock::shared);
  auto sink = FlockFile::acquire(path, RunLock::shared);
  CHECK(capture);
  CHECK(sink);
}

TEST_CASE("run lock exclusive is refused to a second tool", "[core][run_lock]") {
  TempDir dir;
  std::string path = dir.file("lock");
  auto tool = FlockFile::acquire(path, RunLock::exclusive);
  REQUIRE(tool);
  CHECK_FALSE(FlockFile::acquire(path, RunLock::exclusive));
}

TEST_CASE("run lock held by a killed process is free again", "[core][run_lock]") {
  TempDir dir;
  std::string path = dir.file("lock");
  int ready[2];
  REQUIRE(pipe(ready) == 0);
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    auto held = FlockFile::acquire(path, RunLock::shared);
    char c = 'x';
    (void)!write(ready[1], &c, 1);
    pause();
    _exit(0);
  }
  char c = 0;
  REQUIRE(read(ready[0], &c, 1) == 1);
  CHECK_FALSE(FlockFile::acquire(path, RunLock::exclusive));
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  close(ready[0]);
  close(ready[1]);
  CHECK(FlockFile::acquire(path, RunLock::exclusive));
}

TEST_CASE("run lock creates the directory of its lock file", "[core][run_lock]") {
  TempDir dir;
  auto lock = FlockFile::acquire(dir.file("state/deep/app.ckpt.run.lock"), RunLock::shared);
  REQUIRE(lock);
  CHECK(lock->path() == dir.file("state/deep/app.ckpt.run.lock"));
}

} // namespace
} // namespace sluice::core
