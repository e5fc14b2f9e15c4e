#include "core/fd.hpp"

#include "core/error.hpp"
#include "core_test_support.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sluice::core {
namespace {

using test::Interrupter;
using test::Pipe;
using test::SignalReset;
using test::TempDir;

bool is_open(int fd) {
  return fcntl(fd, F_GETFD) != -1;
}

TEST_CASE("fd closes what it owns on destruction", "[core][fd]") {
  int raw = -1;
  {
    Fd fd(::open("/dev/null", O_RDONLY));
    raw = fd.get();
    REQUIRE(fd.valid());
    CHECK(is_open(raw));
  }
  CHECK_FALSE(is_open(raw));
}

TEST_CASE("fd moves ownership and releases it", "[core][fd]") {
  Fd a(::open("/dev/null", O_RDONLY));
  int raw = a.get();
  Fd b(std::move(a));
  CHECK_FALSE(a.valid());
  CHECK(b.get() == raw);
  Fd c;
  CHECK_FALSE(c.valid());
  c = std::move(b);
  CHECK(c.get() == raw);
  CHECK(is_open(raw));
  Fd d(::open("/dev/null", O_RDONLY));
  int other = d.get();
  d = std::move(c); // closes what d held
  CHECK_FALSE(is_open(other));
  CHECK(d.get() == raw);
  int released = d.release();
  CHECK(released == raw);
  CHECK_FALSE(d.valid());
  CHECK(is_open(raw));
  ::close(released);
}

TEST_CASE("fd close closes once and then does nothing", "[core][fd]") {
  Fd fd(::open("/dev/null", O_RDONLY));
  int raw = fd.get();
  fd.close("/dev/null");
  CHECK_FALSE(fd.valid());
  CHECK_FALSE(is_open(raw));
  CHECK_NOTHROW(fd.close("/dev/null"));
}

TEST_CASE("fd open_file sets close-on-exec and names a missing path", "[core][fd]") {
  TempDir dir;
  Fd fd = open_file(dir.file("a"), O_WRONLY | O_CREAT);
  CHECK((fcntl(fd.get(), F_GETFD) & FD_CLOEXEC) != 0);
  struct stat st;
  REQUIRE(fstat(fd.get(), &st) == 0);
  mode_t mask = umask(0);
  umask(mask);
  CHECK((st.st_mode & 0777) == (0644 & ~mask));
  try {
    open_file(dir.file("missing/b"), O_RDONLY);
    FAIL("open_file did not throw");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::io);
    CHECK(std::string(e.what()) == "open " + dir.file("missing/b") + ": No such file or directory");
  }
}

TEST_CASE("fd write_all writes every byte through a pipe", "[core][fd]") {
  Pipe pipe;
  std::string data(200000, 'x');
  std::string got;
  std::thread reader([&] {
    char buf[4096];
    ssize_t n;
    while ((n = ::read(pipe.read_end, buf, sizeof buf)) > 0) {
      got.append(buf, static_cast<size_t>(n));
    }
  });
  write_all(pipe.write_end, data.data(), data.size(), "pipe");
  pipe.close_write();
  reader.join();
  CHECK(got == data);
}

TEST_CASE("fd write_all to a closed pipe throws a broken pipe", "[core][fd]") {
  std::signal(SIGPIPE, SIG_IGN);
  Pipe pipe;
  pipe.close_read();
  try {
    write_all(pipe.write_end, "x\n", 2, "stdout");
    FAIL("write_all did not throw");
  } catch (const Error& e) {
    CHECK(e.is_broken_pipe());
  }
}

TEST_CASE("fd write_all to a bad descriptor throws an I/O error naming it", "[core][fd]") {
  try {
    write_all(-1, "x", 1, "stdout");
    FAIL("write_all did not throw");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::io);
    CHECK_FALSE(e.is_broken_pipe());
    CHECK(std::string(e.what()).rfind("write stdout: ", 0) == 0);
  }
}

TEST_CASE("fd write_all blocked on a full pipe exits at once after a second signal", "[core][fd]") {
  SignalReset reset;
  Pipe pipe;
  pipe.fill();
  signals::raise_for_test(SIGTERM);
  signals::raise_for_test(SIGTERM);
  Interrupter interrupter;
  try {
    write_all(pipe.write_end, "x", 1, "stdout");
    FAIL("write_all did not throw");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::terminated);
  }
}

TEST_CASE("fd write_all blocked on a full pipe goes on after one signal", "[core][fd]") {
  SignalReset reset;
  Pipe pipe;
  pipe.fill();
  signals::raise_for_test(SIGINT);
  std::thread reader([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    char buf[65536];
    while (::read(pipe.read_end, buf, sizeof buf) > 0) {
    }
  });
  {
    Interrupter interrupter;
    CHECK_NOTHROW(write_all(pipe.write_end, "xyz", 3, "stdout"));
  }
  pipe.close_write();
  reader.join();
}

TEST_CASE("fd fsync works on files and directories and fails on a pipe", "[core][fd]") {
  TempDir dir;
  Fd fd = open_file(dir.file("a"), O_WRONLY | O_CREAT);
  write_all(fd.get(), "abc", 3, "a");
  CHECK_NOTHROW(fsync_fd(fd.get(), "a"));
  CHECK_NOTHROW(fsync_parent_dir(dir.file("a")));
  CHECK_NOTHROW(fsync_parent_dir("relative-name"));
  CHECK_NOTHROW(fsync_parent_dir("/top-level-name"));
  Pipe pipe;
  try {
    fsync_fd(pipe.write_end, "pipe");
    FAIL("fsync of a pipe did not throw");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::io);
    CHECK(std::string(e.what()).rfind("fsync pipe: ", 0) == 0);
  }
  CHECK_THROWS_AS(fsync_parent_dir(dir.file("missing/a")), Error);
}

} // namespace
} // namespace sluice::core
