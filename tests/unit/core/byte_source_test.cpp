#include "core/byte_source.hpp"

#include "core/error.hpp"
#include "core_test_support.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <unistd.h>

namespace sluice::core {
namespace {

using test::Interrupter;
using test::Pipe;
using test::SignalReset;

TEST_CASE("byte source reads a pipe until its end", "[core][byte_source]") {
  Pipe pipe;
  FdSource source(pipe.read_end, "stdin");
  CHECK(source.poll_fd() == pipe.read_end);
  REQUIRE(::write(pipe.write_end, "abc", 3) == 3);
  char buf[16];
  CHECK(source.read(buf, sizeof buf) == 3);
  CHECK(std::string(buf, 3) == "abc");
  pipe.close_write();
  CHECK(source.read(buf, sizeof buf) == 0);
}

TEST_CASE("byte source read error is an I/O error naming the source", "[core][byte_source]") {
  FdSource source(-1, "stdin");
  char buf[4];
  try {
    source.read(buf, sizeof buf);
    FAIL("read did not throw");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::io);
    CHECK(std::string(e.what()) == "read stdin: Bad file descriptor");
  }
}

TEST_CASE("byte source test double reports -1 for polling", "[core][byte_source]") {
  test::ChunkSource source("abc", 2);
  CHECK(source.poll_fd() == -1);
}

TEST_CASE("byte source blocked read exits at once after a second signal", "[core][byte_source]") {
  SignalReset reset;
  Pipe pipe;
  FdSource source(pipe.read_end, "stdin");
  signals::raise_for_test(SIGINT);
  signals::raise_for_test(SIGINT);
  Interrupter interrupter;
  char buf[4];
  try {
    source.read(buf, sizeof buf);
    FAIL("read did not throw");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::interrupted);
  }
}

TEST_CASE("byte source blocked read goes on after one signal", "[core][byte_source]") {
  SignalReset reset;
  Pipe pipe;
  FdSource source(pipe.read_end, "stdin");
  signals::raise_for_test(SIGTERM);
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    REQUIRE(::write(pipe.write_end, "late", 4) == 4);
  });
  char buf[8];
  size_t n = 0;
  {
    Interrupter interrupter;
    n = source.read(buf, sizeof buf);
  }
  writer.join();
  CHECK(std::string(buf, n) == "late");
}

TEST_CASE("byte source enlarges a pipe and leaves other files alone", "[core][byte_source]") {
  Pipe pipe;
  int before = fcntl(pipe.write_end, F_GETPIPE_SZ);
  enlarge_pipe(pipe.write_end);
  int after = fcntl(pipe.write_end, F_GETPIPE_SZ);
  CHECK(after >= before);
  CHECK(after >= 256 << 10);
  int fd = ::open("/dev/null", O_RDONLY);
  CHECK_NOTHROW(enlarge_pipe(fd));
  ::close(fd);
  CHECK_NOTHROW(enlarge_pipe(-1));
}

} // namespace
} // namespace sluice::core
