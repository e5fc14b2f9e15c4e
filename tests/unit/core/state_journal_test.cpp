#include "core/state_journal.hpp"

#include "core/error.hpp"
#include "core_test_support.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

namespace sluice::core {
namespace {

using control::BarrierId;
using test::TempDir;

void snapshot(StateJournal& j, const BarrierId& b, const std::string& payload,
              std::vector<SideSize> sides = {}) {
  auto w = j.begin_snapshot(b, sides);
  // Written in pieces, as a large state streams it.
  for (size_t i = 0; i < payload.size(); i += 3) {
    w->write(std::string_view(payload).substr(i, 3));
  }
  w->commit();
}

// The payloads a version loads, as "S:…" and "D:…".
std::vector<std::string> load(const StateJournal& j, const BarrierId& b) {
  std::vector<std::string> got;
  j.load(b, [&](std::string_view payload, bool snap) {
    got.push_back((snap ? "S:" : "D:") + std::string(payload));
  });
  return got;
}

ExitCode code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return ExitCode::ok;
}

std::vector<std::string> segments(const TempDir& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir.file("state"))) {
    std::string n = e.path().filename().string();
    if (n.rfind("segment-", 0) == 0) {
      out.push_back(n);
    }
  }
  return out;
}

TEST_CASE("state journal loads a version from its snapshot and the deltas up to it",
          "[core][state_journal]") {
  TempDir dir;
  StateJournal j(dir.file("state"));
  CHECK(j.versions().empty());
  CHECK_FALSE(j.has_segment());
  snapshot(j, {"r1", 1}, "base");
  j.append_delta({"r1", 2}, "plus two", {{"/x", 10}});
  j.append_delta({"r1", 3}, "plus three", {{"/x", 20}});
  CHECK(load(j, {"r1", 1}) == std::vector<std::string>{"S:base"});
  CHECK(load(j, {"r1", 2}) == std::vector<std::string>{"S:base", "D:plus two"});
  CHECK(load(j, {"r1", 3}) == std::vector<std::string>{"S:base", "D:plus two", "D:plus three"});
  auto sides = j.load({"r1", 3}, [](std::string_view, bool) {});
  CHECK(sides == std::vector<SideSize>{{"/x", 20}});
  CHECK(code_of([&] { load(j, {"r1", 4}); }) == ExitCode::data);
  CHECK(code_of([&] { load(j, {"r2", 1}); }) == ExitCode::data);
}

TEST_CASE("state journal reads its versions back after a restart", "[core][state_journal]") {
  TempDir dir;
  {
    StateJournal j(dir.file("state"));
    snapshot(j, {"r1", 1}, "base");
    j.append_delta({"r1", 2}, "d2", {});
    snapshot(j, {"r1", 3}, "compacted");
    j.append_delta({"r1", 4}, "d4", {});
  }
  StateJournal j(dir.file("state"));
  REQUIRE(j.versions().size() == 4);
  CHECK(j.versions()[2].header.snapshot);
  CHECK(load(j, {"r1", 2}) == std::vector<std::string>{"S:base", "D:d2"});
  CHECK(load(j, {"r1", 4}) == std::vector<std::string>{"S:compacted", "D:d4"});
}

TEST_CASE("state journal is locked against a second user", "[core][state_journal]") {
  TempDir dir;
  StateJournal j(dir.file("state"));
  CHECK(code_of([&] { StateJournal again(dir.file("state")); }) == ExitCode::temporary);
}

TEST_CASE("state journal discards the versions newer than a restored one",
          "[core][state_journal]") {
  TempDir dir;
  {
    StateJournal j(dir.file("state"));
    snapshot(j, {"r1", 1}, "base");
    j.append_delta({"r1", 2}, "d2", {});
    j.append_delta({"r1", 3}, "d3", {});
    snapshot(j, {"r1", 4}, "s4");
    j.append_delta({"r1", 5}, "d5", {});
    BarrierId restored{"r1", 2};
    j.discard_after(&restored);
    CHECK(j.versions().size() == 2);
    j.append_delta({"r2", 1}, "after restart", {});
  }
  StateJournal j(dir.file("state"));
  CHECK(j.find({"r1", 3}) == nullptr);
  CHECK(j.find({"r1", 4}) == nullptr);
  CHECK(load(j, {"r2", 1}) == std::vector<std::string>{"S:base", "D:d2", "D:after restart"});
  j.discard_after(nullptr);
  CHECK(j.versions().empty());
  CHECK_FALSE(j.has_segment());
}

