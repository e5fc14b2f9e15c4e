#include "connectors/file/file_capture.hpp"

#include "core/error.hpp"
#include "core/error_policy.hpp"
#include "core/fd.hpp"
#include "core/line_writer.hpp"
#include "core/log.hpp"
#include "file_test_support.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <filesystem>
#include <optional>
#include <poll.h>
#include <string>
#include <vector>

namespace sluice::connectors::file {
namespace {

using namespace std::chrono_literals;
using test::append_file;
using test::TempDir;
using test::write_whole_file;

// What a capture writes through, as run_capture sets it up: events into a temp file,
// bad data under a policy (dead letters in the same directory).
class Harness {
 public:
  explicit Harness(core::ErrorPolicy::Mode mode = core::ErrorPolicy::Mode::dead_letter)
      : m_log("capture file", true), m_policy{mode, m_dir.file("dead.ndjson")},
        m_out(core::open_file(m_dir.file("out.ndjson"), O_WRONLY | O_CREAT | O_TRUNC)),
        m_writer(m_out.get(), "stdout"), m_bad(m_policy, m_log), m_emitter(m_writer, m_bad) {}

  const core::Log& log() const { return m_log; }
  core::Emitter& emitter() { return m_emitter; }
  core::BadData& bad() { return m_bad; }
  // Events written so far.
  std::vector<std::string> events() {
    m_writer.flush();
    return test::split_lines(test::read_whole_file(m_dir.file("out.ndjson")));
  }
  std::vector<std::string> dead_letters() {
    return test::split_lines(test::read_whole_file(m_dir.file("dead.ndjson")));
  }

