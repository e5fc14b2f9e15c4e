#include "core/watch.hpp"

#include "core/fd.hpp"
#include "core/operator_stage.hpp"
#include "core_test_support.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <unistd.h>

namespace sluice::core {
namespace {

// Restores the default (nothing started) when a test ends.
struct WatchGuard {
  ~WatchGuard() { configure_watch(WatchOptions{}); }
};

TEST_CASE("watch parses the progress modes", "[core][watch]") {
  ProgressMode m = ProgressMode::never;
  REQUIRE(parse_progress_mode("auto", &m));
  CHECK(m == ProgressMode::automatic);
  REQUIRE(parse_progress_mode("always", &m));
  CHECK(m == ProgressMode::always);
  REQUIRE(parse_progress_mode("never", &m));
  CHECK(m == ProgressMode::never);
  CHECK_FALSE(parse_progress_mode("sometimes", &m));
}

TEST_CASE("watch shows progress on a terminal at the end of a pipeline unless quiet or never",
          "[core][watch]") {
  WatchOptions o;
  o.progress = ProgressMode::automatic;
  CHECK(shows_progress(o, true, false));
  CHECK_FALSE(shows_progress(o, false, false));
  CHECK_FALSE(shows_progress(o, true, true)); // a later stage draws
  o.quiet = true;
  CHECK_FALSE(shows_progress(o, true, false));
  o.progress = ProgressMode::always;
  CHECK(shows_progress(o, false, true));
  o.progress = ProgressMode::never;
  o.quiet = false;
  CHECK_FALSE(shows_progress(o, true, false));
}

TEST_CASE("watch starts nothing by default and zeroes the counters", "[core][watch]") {
  stage_counters().events_in.add(5);
  Watch watch(StageKind::sink, "sink file");
  CHECK(watch.metrics_port() == 0);
  CHECK(stage_counters().events_in.get() == 0);
}

TEST_CASE("watch serves the metrics of the stage when asked", "[core][watch]") {
  WatchGuard guard;
  WatchOptions o;
  o.metrics = MetricsAddress{"127.0.0.1", 0};
  configure_watch(o);
  Watch watch(StageKind::operator_stage, "transform");
  CHECK(watch.metrics_port() != 0);
}

class PassThrough : public Operator {
 public:
  bool on_event(const Line& line, simdjson::ondemand::document&, const PathValues*, Emit& out,
                std::string* why) override {
    if (line.text.find("\"bad\"") != std::string_view::npos) {
      *why = "refused";
      return false;
    }
    out.event(line.text);
    return true;
  }
};

TEST_CASE("watch counters follow an operator stage run", "[core][watch]") {
  test::TempDir dir;
  std::string path = dir.file("out");
  Fd fd = open_file(path, O_WRONLY | O_CREAT | O_TRUNC);
  LineWriter out(fd.get(), "out");
  std::string input = "{\"a\":1}\nnot json\n{\"bad\":1}\n{\"a\":2}\n";
  test::ChunkSource in(input, 7);
  ErrorPolicy policy;
  policy.mode = ErrorPolicy::Mode::skip;
  Log log("transform", true);
  BadData bad(policy, log);
  PassThrough op;
  InputOptions options;
  run_operator(in, out, op, options, bad, log);
  StageCounters& c = stage_counters();
  CHECK(c.events_in.get() == 3);
  CHECK(c.events_out.get() == 2);
  CHECK(c.bytes_in.get() == input.size());
  CHECK(c.bytes_out.get() == 16);
  CHECK(c.errors[static_cast<int>(BadKind::malformed)].get() == 1);
  CHECK(c.errors[static_cast<int>(BadKind::rejected)].get() == 1);
}

} // namespace
} // namespace sluice::core