TEST_CASE("state journal ignores a torn record at the end of its newest segment",
          "[core][state_journal]") {
  TempDir dir;
  std::string path;
  {
    StateJournal j(dir.file("state"));
    snapshot(j, {"r1", 1}, "base");
    j.append_delta({"r1", 2}, "d2", {});
    path = dir.file("state") + "/segment-00000000000000000001.sjl";
  }
  std::string whole = test::read_whole_file(path);
  std::ofstream(path, std::ios::app) << whole.substr(whole.size() - 30, 20); // a torn write
  StateJournal j(dir.file("state"));
  REQUIRE(j.versions().size() == 2);
  j.append_delta({"r1", 3}, "d3", {}); // cuts the torn bytes first
  CHECK(load(j, {"r1", 3}) == std::vector<std::string>{"S:base", "D:d2", "D:d3"});
}

TEST_CASE("state journal reports damage on the way to a version as corrupt state",
          "[core][state_journal]") {
  TempDir dir;
  std::string path = dir.file("state") + "/segment-00000000000000000001.sjl";
  {
    StateJournal j(dir.file("state"));
    snapshot(j, {"r1", 1}, "base-payload");
    j.append_delta({"r1", 2}, "d2", {});
  }
  std::string whole = test::read_whole_file(path);
  size_t at = whole.find("base-payload");
  whole[at + 2] ^= 0x20;
  test::write_whole_file(path, whole);
  StateJournal j(dir.file("state"));
  REQUIRE(j.versions().size() == 2); // headers are intact
  CHECK(code_of([&] { load(j, {"r1", 2}); }) == ExitCode::data);
}

TEST_CASE("state journal prunes the segments older than every needed version",
          "[core][state_journal]") {
  TempDir dir;
  StateJournal j(dir.file("state"));
  snapshot(j, {"r1", 1}, "s1");
  j.append_delta({"r1", 2}, "d2", {});
  snapshot(j, {"r1", 3}, "s3");
  j.append_delta({"r1", 4}, "d4", {});
  snapshot(j, {"r1", 5}, "s5");
  CHECK(segments(dir).size() == 3);
  CHECK_FALSE(j.prune({{"r1", 5}, {"other", 9}})); // unknown: keep everything
  CHECK(segments(dir).size() == 3);
  CHECK(j.prune({{"r1", 5}, {"r1", 4}}));
  CHECK(segments(dir).size() == 2);
  CHECK(j.find({"r1", 2}) == nullptr);
  CHECK(load(j, {"r1", 4}) == std::vector<std::string>{"S:s3", "D:d4"});
  CHECK(j.prune({{"r1", 5}}));
  CHECK(segments(dir).size() == 1);
  CHECK(j.total_bytes() == j.segment_bytes());
}

TEST_CASE("state journal keeps the side files' sizes of a fresh start", "[core][state_journal]") {
  TempDir dir;
  StateJournal j(dir.file("state"));
  CHECK_FALSE(j.base());
  j.write_base({{"/a \"b\"", 7}});
  auto base = j.base();
  REQUIRE(base);
  CHECK(*base == std::vector<SideSize>{{"/a \"b\"", 7}});
}

TEST_CASE("state journal removes a snapshot that was never committed", "[core][state_journal]") {
  TempDir dir;
  {
    StateJournal j(dir.file("state"));
    snapshot(j, {"r1", 1}, "s1");
    auto w = j.begin_snapshot({"r1", 2}, {});
    w->write("half");
    test::write_whole_file(dir.file("state") + "/segment-00000000000000000009.sjl.tmp", "x");
  } // not committed: removed
  StateJournal j(dir.file("state"));
  CHECK(j.versions().size() == 1);
  CHECK(segments(dir).size() == 1);
}

} // namespace
} // namespace sluice::core