 private:
  TempDir m_dir;
  core::Log m_log;
  core::ErrorPolicy m_policy;
  core::Fd m_out;
  core::LineWriter m_writer;
  core::BadData m_bad;
  core::Emitter m_emitter;
};

// Runs produce() until it is done (or idle, following), with a deadline in the past so
// that it returns every few hundred lines; the positions where it returned, and how
// many events were written before each.
struct Stop {
  std::string pos;
  size_t events = 0;
};
std::vector<Stop> run(FileCapture& capture, core::Emitter& out) {
  std::vector<Stop> stops;
  for (;;) {
    core::Produced produced = capture.produce(out, core::Clock::now() - 1s);
    stops.push_back({capture.position(), static_cast<size_t>(out.events())});
    if (produced != core::Produced::more) {
      return stops;
    }
  }
}

std::string line_text(int n) { return fmt::format("{{\"n\":{}}}", n); }

std::vector<std::string> line_texts(int first, int count) {
  std::vector<std::string> out;
  for (int n = first; n < first + count; ++n) {
    out.push_back(line_text(n));
  }
  return out;
}

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

FileCaptureOptions options_for(std::vector<std::string> paths, bool follow = false) {
  FileCaptureOptions options;
  options.paths = std::move(paths);
  options.follow = follow;
  return options;
}

TEST_CASE("file capture reads its files in order and names them in its source id",
          "[connectors][file_capture]") {
  TempDir dir;
  write_whole_file(dir.file("a.log"), test::numbered_lines(1, 3));
  write_whole_file(dir.file("b.log"), test::zstd_frame(test::numbered_lines(4, 2)));
  Harness h;
  FileCapture capture(options_for({dir.file("a.log"), dir.file("b.log")}), h.log());
  std::string real_dir = std::filesystem::canonical(dir.path()).string();
  CHECK(capture.source_id() == "file:" + real_dir + "/a.log," + real_dir + "/b.log");
  CHECK(capture.wait_fd() == -1);
  CHECK_FALSE(capture.wake_at());
  capture.seek("null");
  CHECK(capture.produce(h.emitter(), core::Clock::now() + 10s) == core::Produced::done);
  CHECK(h.events() == line_texts(1, 5));

  FileCaptureOptions named = options_for({dir.file("a.log")});
  named.source_id = "logs";
  CHECK(FileCapture(named, h.log()).source_id() == "logs");
}

TEST_CASE("file capture positions round-trip through seek", "[connectors][file_capture]") {
  TempDir dir;
  // A plain file, then a multi-frame zstd file: 1700 lines in all.
  write_whole_file(dir.file("a.log"), test::numbered_lines(1, 700));
  std::string b = test::numbered_lines(701, 1000);
  write_whole_file(dir.file("b.log.zst"),
                   test::zstd_frames({b.substr(0, 3000), b.substr(3000, 4000), b.substr(7000)}));
  FileCaptureOptions options = options_for({dir.file("a.log"), dir.file("b.log.zst")});
  std::vector<std::string> all = line_texts(1, 1700);

  Harness h;
  FileCapture capture(options, h.log());
  capture.seek("null");
  std::vector<Stop> stops = run(capture, h.emitter());
  REQUIRE(h.events() == all);
  REQUIRE(stops.size() >= 4);
  // Some stops lie inside the zstd file, past its first frame.
  CHECK_THAT(stops[stops.size() - 2].pos, Catch::Contains("\"frame\":"));
  CHECK_THAT(stops[stops.size() - 2].pos, Catch::Contains("\"file\":1"));

  for (const Stop& stop : stops) {
    INFO("resuming at " << stop.pos);
    Harness resumed;
    FileCapture again(options, resumed.log());
    again.seek(stop.pos);
    run(again, resumed.emitter());
    CHECK(resumed.events() == std::vector<std::string>(all.begin() + stop.events, all.end()));
    CHECK(again.position() == stops.back().pos);
  }
}

TEST_CASE("file capture orders positions by file, then offset", "[connectors][file_capture]") {
  TempDir dir;
  write_whole_file(dir.file("a.log"), test::numbered_lines(1, 1100));
  write_whole_file(dir.file("b.log"), test::numbered_lines(1, 1100));
  Harness h;
  FileCapture capture(options_for({dir.file("a.log"), dir.file("b.log")}), h.log());
  capture.seek("null");
  std::vector<std::string> positions{capture.position()};
  for (const Stop& stop : run(capture, h.emitter())) {
    positions.push_back(stop.pos);
  }
  REQUIRE(positions.size() >= 5);
  for (size_t i = 0; i + 1 < positions.size(); ++i) {
    INFO(positions[i] << " then " << positions[i + 1]);
    CHECK(capture.compare_pos(positions[i], positions[i + 1]) < 0);
    CHECK(capture.compare_pos(positions[i + 1], positions[i]) > 0);
    CHECK(capture.compare_pos(positions[i], positions[i]) == 0);
  }
  // A later file wins over a larger offset in an earlier one.
  CHECK(capture.compare_pos("{\"file\":0,\"offset\":900}", "{\"file\":1,\"offset\":5}") < 0);
}

TEST_CASE("file capture refuses a position that is not one of its own",
          "[connectors][file_capture]") {
  TempDir dir;
  write_whole_file(dir.file("a.log"), test::numbered_lines(1, 3));
  Harness h;
  FileCapture capture(options_for({dir.file("a.log")}), h.log());
  for (const char* pos : {"[1]", "{\"file\":1,\"offset\":0}", "{\"offset\":0}",
                          "{\"file\":0,\"line\":3}", "not json"}) {
    INFO(pos);
    try {
      capture.seek(pos);
      FAIL("no error thrown");
    } catch (const core::Error& e) {
      CHECK(e.code() == core::ExitCode::data);
    }
  }
}

TEST_CASE("file capture reads a file that is no longer the checkpointed one from its start",
          "[connectors][file_capture]") {
  TempDir dir;
  write_whole_file(dir.file("a.log"), test::numbered_lines(1, 1000));
  FileCaptureOptions options = options_for({dir.file("a.log")});
  Harness h;
  FileCapture capture(options, h.log());
  capture.seek("null");
  std::vector<Stop> stops = run(capture, h.emitter());
  write_whole_file(dir.file("a.log"), test::numbered_lines(5, 3));
  Harness resumed;
  FileCapture again(options, resumed.log());
  std::string err = test::captured_stderr([&] { again.seek(stops.front().pos); });
  CHECK_THAT(err, Catch::Contains("is not the file checkpointed"));
  run(again, resumed.emitter());
  CHECK(resumed.events() == line_texts(5, 3));
}

TEST_CASE("file capture reports bad lines with the file name and line number",
          "[connectors][file_capture]") {
  TempDir dir;
  std::string path = dir.file("a.log");
  write_whole_file(path, "{\"n\":1}\n"
                         "\n"
                         "not json\n"
                         "{\"n\":\"\xff\"}\n"
                         "[1,2]\n"
                         "{\"$sluice\":{\"checkpoint\":1}}\n"
                         "{\"long\":\"" +
                             std::string(200, 'x') + "\"}\n" + "{\"n\":8}\n");

  SECTION("dead letters") {
    Harness h;
    FileCaptureOptions options = options_for({path});
    options.max_line_size = 100;
    FileCapture capture(options, h.log());
    capture.seek("null");
    run(capture, h.emitter());
    CHECK(h.events() == std::vector<std::string>{line_text(1), line_text(8)});
    CHECK(h.bad().count() == 5);
    std::vector<std::string> dead = h.dead_letters();
    REQUIRE(dead.size() == 5);
    std::vector<int> numbers{3, 4, 5, 6, 7};
    for (size_t i = 0; i < dead.size(); ++i) {
      INFO(dead[i]);
      CHECK_THAT(dead[i], Catch::Contains(fmt::format("\"source\":\"{}\",\"line\":{},", path,
                                                      numbers[i])));
    }
    CHECK_THAT(dead[0], Catch::Contains("\"raw\":\"not json\""));
    CHECK_THAT(dead[1], Catch::Contains("\"raw_base64\""));
    CHECK_THAT(dead[3], Catch::Contains("control record"));
    CHECK_THAT(dead[4], Catch::Contains("longer than --max-line-size"));
  }
  SECTION("fail") {
    Harness h(core::ErrorPolicy::Mode::fail);
    FileCapture capture(options_for({path}), h.log());
    capture.seek("null");
    try {
      run(capture, h.emitter());
      FAIL("no error thrown");
    } catch (const core::Error& e) {
      CHECK(e.code() == core::ExitCode::data);
      CHECK_THAT(e.what(), Catch::StartsWith(path + ":3: "));
    }
  }
}

TEST_CASE("file capture with format lines wraps each line as data",
          "[connectors][file_capture]") {
  TempDir dir;
  std::string path = dir.file("a.txt");
  write_whole_file(path, "plain text\n"
                         "\"quoted\"\tand \\ escaped\r\n"
                         "\n"
                         "{\"already\":\"json\"}\n"
                         "bad \xc3\x28 utf8\n"
                         "last");
  Harness h;
  FileCaptureOptions options = options_for({path});
  options.lines = true;
  FileCapture capture(options, h.log());
  capture.seek("null");
  run(capture, h.emitter());
  CHECK(h.events() == std::vector<std::string>{
                          "{\"data\":\"plain text\"}",
                          "{\"data\":\"\\\"quoted\\\"\\tand \\\\ escaped\"}",
                          "{\"data\":\"{\\\"already\\\":\\\"json\\\"}\"}",
                          "{\"data\":\"last\"}",
                      });
  std::vector<std::string> dead = h.dead_letters();
  REQUIRE(dead.size() == 1);
  CHECK_THAT(dead[0], Catch::Contains("\"line\":5,"));
  CHECK_THAT(dead[0], Catch::Contains("invalid UTF-8"));
}

TEST_CASE("file capture following reads appends and resumes after its position",
          "[connectors][file_capture]") {
  TempDir dir;
  std::string a = dir.file("a.log");
  std::string b = dir.file("b.log");
  write_whole_file(a, test::numbered_lines(1, 2));
  FileCaptureOptions options = options_for({a, b}, true); // b.log does not exist yet
  options.poll_interval = 50ms;
  Harness h;
  FileCapture capture(options, h.log());
  CHECK_THAT(capture.source_id(), Catch::StartsWith("file+follow:/"));
  CHECK(capture.wait_fd() >= 0);
  core::Clock::time_point before = core::Clock::now();
  std::optional<core::Clock::time_point> wake = capture.wake_at();
  core::Clock::time_point after = core::Clock::now();
  REQUIRE(wake);
  CHECK(*wake >= before + 50ms);
  CHECK(*wake <= after + 50ms);
  capture.seek("null");
  std::string start = capture.position();
  CHECK(capture.produce(h.emitter(), core::Clock::now() + 10s) == core::Produced::idle);
  CHECK(h.events() == line_texts(1, 2));
  std::string after_two = capture.position();

  // An append wakes the capture through its watch fd.
  append_file(a, test::numbered_lines(3, 1));
  write_whole_file(b, test::numbered_lines(100, 1));
  pollfd p{capture.wait_fd(), POLLIN, 0};
  CHECK(poll(&p, 1, 1000) == 1);
  CHECK(capture.produce(h.emitter(), core::Clock::now() + 10s) == core::Produced::idle);
  CHECK(h.events() == line_texts(1, 3) + line_texts(100, 1));
  std::string after_four = capture.position();
  CHECK_THAT(after_four, Catch::Contains("\"consumed\":24"));
  CHECK_THAT(after_four, Catch::Contains("\"path\":\"" + b + "\""));

  CHECK(capture.compare_pos(start, after_two) < 0);
  CHECK(capture.compare_pos(after_two, after_four) < 0);
  CHECK(capture.compare_pos(after_four, after_two) > 0);
  CHECK(capture.compare_pos(after_four, after_four) == 0);
  CHECK(capture.compare_pos("null", after_two) < 0);

  Harness resumed;
  FileCapture again(options, resumed.log());
  again.seek(after_two);
  append_file(b, test::numbered_lines(101, 1));
  CHECK(again.produce(resumed.emitter(), core::Clock::now() + 10s) == core::Produced::idle);
  CHECK(resumed.events() == line_texts(3, 1) + line_texts(100, 2));
  CHECK(again.compare_pos(after_four, again.position()) < 0);
}

TEST_CASE("file capture following many lines returns to its caller on time",
          "[connectors][file_capture]") {
  TempDir dir;
  write_whole_file(dir.file("a.log"), test::numbered_lines(1, 2000));
  FileCaptureOptions options = options_for({dir.file("a.log")}, true);
  Harness h;
  FileCapture capture(options, h.log());
  capture.seek("null");
  std::vector<Stop> stops = run(capture, h.emitter());
  CHECK(stops.size() >= 4);
  CHECK(h.events() == line_texts(1, 2000));
  for (size_t i = 0; i + 1 < stops.size(); ++i) {
    CHECK(capture.compare_pos(stops[i].pos, stops[i + 1].pos) <= 0);
  }
  // Each stop resumes with exactly the lines after it.
  for (const Stop& stop : stops) {
    Harness resumed;
    FileCapture again(options, resumed.log());
    again.seek(stop.pos);
    run(again, resumed.emitter());
    CHECK(resumed.events().size() == 2000 - stop.events);
  }
}

TEST_CASE("file capture following refuses a position that is not one of its own",
          "[connectors][file_capture]") {
  TempDir dir;
  Harness h;
  FileCapture capture(options_for({dir.file("a.log")}, true), h.log());
  CHECK_THROWS_AS(capture.seek("{\"file\":0,\"offset\":3}"), core::Error);
  CHECK_THROWS_AS(capture.seek("garbage"), core::Error);
}

TEST_CASE("file capture without follow needs its files to exist", "[connectors][file_capture]") {
  TempDir dir;
  Harness h;
  try {
    FileCapture capture(options_for({dir.file("missing.log")}), h.log());
    FAIL("no error thrown");
  } catch (const core::Error& e) {
    CHECK(e.code() == core::ExitCode::io);
  }
}

} // namespace
} // namespace sluice::connectors::file
