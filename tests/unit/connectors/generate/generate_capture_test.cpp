#include "connectors/generate/generate_capture.hpp"

#include "core/error.hpp"
#include "core/error_policy.hpp"
#include "core/fd.hpp"
#include "core/line_writer.hpp"
#include "core/log.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fmt/format.h>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace sluice::connectors::generate {
namespace {

using namespace std::chrono_literals;

// An unlinked temporary file: what a LineWriter writes, read back whole.
class TempFile {
 public:
  TempFile() {
    char path[] = "/tmp/sluice-generate-test-XXXXXX";
    m_fd = core::Fd(mkstemp(path));
    REQUIRE(m_fd.valid());
    unlink(path);
  }
  int fd() const { return m_fd.get(); }
  std::string read_all() const {
    std::string data;
    char buf[65536];
    ssize_t n = 0;
    for (off_t offset = 0; (n = pread(m_fd.get(), buf, sizeof buf, offset)) > 0; offset += n) {
      data.append(buf, static_cast<size_t>(n));
    }
    return data;
  }

 private:
  core::Fd m_fd;
};

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(text.substr(start, nl - start));
  }
  return lines;
}

// Runs `source` (already positioned) to its natural end, as run_capture would,
// and returns the lines it wrote.
std::vector<std::string> drain(GenerateCapture& source) {
  TempFile file;
  core::LineWriter writer(file.fd(), "test");
  core::Log log("capture generate", true);
  core::BadData bad(core::ErrorPolicy{}, log);
  core::Emitter out(writer, bad);
  for (;;) {
    core::Produced step = source.produce(out, core::Clock::now() + 5ms);
    if (step == core::Produced::done) {
      break;
    }
    if (step == core::Produced::idle) {
      REQUIRE(source.wake_at().has_value());
      std::this_thread::sleep_until(*source.wake_at());
    }
  }
  writer.flush();
  return split_lines(file.read_all());
}

GenerateOptions messy_options(uint64_t count) {
  GenerateOptions o;
  o.count = count;
  o.generator.seed = 9;
  o.generator.keys = 500;
  o.generator.dup_rate = 0.1;
  o.generator.disorder = 0.3;
  o.generator.lateness_ms = 300;
  return o;
}

TEST_CASE("generate stops after exactly count events", "[connectors][generate]") {
  for (uint64_t count : {1, 7, 10000}) {
    GenerateCapture source(messy_options(count));
    source.seek("null");
    auto lines = drain(source);
    CHECK(lines.size() == count);
    CHECK(source.position() == fmt::format("\"1732406400000:{}\"", count));
    CHECK(lines.back().find("\"pos\":\"1732406400000:") != std::string::npos);
  }
}

TEST_CASE("resuming from a position writes the rest of an uninterrupted run",
          "[connectors][generate]") {
  GenerateCapture whole(messy_options(3000));
  whole.seek("null");
  auto all = drain(whole);
  REQUIRE(all.size() == 3000);
  for (uint64_t n : {0, 1, 2, 1500, 2999, 3000}) {
    GenerateCapture resumed(messy_options(3000));
    std::string pos = fmt::format("\"1732406400000:{}\"", n);
    resumed.seek(pos);
    CHECK(resumed.position() == pos);
    auto rest = drain(resumed);
    REQUIRE(rest.size() == 3000 - n);
    CHECK(std::equal(rest.begin(), rest.end(), all.begin() + static_cast<long>(n)));
  }
}

TEST_CASE("a paced run takes t0 from the clock and a resumed one from its position",
          "[connectors][generate]") {
  GenerateOptions o = messy_options(400);
  o.generator.rate = 20000;
  GenerateCapture first(o);
  first.seek("null");
  auto t0 = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  auto all = drain(first);
  REQUIRE(all.size() == 400);
  std::string pos = first.position();
  int64_t stamped = std::stoll(pos.substr(1));
  CHECK(std::llabs(stamped - t0) < 1000);

  GenerateCapture resumed(o);
  std::string at_100 = fmt::format("\"{}:100\"", stamped);
  resumed.seek(at_100);
  auto rest = drain(resumed);
  REQUIRE(rest.size() == 300);
  CHECK(std::equal(rest.begin(), rest.end(), all.begin() + 100));
}

