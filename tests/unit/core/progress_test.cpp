#include "core/progress.hpp"

#include "core/log.hpp"
#include "core_test_support.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <fcntl.h>
#include <thread>
#include <unistd.h>

namespace sluice::core {
namespace {

TEST_CASE("progress writes counts and bytes for people", "[core][progress]") {
  CHECK(human_count(0) == "0");
  CHECK(human_count(999) == "999");
  CHECK(human_count(12345) == "12.3k");
  CHECK(human_count(4567000) == "4.57M");
  CHECK(human_count(1.2e9) == "1.20G");
  CHECK(human_bytes(512) == "512 B");
  CHECK(human_bytes(12300) == "12.3 KB");
  CHECK(human_bytes(118.2e6) == "118.2 MB");
}

TEST_CASE("progress line of a capture shows events rate bytes lag and errors", "[core][progress]") {
  ProgressSample s;
  s.kind = StageKind::capture;
  s.events_out = 1500000;
  s.bytes = 2500000;
  s.rate = 250000;
  s.errors = 2;
  s.lag = 4096;
  s.seconds = 6;
  CHECK(render_progress("capture file", s, 0) ==
        "capture file: 1.50M events, 250.0k/s, 2.5 MB, lag 4.1 KB, errors 2, 6s");
  s.lag_unit = LagUnit::messages;
  s.lag = 12;
  CHECK(render_progress("capture kafka", s, 0).find(", lag 12 msgs,") != std::string::npos);
}

TEST_CASE("progress line of an operator shows in out late and duplicates", "[core][progress]") {
  ProgressSample s;
  s.kind = StageKind::operator_stage;
  s.events_in = 10;
  s.events_out = 7;
  s.late = 1;
  s.duplicates = 2;
  CHECK(render_progress("dedupe", s, 0) ==
        "dedupe: 10 in, 7 out, 0/s, 0 B, late 1, duplicates 2, errors 0, 0s");
  CHECK(render_progress("dedupe", s, 12) == "dedupe: 10 i");
}

TEST_CASE("progress samples the stage counters", "[core][progress]") {
  StageCounters& c = stage_counters();
  c.reset();
  c.events_in.add(3);
  c.events_out.add(2);
  c.bytes_in.add(30);
  c.bytes_out.add(99);
  c.error(BadKind::malformed);
  ProgressSample sink = sample_counters(StageKind::sink, c);
  CHECK(sink.events_in == 3);
  CHECK(sink.bytes == 30);
  CHECK(sink.errors == 1);
  CHECK(sample_counters(StageKind::capture, c).bytes == 99);
  c.reset();
}

TEST_CASE("progress line redraws in place and is cleared when stopped", "[core][progress]") {
  test::TempDir dir;
  std::string path = dir.file("stderr");
  std::fflush(stderr);
  int saved = dup(2);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  dup2(fd, 2);
  ::close(fd);
  stage_counters().reset();
  {
    ProgressLine line(StageKind::capture, "capture generate");
    stage_counters().events_out.add(42);
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    line.stop();
  }
  std::fflush(stderr);
  dup2(saved, 2);
  ::close(saved);
  std::string out = test::read_whole_file(path);
  CHECK(out.find("\r\033[Kcapture generate: 42 events") != std::string::npos);
  CHECK(out.size() >= 6);
  CHECK(out.substr(out.size() - 4) == "\r\033[K");
  CHECK(out.find('\n') == std::string::npos);
  stage_counters().reset();
}

} // namespace
} // namespace sluice::core
