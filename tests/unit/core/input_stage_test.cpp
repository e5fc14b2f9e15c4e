#include "core/input_stage.hpp"

#include "core/error.hpp"
#include "core_test_support.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <functional>

namespace sluice::core {
namespace {

using test::ChunkSource;
using test::SignalReset;
using test::TempDir;

// Records every call as one string: "event 3 {...}", "control 1 end", "finish",
// "abandon", "abandon abort 65", "idle", "timer".
struct FakeHandler : InputHandler {
  std::vector<std::string> calls;
  std::function<void(const Line&)> on_event_hook;
  std::optional<Clock::time_point> timer;

  const PathSet* wanted = nullptr;
  std::vector<std::string> found; // per event: the first value of wanted path 0, or "-"

  const PathSet* wanted_paths() const override { return wanted; }
  void on_event(const Line& line, simdjson::ondemand::document& doc,
                const PathValues* values) override {
    CHECK((values != nullptr) == (wanted != nullptr));
    if (values != nullptr) {
      const PathMatch* m = values->first(0);
      found.push_back(m != nullptr ? std::string(m->value) : "-");
    }
    // The document is usable after a rewind.
    doc.rewind();
    simdjson::ondemand::object o;
    REQUIRE(doc.get_object().get(o) == simdjson::SUCCESS);
    calls.push_back("event " + std::to_string(line.number) + " " + std::string(line.text));
    if (on_event_hook) {
      on_event_hook(line);
    }
  }
  void on_control(const Line& line, const control::Record& record) override {
    static const char* k_names[] = {"start", "checkpoint", "watermark", "schema",
                                    "end",   "abort",      "unknown"};
    calls.push_back("control " + std::to_string(line.number) + " " + k_names[record.index()]);
  }
  void on_idle() override { calls.push_back("idle"); }
  std::optional<Clock::time_point> next_timer() const override { return timer; }
  void on_timer(Clock::time_point now) override {
    calls.push_back("timer");
    timer.reset();
    if (rearm.count() > 0) {
      timer = now + rearm;
    }
  }
  std::chrono::milliseconds rearm{0};
  void on_finish() override { calls.push_back("finish"); }
  void on_abandon(const control::Abort* abort, const Line* line) override {
    if (abort != nullptr) {
      REQUIRE(line != nullptr);
      calls.push_back("abandon abort " + std::to_string(abort->exit) + " line " +
                      std::to_string(line->number));
    } else {
      CHECK(line == nullptr);
      calls.push_back("abandon");
    }
  }
  // True when `expected` occurs in calls in this order (other calls may come between).
  bool in_order(const std::vector<std::string>& expected) const {
    size_t i = 0;
    for (const auto& c : calls) {
      if (i < expected.size() && c == expected[i]) {
        ++i;
      }
    }
    return i == expected.size();
  }
  size_t count(const std::string& prefix) const {
    return static_cast<size_t>(std::count_if(
        calls.begin(), calls.end(), [&](const auto& c) { return c.rfind(prefix, 0) == 0; }));
  }
};

const std::string k_start =
    R"({"$sluice":{"start":{"source":"src","run":"r1","resume":null,"pos":null}}})";
const std::string k_barrier = R"({"$sluice":{"checkpoint":1,"source":"src","run":"r1","pos":5}})";
const std::string k_end = R"({"$sluice":{"end":{"checkpoint":1}}})";
const std::string k_abort =
    R"({"$sluice":{"abort":{"exit":65,"stage":"transform","reason":"line 3: bad"}}})";

struct Run {
  std::vector<std::string> calls;
  std::optional<Error> error;
  InputStats stats;
  uint64_t bad = 0;
};

Run run_stage(const std::string& input, InputOptions options = {},
              ErrorPolicy policy = {ErrorPolicy::Mode::skip, ""}, size_t chunk = 1 << 20,
              FakeHandler* handler_in = nullptr) {
  Log log("test", true);
  BadData bad(policy, log);
  ChunkSource source(input, chunk);
  FakeHandler local;
  FakeHandler& handler = handler_in != nullptr ? *handler_in : local;
  InputStage stage(source, options, bad, log);
  Run r;
  try {
    stage.run(handler);
  } catch (const Error& e) {
    r.error = e;
  }
  r.calls = handler.calls;
  r.stats = stage.stats();
  r.bad = bad.count();
  return r;
}

std::string lines(std::initializer_list<std::string> items) {
  std::string out;
  for (const auto& s : items) {
    out += s + "\n";
  }
  return out;
}

TEST_CASE("input stage ends cleanly at EOF after the end record", "[core][input_stage]") {
  SignalReset reset;
  InputOptions options;
  options.expects_end = true;
  for (size_t chunk : {size_t{1}, size_t{7}, size_t{1} << 20}) {
    CAPTURE(chunk);
    auto r = run_stage(lines({k_start, "{\"a\":1}", k_barrier, "{\"a\":2}", k_end}), options,
                       {ErrorPolicy::Mode::fail, ""}, chunk);
    CHECK_FALSE(r.error);
    CHECK(r.calls == std::vector<std::string>{"control 1 start", "event 2 {\"a\":1}",
                                              "control 3 checkpoint", "event 4 {\"a\":2}",
                                              "control 5 end", "finish"});
    CHECK(r.stats.events == 2);
    CHECK(r.stats.control == 3);
    CHECK(r.stats.bytes == lines({k_start, "{\"a\":1}", k_barrier, "{\"a\":2}", k_end}).size());
  }
}

TEST_CASE("input stage EOF after control records without end abandons with 75",
          "[core][input_stage]") {
  SignalReset reset;
  for (bool expects_end : {false, true}) {
    InputOptions options;
    options.expects_end = expects_end;
    auto r = run_stage(lines({k_start, "{\"a\":1}", k_barrier, "{\"a\":2}"}), options);
    REQUIRE(r.error);
    CHECK(r.error->code() == ExitCode::temporary);
    CHECK_FALSE(r.error->is_upstream_abort());
    CHECK(std::string(r.error->what()).find("without an end record") != std::string::npos);
    CHECK(r.calls.back() == "abandon");
    CHECK(r.calls.size() == 5);
  }
}

TEST_CASE("input stage events after the end record need another end", "[core][input_stage]") {
  SignalReset reset;
  auto r = run_stage(lines({k_start, k_end, "{\"a\":1}"}));
  REQUIRE(r.error);
  CHECK(r.error->code() == ExitCode::temporary);
  // A bad line after the end record is not an end either.
  r = run_stage(lines({k_start, k_end, "{\"$sluice\":{},\"x\":tru}"}), {},
                {ErrorPolicy::Mode::skip, ""});
  CHECK(r.bad == 0); // object level: the literal is not checked
  for (std::string bad_line : {"{\"$sluice\":{},\"x\":1} x", "{\"$sluice\":{},\"x\":1}}"}) {
    CAPTURE(bad_line);
    r = run_stage(lines({k_start, k_end, bad_line}));
    CHECK(r.bad == 1);
    REQUIRE(r.error);
    CHECK(r.error->code() == ExitCode::temporary);
  }
  r = run_stage(lines({k_start, k_end, "not json"}));
  REQUIRE(r.error);
  CHECK(r.error->code() == ExitCode::temporary);
}

TEST_CASE("input stage without control records and without --checkpoint finishes at EOF",
          "[core][input_stage]") {
  SignalReset reset;
  auto r = run_stage("{\"a\":1}\n{\"a\":2}");
  CHECK_FALSE(r.error);
  CHECK(r.calls == std::vector<std::string>{"event 1 {\"a\":1}", "event 2 {\"a\":2}", "finish"});
  r = run_stage("");
  CHECK_FALSE(r.error);
  CHECK(r.calls == std::vector<std::string>{"finish"});
}

TEST_CASE("input stage with --checkpoint and no control records exits 75", "[core][input_stage]") {
  SignalReset reset;
  InputOptions options;
  options.expects_end = true;
  for (std::string input : {"{\"a\":1}\n", ""}) {
    auto r = run_stage(input, options);
    REQUIRE(r.error);
    CHECK(r.error->code() == ExitCode::temporary);
    CHECK(std::string(r.error->what()).find("without a start or end record") != std::string::npos);
    CHECK(r.calls.back() == "abandon");
  }
}

TEST_CASE("input stage stops at an abort record with its exit code", "[core][input_stage]") {
  SignalReset reset;
  auto r = run_stage(lines({k_start, "{\"a\":1}", k_abort, "{\"a\":2}", k_end}));
  REQUIRE(r.error);
  CHECK(r.error->is_upstream_abort());
  CHECK(r.error->code() == ExitCode::data);
  CHECK(std::string(r.error->what()) == "upstream transform exited 65: line 3: bad");
  CHECK(r.calls == std::vector<std::string>{"control 1 start", "event 2 {\"a\":1}",
                                            "abandon abort 65 line 3"});
  auto odd = run_stage(lines({R"({"$sluice":{"abort":{"exit":3,"stage":"x","reason":"y"}}})"}));
  REQUIRE(odd.error);
  CHECK(odd.error->is_upstream_abort());
  CHECK(odd.error->code() == ExitCode::internal);
}

TEST_CASE("input stage keeps draining to the clean end after one signal", "[core][input_stage]") {
  SignalReset reset;
  signals::raise_for_test(SIGTERM);
  auto r = run_stage(lines({k_start, "{\"a\":1}", k_barrier, k_end}));
  CHECK_FALSE(r.error);
  CHECK(r.calls.size() == 5);
  CHECK(r.calls.back() == "finish");

  signals::reset_for_test();
  FakeHandler handler;
  handler.on_event_hook = [](const Line& line) {
    if (line.number == 2) {
      signals::raise_for_test(SIGINT);
    }
  };
  r = run_stage(lines({k_start, "{\"a\":1}", k_barrier, "{\"a\":2}", k_end}), {},
                {ErrorPolicy::Mode::fail, ""}, 3, &handler);
  CHECK_FALSE(r.error);
  CHECK(r.calls.back() == "finish");
  CHECK(r.stats.events == 2);
}

TEST_CASE("input stage exits at once with 143 after two signals", "[core][input_stage]") {
  SignalReset reset;
  signals::raise_for_test(SIGTERM);
  signals::raise_for_test(SIGTERM);
  auto r = run_stage(lines({k_start, "{\"a\":1}", k_end}));
  REQUIRE(r.error);
  CHECK(r.error->code() == ExitCode::terminated);
  CHECK(r.calls.empty()); // no finish, no abandon: nothing is recorded
}

TEST_CASE("input stage exits at once with 130 after two SIGINTs", "[core][input_stage]") {
  SignalReset reset;
  signals::raise_for_test(SIGINT);
  signals::raise_for_test(SIGINT);
  auto r = run_stage(lines({k_start, "{\"a\":1}", k_end}));
  REQUIRE(r.error);
  CHECK(r.error->code() == ExitCode::interrupted);
  CHECK(r.calls.empty());
}

TEST_CASE("input stage stops before the next buffered line after a second signal",
          "[core][input_stage]") {
  SignalReset reset;
  // The whole input arrives in one read: the second signal comes while lines are buffered,
  // and the barrier after it must not reach the handler.
  FakeHandler handler;
  handler.on_event_hook = [](const Line& line) {
    if (line.number == 2) {
      signals::raise_for_test(SIGTERM);
      signals::raise_for_test(SIGTERM);
    }
  };
  auto r = run_stage(lines({k_start, "{\"a\":1}", k_barrier, "{\"a\":2}", k_end}), {},
                     {ErrorPolicy::Mode::fail, ""}, 1 << 20, &handler);
  REQUIRE(r.error);
  CHECK(r.error->code() == ExitCode::terminated);
  CHECK(r.calls == std::vector<std::string>{"control 1 start", "event 2 {\"a\":1}"});
}

// Every bad-input class of DESIGN §5 through the stage runner, with --on-error skip and
// dead-letter: good lines go on with their own line numbers, bad ones are counted.
TEST_CASE("input stage applies the bad-data policy to every bad-input class",
          "[core][input_stage]") {
  SignalReset reset;
  std::string deep = "{\"a\":" + std::string(2000, '[') + std::string(2000, ']') + "}";
  std::string input = "\xEF\xBB\xBF{\"n\":1}\r\n"           // 1 BOM dropped, CRLF
                      "{\"a\":1} x\n"                       // 2 trailing garbage
                      "\n"                                  // 3 blank: skipped
                      "{\"a\":\"\xff\"}\n"                  // 4 invalid UTF-8
                      "{\"n\":5}\n"                         // 5
                      "{\"a\":\n"                           // 6 malformed (cut off)
                      "   \t\n"                             // 7 blank
                      + std::string("{\"a\":\"\0\"}\n", 10) // 8 NUL byte
                      + deep + "\n"                         // 9 deep nesting
                      + "[1,2]\n"                           // 10 not an object
                        "{\"$sluice\":7}\n"                 // 11 malformed control record
                        "{\"n\":12}\r\n"                    // 12
                        "{\"a\":tru}\n"                     // 13 bad literal (full only)
                        "{\"a\":[1,2";                      // 14 cut-off last line without newline
  SECTION("object level") {
    auto r = run_stage(input);
    CHECK_FALSE(r.error);
    CHECK(r.calls == std::vector<std::string>{"event 1 {\"n\":1}", "event 5 {\"n\":5}",
                                              "event 12 {\"n\":12}", "event 13 {\"a\":tru}",
                                              "finish"});
    CHECK(r.bad == 8);
  }
  SECTION("object level, in the pass that finds the handler's paths") {
    PathSet set;
    JsonPath path;
    std::string why;
    REQUIRE(JsonPath::parse("n", &path, &why));
    set.add(path);
    for (size_t chunk : {size_t{1} << 20, size_t{3}}) {
      FakeHandler handler;
      handler.wanted = &set;
      TempDir dir;
      auto r = run_stage(input, {}, {ErrorPolicy::Mode::dead_letter, dir.file("dead")}, chunk,
                         &handler);
      CHECK_FALSE(r.error);
      CHECK(r.calls == std::vector<std::string>{"event 1 {\"n\":1}", "event 5 {\"n\":5}",
                                                "event 12 {\"n\":12}", "event 13 {\"a\":tru}",
                                                "finish"});
      CHECK(handler.found == std::vector<std::string>{"1", "5", "12", "-"});
      auto dead = test::split_lines(test::read_whole_file(dir.file("dead")));
      REQUIRE(dead.size() == 8);
      CHECK(dead[0].find(R"("line":2,"reason":"trailing content after the object")") !=
            std::string::npos);
      CHECK(dead[2].find(R"j("line":6,"reason":"incomplete object (cut off)")j") != std::string::npos);
      CHECK(dead[4].find(R"("line":9,"reason":"nesting too deep")") != std::string::npos);
      CHECK(dead[5].find(R"("line":10,"reason":"not a JSON object")") != std::string::npos);
      CHECK(dead[7].find(R"j("line":14,"reason":"incomplete object (cut off)")j") !=
            std::string::npos);
    }
  }
  SECTION("full level") {
    InputOptions options;
    options.level = CheckLevel::full;
    auto r = run_stage(input, options, {ErrorPolicy::Mode::skip, ""}, 5);
    CHECK_FALSE(r.error);
    CHECK(r.calls == std::vector<std::string>{"event 1 {\"n\":1}", "event 5 {\"n\":5}",
                                              "event 12 {\"n\":12}", "finish"});
    CHECK(r.bad == 9);
  }
  SECTION("dead letters") {
    TempDir dir;
    auto r = run_stage(input, {}, {ErrorPolicy::Mode::dead_letter, dir.file("dead")}, 3);
    CHECK_FALSE(r.error);
    auto dead = test::split_lines(test::read_whole_file(dir.file("dead")));
    REQUIRE(dead.size() == 8);
    CHECK(
        dead[0] ==
        R"({"source":"stdin","line":2,"reason":"trailing content after the object","raw":"{\"a\":1} x"})");
    CHECK(dead[1].rfind(R"({"source":"stdin","line":4,"reason":"invalid UTF-8","raw_base64":")",
                        0) == 0);
    CHECK(
        dead[2] ==
        R"j({"source":"stdin","line":6,"reason":"incomplete object (cut off)","raw":"{\"a\":"})j");
    CHECK(
        dead[3] ==
        R"({"source":"stdin","line":8,"reason":"unescaped control character in a string","raw":"{\"a\":\"\u0000\"}"})");
    CHECK(dead[4].rfind(R"({"source":"stdin","line":9,"reason":"nesting too deep","raw":")", 0) ==
          0);
    CHECK(dead[5] == R"({"source":"stdin","line":10,"reason":"not a JSON object","raw":"[1,2]"})");
    CHECK(dead[6].rfind(R"({"source":"stdin","line":11,"reason":"malformed control record: )", 0) ==
          0);
    CHECK(
        dead[7] ==
        R"j({"source":"stdin","line":14,"reason":"incomplete object (cut off)","raw":"{\"a\":[1,2"})j");
  }
  SECTION("fail") {
    auto r = run_stage(input, {}, {ErrorPolicy::Mode::fail, ""});
    REQUIRE(r.error);
    CHECK(r.error->code() == ExitCode::data);
    CHECK(std::string(r.error->what()) == "stdin:2: trailing content after the object");
    CHECK(r.calls == std::vector<std::string>{"event 1 {\"n\":1}"});
  }
}

TEST_CASE("input stage names its source in bad-data messages", "[core][input_stage]") {
  SignalReset reset;
  InputOptions options;
  options.source_name = "orders.ndjson";
  auto r = run_stage("{}\n\n{\"a\"\n", options, {ErrorPolicy::Mode::fail, ""});
  REQUIRE(r.error);
  CHECK(std::string(r.error->what()).rfind("orders.ndjson:3: ", 0) == 0);
}

TEST_CASE("input stage accepts a 100 MB line under the default limit", "[core][input_stage]") {
  SignalReset reset;
  Log log("test", true);
  BadData bad({ErrorPolicy::Mode::fail, ""}, log);
  test::GeneratedSource source("{\"a\":1}\n{\"big\":\"", 'x', 100ull << 20, "\"}\n{\"after\":1}\n");
  struct Sizes : FakeHandler {
    std::vector<size_t> sizes;
    void on_event(const Line& line, simdjson::ondemand::document&, const PathValues*) override {
      sizes.push_back(line.text.size());
    }
  } handler;
  InputStage stage(source, InputOptions{}, bad, log);
  stage.run(handler);
  CHECK(handler.sizes == std::vector<size_t>{7, (100u << 20) + 10, 11});
  CHECK(bad.count() == 0);
}

TEST_CASE("input stage reports a 100 MB line over the limit once and reads on",
          "[core][input_stage]") {
  SignalReset reset;
  TempDir dir;
  Log log("test", true);
  BadData bad({ErrorPolicy::Mode::dead_letter, dir.file("dead")}, log);
  test::GeneratedSource source("{\"a\":1}\n{\"big\":\"", 'x', 100ull << 20,
                               "\"}\n{\"after\":1}\n{\"z\":2}");
  FakeHandler handler;
  InputOptions options;
  options.max_line_size = 1 << 20;
  InputStage stage(source, options, bad, log);
  stage.run(handler);
  CHECK(handler.calls == std::vector<std::string>{"event 1 {\"a\":1}", "event 3 {\"after\":1}",
                                                  "event 4 {\"z\":2}", "finish"});
  CHECK(bad.count() == 1);
  auto dead = test::split_lines(test::read_whole_file(dir.file("dead")));
  REQUIRE(dead.size() == 1);
  CHECK(
      dead[0].rfind(
          R"({"source":"stdin","line":2,"reason":"line longer than --max-line-size (1048576 bytes); first 4096 bytes kept","raw":"{\"big\":\"xxx)",
          0) == 0);
}

TEST_CASE("input stage reads control records with odd whitespace and events that look alike",
          "[core][input_stage]") {
  SignalReset reset;
  auto r = run_stage(lines({" { \"$sluice\" : {\"start\":{\"source\":\"s\",\"run\":\"r\"}} } ",
                            "{\r\"$sluice\":{\"checkpoint\":1,\"run\":\"r\",\"pos\":1}}",
                            R"({"$sluice":{"end":{"checkpoint":1}},"x":1})",
                            R"({"$sluice":{"future":{}}})", k_end}),
                     {}, {ErrorPolicy::Mode::fail, ""});
  CHECK_FALSE(r.error);
  CHECK(r.calls == std::vector<std::string>{"control 1 start", "control 2 checkpoint",
                                            R"(event 3 {"$sluice":{"end":{"checkpoint":1}},"x":1})",
                                            "control 4 unknown", "control 5 end", "finish"});
}

// With a real pipe: the stage calls on_idle when nothing more is ready, waits in poll()
// with the handler's timer as deadline and calls on_timer when it passes.
TEST_CASE("input stage waits on a pipe with the handler's timer", "[core][input_stage]") {
  SignalReset reset;
  test::Pipe pipe;
  Log log("test", true);
  BadData bad({ErrorPolicy::Mode::fail, ""}, log);
  FdSource source(pipe.read_end, "stdin");
  FakeHandler handler;
  handler.on_event_hook = [&](const Line&) {
    handler.timer = Clock::now() + std::chrono::milliseconds(20);
  };
  std::thread writer([&] {
    std::string first = lines({k_start, "{\"a\":1}"});
    REQUIRE(::write(pipe.write_end, first.data(), first.size()) ==
            static_cast<ssize_t>(first.size()));
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    std::string rest = lines({k_end});
    REQUIRE(::write(pipe.write_end, rest.data(), rest.size()) == static_cast<ssize_t>(rest.size()));
    pipe.close_write();
  });
  InputStage stage(source, InputOptions{}, bad, log);
  stage.run(handler);
  writer.join();
  // Whatever the reads: the event, then idle, then the timer before the end record.
  CHECK(handler.count("timer") == 1);
  CHECK(handler.in_order({"event 2 {\"a\":1}", "idle", "timer", "control 3 end", "finish"}));
  CHECK(handler.calls.back() == "finish");
}

TEST_CASE("input stage exits 143 while waiting on a pipe after two signals",
          "[core][input_stage]") {
  SignalReset reset;
  test::Pipe pipe;
  Log log("test", true);
  BadData bad({ErrorPolicy::Mode::fail, ""}, log);
  FdSource source(pipe.read_end, "stdin");
  FakeHandler handler;
  InputStage stage(source, InputOptions{}, bad, log);
  std::thread signaller([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    signals::raise_for_test(SIGTERM);
    signals::raise_for_test(SIGTERM);
  });
  // poll() sees no EINTR from raise_for_test: the handler's timer wakes it to look.
  handler.timer = Clock::now() + std::chrono::milliseconds(20);
  handler.rearm = std::chrono::milliseconds(20);
  try {
    stage.run(handler);
    FAIL("run did not throw");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::terminated);
  }
  signaller.join();
  CHECK(handler.count("finish") == 0);
  CHECK(handler.count("abandon") == 0);
}

// A real SIGTERM interrupts poll() (handlers have no SA_RESTART): the first one is only
// noted, the second exits.
TEST_CASE("input stage blocked in poll exits 143 at the second real SIGTERM",
          "[core][input_stage]") {
  SignalReset reset;
  struct sigaction old_int, old_term;
  sigaction(SIGINT, nullptr, &old_int);
  sigaction(SIGTERM, nullptr, &old_term);
  signals::install();
  test::Pipe pipe;
  Log log("test", true);
  BadData bad({ErrorPolicy::Mode::fail, ""}, log);
  FdSource source(pipe.read_end, "stdin");
  FakeHandler handler;
  handler.timer = Clock::now() + std::chrono::milliseconds(200);
  handler.rearm = std::chrono::milliseconds(200); // only a safety net against a lost race
  InputStage stage(source, InputOptions{}, bad, log);
  pthread_t main_thread = pthread_self();
  std::thread signaller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    pthread_kill(main_thread, SIGTERM);
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    pthread_kill(main_thread, SIGTERM);
  });
  std::optional<ExitCode> code;
  try {
    stage.run(handler);
  } catch (const Error& e) {
    code = e.code();
  }
  signaller.join();
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  CHECK(code == std::optional<ExitCode>(ExitCode::terminated));
  CHECK(handler.count("finish") == 0);
  CHECK(handler.count("abandon") == 0);
}

} // namespace
} // namespace sluice::core
