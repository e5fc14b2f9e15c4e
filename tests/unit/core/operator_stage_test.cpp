#include "core/operator_stage.hpp"

#include "core/error.hpp"
#include "core/json_path.hpp"
#include "core_test_support.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <thread>

namespace sluice::core {
namespace {

using test::ChunkSource;
using test::TempDir;

const std::string k_start =
    R"({"$sluice":{"start":{"source":"s","run":"r1","resume":null,"pos":null}}})";
const std::string k_barrier = R"({"$sluice":{"checkpoint":1,"source":"s","run":"r1","pos":1}})";
const std::string k_end = R"({"$sluice":{"end":{"checkpoint":1}}})";

// Keeps events whose "keep" is true, refuses events with "bad", holds events
// with "hold" until the end, and counts what it saw.
struct TestOperator : Operator {
  std::vector<std::string> held;
  bool abandoned = false;

  bool on_event(const Line& line, simdjson::ondemand::document& doc, const PathValues*, Emit& out,
                std::string* why) override {
    JsonPath keep, bad, hold;
    std::string err;
    JsonPath::parse("keep", &keep, &err);
    JsonPath::parse("bad", &bad, &err);
    JsonPath::parse("hold", &hold, &err);
    simdjson::ondemand::value v;
    if (find_path(doc, bad, &v) == simdjson::SUCCESS) {
      *why = "refused";
      return false;
    }
    if (find_path(doc, hold, &v) == simdjson::SUCCESS) {
      held.emplace_back(line.text);
      return true;
    }
    bool k = false;
    if (find_path(doc, keep, &v) == simdjson::SUCCESS && v.get_bool().get(k) == simdjson::SUCCESS &&
        k) {
      out.event(line.text);
    }
    return true;
  }
  void on_finish(Emit& out) override {
    for (const auto& h : held) {
      out.event(h);
    }
    held.clear();
  }
  void on_abandon() override { abandoned = true; }
};

struct Run {
  std::string output;
  int code = 0;
  bool abandoned = false;
};

Run run(const std::string& input, const ErrorPolicy& policy = {}) {
  TempDir dir;
  std::string out_path = dir.path() + "/out";
  Fd out_fd = open_file(out_path, O_WRONLY | O_CREAT | O_TRUNC);
  LineWriter out(out_fd.get(), "out");
  ChunkSource in(input, 7);
  Log log("test", true);
  BadData bad(policy, log);
  TestOperator op;
  Run r;
  try {
    run_operator(in, out, op, InputOptions{}, bad, log);
  } catch (const Error& e) {
    r.code = static_cast<int>(e.code());
  }
  out.flush();
  r.output = test::read_whole_file(out_path);
  r.abandoned = op.abandoned;
  return r;
}

TEST_CASE("operator stage forwards control records and emitted events in order",
          "[core][operator_stage]") {
  std::string in = k_start + "\n" + R"({"keep":true,"n":1})" + "\n" + R"({"keep":false})" + "\n" +
                   k_barrier + "\n" + R"({"keep":true,"n":2})" + "\n" + k_end + "\n";
  Run r = run(in);
  CHECK(r.code == 0);
  CHECK(r.output == k_start + "\n" + R"({"keep":true,"n":1})" + "\n" + k_barrier + "\n" +
                        R"({"keep":true,"n":2})" + "\n" + k_end + "\n");
}

TEST_CASE("operator stage flushes what the operator holds at a clean end",
          "[core][operator_stage]") {
  Run r = run(R"({"hold":1})" "\n" R"({"keep":true})" "\n");
  CHECK(r.code == 0);
  CHECK(r.output == "{\"keep\":true}\n{\"hold\":1}\n");
}

TEST_CASE("operator stage drops what is held at EOF without end and exits 75",
          "[core][operator_stage]") {
  Run r = run(k_start + "\n" + R"({"hold":1})" + "\n");
  CHECK(r.code == 75);
  CHECK(r.abandoned);
  CHECK(r.output.find("{\"hold\":1}") == std::string::npos);
  CHECK(r.output.find(R"("abort":{"exit":75,"stage":"test")") != std::string::npos);
}

TEST_CASE("operator stage forwards an abort record and exits with its code",
          "[core][operator_stage]") {
  std::string abort = R"({"$sluice":{"abort":{"exit":65,"stage":"capture file","reason":"x"}}})";
  Run r = run(k_start + "\n" + R"({"keep":true})" + "\n" + abort + "\n" + R"({"keep":true})" + "\n");
  CHECK(r.code == 65);
  CHECK(r.output == k_start + "\n{\"keep\":true}\n" + abort + "\n");
}

TEST_CASE("operator stage applies the error policy to refused events", "[core][operator_stage]") {
  Run failed = run(R"({"keep":true})" "\n" R"({"bad":1})" "\n");
  CHECK(failed.code == 65);
  CHECK(failed.output.find(R"("abort":{"exit":65)") != std::string::npos);
  ErrorPolicy skip;
  skip.mode = ErrorPolicy::Mode::skip;
  Run skipped = run(R"({"bad":1})" "\n" R"({"keep":true})" "\n", skip);
  CHECK(skipped.code == 0);
  CHECK(skipped.output == "{\"keep\":true}\n");
}

// Logs the calls of the hooks and of the operator, in order.
struct LoggingHook : ControlHook {
  std::vector<std::string>* log;
  LineWriter* out;
  void on_start(const control::Start& s) override { log->push_back("hook start " + s.run); }
  void before_barrier(const control::Checkpoint& b) override {
    // The barrier is not written yet.
    bool written = out->buffer().find("\"checkpoint\":" + std::to_string(b.checkpoint)) !=
                   std::string::npos;
    log->push_back("hook barrier " + std::to_string(b.checkpoint) + (written ? " late" : ""));
  }
  void on_finish() override { log->push_back("hook finish"); }
};

struct LoggingOperator : TestOperator {
  std::vector<std::string>* log;
  void on_control(const Line& line, const control::Record& record, Emit& out) override {
    if (std::holds_alternative<control::Start>(record)) {
      log->push_back("operator start");
    }
    out.control(line.text, record);
  }
};

TEST_CASE("operator stage runs hooks at the start record, before barriers and at the end",
          "[core][operator_stage]") {
  TempDir dir;
  Fd out_fd = open_file(dir.file("out"), O_WRONLY | O_CREAT | O_TRUNC);
  LineWriter out(out_fd.get(), "out");
  std::string in = k_start + "\n" + R"({"keep":true})" + "\n" + k_barrier + "\n" + k_end + "\n";
  ChunkSource source(in, 5);
  Log log("test", true);
  BadData bad(ErrorPolicy{}, log);
  std::vector<std::string> calls;
  LoggingOperator op;
  op.log = &calls;
  LoggingHook hook;
  hook.log = &calls;
  hook.out = &out;
  run_operator(source, out, op, InputOptions{}, bad, log, {&hook});
  out.flush();
  CHECK(calls == std::vector<std::string>{"hook start r1", "operator start", "hook barrier 1",
                                          "hook finish"});
  CHECK(test::read_whole_file(dir.file("out")) == in);
}

// Holds each event until its timer fires.
struct TimerOperator : Operator {
  std::string held;
  bool on_event(const Line& line, simdjson::ondemand::document&, const PathValues*, Emit&,
                std::string*) override {
    held = std::string(line.text);
    return true;
  }
  std::optional<Clock::time_point> next_timer() const override {
    if (held.empty()) {
      return std::nullopt;
    }
    return Clock::time_point::min();
  }
  void on_timer(Clock::time_point, Emit& out) override {
    out.event(held);
    held.clear();
  }
};

TEST_CASE("operator stage writes what a timer emits while the input is idle",
          "[core][operator_stage]") {
  TempDir dir;
  test::Pipe pipe;
  Fd out_fd = open_file(dir.file("out"), O_WRONLY | O_CREAT | O_TRUNC);
  LineWriter out(out_fd.get(), "out");
  FdSource in(pipe.read_end, "stdin");
  Log log("test", true);
  BadData bad(ErrorPolicy{}, log);
  TimerOperator op;
  std::thread stage([&] { run_operator(in, out, op, InputOptions{}, bad, log); });
  std::string line = "{\"a\":1}\n";
  write_all(pipe.write_end, line.data(), line.size(), "pipe");
  std::string got;
  for (int i = 0; i < 200 && got.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    got = test::read_whole_file(dir.file("out"));
  }
  pipe.close_write();
  stage.join();
  CHECK(got == line); // written before the input ended
}

} // namespace
} // namespace sluice::core