TEST_CASE("a paced run is idle until its next event is due", "[connectors][generate]") {
  GenerateOptions o;
  o.generator.rate = 1; // one event a second
  o.start_ts_ms = 5000;
  GenerateCapture source(o);
  source.seek("null");
  TempFile file;
  core::LineWriter writer(file.fd(), "test");
  core::Log log("capture generate", true);
  core::BadData bad(core::ErrorPolicy{}, log);
  core::Emitter out(writer, bad);
  auto before = core::Clock::now();
  CHECK(source.produce(out, before + 10s) == core::Produced::idle);
  CHECK(out.events() == 1);
  REQUIRE(source.wake_at().has_value());
  CHECK(*source.wake_at() > before + 900ms);
  CHECK(*source.wake_at() < core::Clock::now() + 1100ms);
  CHECK(source.position() == "\"5000:1\"");
}

// Events a source positioned at `pos` emits before it first goes idle.
uint64_t burst_after_seek(const GenerateOptions& options, const std::string& pos) {
  GenerateCapture source(options);
  source.seek(pos);
  TempFile file;
  core::LineWriter writer(file.fd(), "test");
  core::Log log("capture generate", true);
  core::BadData bad(core::ErrorPolicy{}, log);
  core::Emitter out(writer, bad);
  while (source.produce(out, core::Clock::now() + 10s) != core::Produced::idle) {
  }
  return out.events();
}

TEST_CASE("a resumed paced run catches up with the clock unless t0 was given",
          "[connectors][generate]") {
  GenerateOptions o;
  o.generator.rate = 100;
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  // Stopped after one event, 5 s ago: 500 events are overdue.
  std::string pos = fmt::format("\"{}:1\"", now - 5000);
  CHECK(burst_after_seek(o, pos) >= 450);
  o.start_ts_ms = now - 5000;
  CHECK(burst_after_seek(o, pos) <= 2);
}

TEST_CASE("generate positions are ordered by their event count", "[connectors][generate]") {
  GenerateCapture source(GenerateOptions{});
  CHECK(source.compare_pos("\"1732406400000:9\"", "\"1732406400000:10\"") < 0);
  CHECK(source.compare_pos("\"1732406400000:10\"", "\"1732406400000:9\"") > 0);
  CHECK(source.compare_pos("\"5:10\"", "\"5:10\"") == 0);
}

TEST_CASE("generate refuses a position that is not its own", "[connectors][generate]") {
  for (const char* pos : {"\"abc\"", "{\"file\":0,\"offset\":3}", "\"1:\"", "\"-5:3\"", "17"}) {
    GenerateCapture source(GenerateOptions{});
    INFO(pos);
    try {
      source.seek(pos);
      FAIL("no error");
    } catch (const core::Error& e) {
      CHECK(e.code() == core::ExitCode::data);
    }
  }
}

TEST_CASE("the source id names the parameters that shape the events",
          "[connectors][generate]") {
  GenerateOptions o = messy_options(10);
  o.generator.tables = {"public.orders", "public.customers"};
  CHECK(GenerateCapture(o).source_id() ==
        "generate:seed=9,keys=500,tables=public.orders+public.customers,dup=0.1,disorder=0.3,"
        "lateness=300ms");
  o.source_id = "mine";
  CHECK(GenerateCapture(o).source_id() == "mine");
}

TEST_CASE("out of range options are refused with the flag named", "[connectors][generate]") {
  std::string why;
  GenerateOptions ok;
  CHECK(validate_options(ok, &why));
  struct Case {
    const char* flag;
    void (*spoil)(GenerateOptions&);
  };
  const Case cases[] = {
      {"--dup-rate", [](GenerateOptions& o) { o.generator.dup_rate = 2; }},
      {"--dup-rate", [](GenerateOptions& o) { o.generator.dup_rate = -0.1; }},
      {"--disorder", [](GenerateOptions& o) { o.generator.disorder = 1.5; }},
      {"--rate", [](GenerateOptions& o) { o.generator.rate = -1; }},
      {"--keys", [](GenerateOptions& o) { o.generator.keys = 0; }},
      {"--max-lateness", [](GenerateOptions& o) { o.generator.lateness_ms = -1; }},
      {"--tables", [](GenerateOptions& o) { o.generator.tables.clear(); }},
      {"--tables", [](GenerateOptions& o) { o.generator.tables = {"a", "a"}; }},
      {"--tables", [](GenerateOptions& o) { o.generator.tables = {"bad\xff"}; }},
      {"--start-ts", [](GenerateOptions& o) { o.start_ts_ms = -1; }},
  };
  for (const auto& c : cases) {
    GenerateOptions o;
    c.spoil(o);
    why.clear();
    INFO(c.flag);
    CHECK_FALSE(validate_options(o, &why));
    CHECK(why.find(c.flag) != std::string::npos);
  }
}

} // namespace
} // namespace sluice::connectors::generate
