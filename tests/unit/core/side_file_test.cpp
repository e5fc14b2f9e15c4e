#include "core/side_file.hpp"

#include "core_test_support.hpp"

#include <catch2/catch.hpp>

namespace sluice::core {
namespace {

using test::TempDir;

TEST_CASE("side file appends lines and writes them at sync", "[core][side_file]") {
  TempDir dir;
  test::write_whole_file(dir.file("dups"), "old\n");
  SideFile f(dir.file("dups"));
  CHECK(f.size() == 4);
  f.write_line("{\"a\":1}");
  f.write_line("{\"a\":2}");
  CHECK(f.size() == 4 + 16);
  CHECK(test::read_whole_file(dir.file("dups")) == "old\n"); // buffered until sync
  f.sync();
  CHECK(test::read_whole_file(dir.file("dups")) == "old\n{\"a\":1}\n{\"a\":2}\n");
  CHECK(f.absolute_path() == dir.file("dups"));
}

TEST_CASE("side file truncates back to a recorded size and drops buffered lines",
          "[core][side_file]") {
  TempDir dir;
  SideFile f(dir.file("dups"));
  f.write_line("one");
  f.sync();
  uint64_t at_barrier = f.size();
  f.write_line("two");
  f.sync();
  f.write_line("three");
  CHECK(f.truncate_to(at_barrier));
  CHECK(f.size() == at_barrier);
  f.sync();
  CHECK(test::read_whole_file(dir.file("dups")) == "one\n");
}

TEST_CASE("side file refuses to truncate to more than it holds", "[core][side_file]") {
  TempDir dir;
  SideFile f(dir.file("dups"));
  f.write_line("one");
  f.sync();
  CHECK_FALSE(f.truncate_to(100));
  CHECK(test::read_whole_file(dir.file("dups")) == "one\n");
}

TEST_CASE("side file writes large amounts in blocks before sync", "[core][side_file]") {
  TempDir dir;
  SideFile f(dir.file("big"));
  std::string line(1000, 'x');
  for (int i = 0; i < 2000; ++i) {
    f.write_line(line);
  }
  CHECK(test::read_whole_file(dir.file("big")).size() >= SideFile::k_flush_size);
  f.sync();
  CHECK(test::read_whole_file(dir.file("big")).size() == 2000u * 1001u);
}

} // namespace
} // namespace sluice::core
