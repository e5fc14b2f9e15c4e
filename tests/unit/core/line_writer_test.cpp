#include "core/line_writer.hpp"

#include "core/error.hpp"
#include "core_test_support.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <poll.h>

namespace sluice::core {
namespace {

using test::Pipe;

bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, 0) > 0;
}

TEST_CASE("line writer holds lines until flush and then writes them all", "[core][line_writer]") {
  Pipe pipe;
  LineWriter out(pipe.write_end, "stdout");
  CHECK(out.fd() == pipe.write_end);
  CHECK(out.empty());
  out.write_line("{\"a\":1}");
  out.buffer().append("{\"b\":2}");
  out.end_line();
  CHECK_FALSE(out.empty());
  CHECK(out.written() == 0);
  CHECK_FALSE(readable(pipe.read_end));
  out.flush();
  CHECK(out.empty());
  CHECK(out.written() == 16);
  out.flush(); // nothing buffered: nothing written
  CHECK(out.written() == 16);
  pipe.close_write();
  CHECK(pipe.drain() == "{\"a\":1}\n{\"b\":2}\n");
}

TEST_CASE("line writer writes by itself once a megabyte is buffered", "[core][line_writer]") {
  Pipe pipe;
  std::string got;
  std::thread reader([&] { got = pipe.drain(); });
  const std::string line(1000, 'x');
  uint64_t lines = 0;
  {
    LineWriter out(pipe.write_end, "stdout");
    while (out.written() == 0) {
      out.write_line(line);
      ++lines;
      REQUIRE(lines < 2000);
    }
    CHECK(out.written() >= LineWriter::k_flush_size);
    out.flush();
    CHECK(out.written() == lines * 1001);
  }
  pipe.close_write();
  reader.join();
  CHECK(got.size() == lines * 1001);
}

TEST_CASE("line writer throws a broken pipe when the reader went away", "[core][line_writer]") {
  std::signal(SIGPIPE, SIG_IGN);
  Pipe pipe;
  LineWriter out(pipe.write_end, "stdout");
  out.write_line("{\"a\":1}");
  pipe.close_read();
  try {
    out.flush();
    FAIL("flush did not throw");
  } catch (const Error& e) {
    CHECK(e.is_broken_pipe());
  }
}

TEST_CASE("line writer to a bad descriptor throws an I/O error", "[core][line_writer]") {
  LineWriter out(-1, "stdout");
  out.write_line("x");
  try {
    out.flush();
    FAIL("flush did not throw");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::io);
    CHECK(std::string(e.what()).rfind("write stdout: ", 0) == 0);
  }
}

TEST_CASE("line writer final write sends what is buffered and the line", "[core][line_writer]") {
  Pipe pipe;
  LineWriter out(pipe.write_end, "stdout");
  out.write_line("{\"a\":1}");
  out.try_write_final("{\"$sluice\":{\"abort\":{}}}", 100);
  CHECK(out.empty());
  pipe.close_write();
  CHECK(pipe.drain() == "{\"a\":1}\n{\"$sluice\":{\"abort\":{}}}\n");
}

TEST_CASE("line writer final write never throws or blocks", "[core][line_writer]") {
  std::signal(SIGPIPE, SIG_IGN);
  {
    Pipe pipe;
    pipe.close_read();
    LineWriter out(pipe.write_end, "stdout");
    out.write_line("x");
    CHECK_NOTHROW(out.try_write_final("abort", 100));
  }
  {
    Pipe pipe;
    pipe.fill();
    LineWriter out(pipe.write_end, "stdout");
    auto started = std::chrono::steady_clock::now();
    CHECK_NOTHROW(out.try_write_final("abort", 50));
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
  }
  {
    LineWriter out(-1, "stdout");
    CHECK_NOTHROW(out.try_write_final("abort", 10));
  }
}

} // namespace
} // namespace sluice::core
