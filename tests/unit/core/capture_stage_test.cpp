#include "core/capture_stage.hpp"

#include "core/error.hpp"
#include "core/fd.hpp"
#include "core/file_store.hpp"
#include "core_test_support.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <fcntl.h>
#include <functional>
#include <sys/stat.h>

namespace sluice::core {
namespace {

using control::BarrierId;
using test::SignalReset;
using test::TempDir;

// Produces `total` events {"n":i}; its position is the number of events produced.
struct FakeSource : CaptureSource {
  int total = 0;
  int per_call = 1;
  std::chrono::milliseconds sleep{0};
  int idle_calls = 0; // calls answered `idle` after the events ran out, before `done`
  std::function<void(int call)> hook;
  int throw_at = -1;

  int calls = 0;
  int produced = 0;
  std::optional<std::string> sought;
  std::vector<std::string> acknowledged;

  std::string source_id() const override { return "fake-src"; }
  int compare_pos(std::string_view a, std::string_view b) const override {
    long x = std::stol(std::string(a));
    long y = std::stol(std::string(b));
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  void seek(const std::string& pos) override {
    sought = pos;
    produced = pos == "null" ? 0 : std::stoi(pos);
  }
  Produced produce(Emitter& out, Clock::time_point) override {
    ++calls;
    if (hook) {
      hook(calls);
    }
    if (calls == throw_at) {
      throw Error(ExitCode::io, "read source: boom");
    }
    for (int i = 0; i < per_call && produced < total; ++i) {
      out.event("{\"n\":" + std::to_string(++produced) + "}");
    }
    if (sleep.count() > 0) {
      std::this_thread::sleep_for(sleep);
    }
    if (produced < total) {
      return Produced::more;
    }
    if (idle_calls > 0) {
      --idle_calls;
      return Produced::idle;
    }
    return Produced::done;
  }
  std::string position() const override { return std::to_string(produced); }
  std::optional<Clock::time_point> wake_at() const override {
    return Clock::now() + std::chrono::milliseconds(2);
  }
  void acknowledge(const std::string& pos) override { acknowledged.push_back(pos); }
};

// What run_capture wrote, read back from the file it wrote to.
struct Output {
  std::vector<std::string> lines;
  std::vector<control::Record> records; // one per line; events are Unknown
  std::vector<bool> is_control;

  explicit Output(const std::string& path) {
    simdjson::ondemand::parser parser;
    for (const auto& line : test::split_lines(test::read_whole_file(path))) {
      lines.push_back(line);
      control::Record record = control::Unknown{};
      bool control = control::may_be_control(line);
      if (control) {
        simdjson::padded_string padded(line);
        std::string why;
        INFO(line);
        REQUIRE(control::parse_control(parser, padded, &record, &why) == control::Parsed::control);
      }
      records.push_back(record);
      is_control.push_back(control);
    }
  }
  template <class T> std::vector<T> all() const {
    std::vector<T> out;
    for (const auto& r : records) {
      if (const T* t = std::get_if<T>(&r)) {
        out.push_back(*t);
      }
    }
    return out;
  }
  size_t events() const {
    return static_cast<size_t>(std::count(is_control.begin(), is_control.end(), false));
  }
};

// Runs a capture writing to a temp file (run_capture points the fd at /dev/null when done).
struct CaptureRun {
  TempDir dir;
  std::string path = dir.file("out.ndjson");
  Fd fd = open_file(path, O_WRONLY | O_CREAT | O_TRUNC);
  std::optional<Error> error;

  void run(FakeSource& source, const CaptureOptions& options,
           ErrorPolicy policy = {ErrorPolicy::Mode::fail, ""}) {
    Log log("capture", true);
    BadData bad(policy, log);
    LineWriter out(fd.get(), "stdout");
    try {
      run_capture(source, out, bad, options, log);
    } catch (const Error& e) {
      error = e;
    }
  }
};

// Every barrier counts up from 1 in the start record's run, its pos is the number of
// events before it, and the stream ends with the final barrier and the end record.
void check_stream(const Output& out, const FakeSource& source) {
  REQUIRE(out.lines.size() >= 3);
  const auto* start = std::get_if<control::Start>(&out.records.front());
  REQUIRE(start != nullptr);
  CHECK(start->source == "fake-src");
  CHECK(start->run.size() == 16);
  REQUIRE(source.sought);
  const int base = *source.sought == "null" ? 0 : std::stoi(*source.sought);
  uint64_t expected_checkpoint = 0;
  int events = 0;
  for (size_t i = 1; i < out.lines.size(); ++i) {
    if (!out.is_control[i]) {
      ++events;
      CHECK(out.lines[i] == "{\"n\":" + std::to_string(base + events) + "}");
      continue;
    }
    if (const auto* c = std::get_if<control::Checkpoint>(&out.records[i])) {
      CHECK(c->checkpoint == ++expected_checkpoint);
      CHECK(c->run == start->run);
      CHECK(c->source == "fake-src");
      CHECK(c->pos == std::to_string(base + events));
      continue;
    }
    const auto* end = std::get_if<control::End>(&out.records[i]);
    REQUIRE(end != nullptr);
    CHECK(i == out.lines.size() - 1);
    CHECK(end->checkpoint == expected_checkpoint);
    CHECK(std::holds_alternative<control::Checkpoint>(out.records[i - 1]));
  }
  CHECK(std::holds_alternative<control::End>(out.records.back()));
}

TEST_CASE("capture stage writes start events barriers per interval and the end",
          "[core][capture_stage]") {
  SignalReset reset;
  FakeSource source;
  source.total = 20;
  source.sleep = std::chrono::milliseconds(3);
  CaptureOptions options;
  options.checkpoint_interval = std::chrono::milliseconds(10);
  CaptureRun run;
  run.run(source, options);
  CHECK_FALSE(run.error);
  Output out(run.path);
  check_stream(out, source);
  CHECK(out.events() == 20);
  const auto& start = std::get<control::Start>(out.records.front());
  CHECK_FALSE(start.resume);
  CHECK(start.pos == "null");
  CHECK(source.sought == std::optional<std::string>("null"));
  CHECK(out.all<control::Checkpoint>().size() >= 2); // at least one per interval, and the final
  CHECK(out.all<control::Checkpoint>().back().pos == "20");
  CHECK(source.acknowledged == std::vector<std::string>{"20"});
}

TEST_CASE("capture stage writes no interval barrier without new events", "[core][capture_stage]") {
  SignalReset reset;
  FakeSource source;
  source.total = 3;
  source.per_call = 3;
  source.idle_calls = 15; // about 30 ms of idling, wake_at every 2 ms
  CaptureOptions options;
  options.checkpoint_interval = std::chrono::milliseconds(5);
  CaptureRun run;
  run.run(source, options);
  CHECK_FALSE(run.error);
  Output out(run.path);
  check_stream(out, source);
  auto barriers = out.all<control::Checkpoint>();
  REQUIRE(barriers.size() == 2); // one interval barrier after the events, then the final one
  CHECK(barriers[0].pos == "3");
  CHECK(barriers[1].pos == "3");
}

TEST_CASE("capture stage flushes its output while the source is idle", "[core][capture_stage]") {
  SignalReset reset;
  CaptureRun run;
  FakeSource source;
  source.total = 1;
  source.idle_calls = 2;
  std::string seen_while_idle;
  source.hook = [&](int call) {
    if (call == 3) {
      seen_while_idle = test::read_whole_file(run.path);
    }
  };
  run.run(source, CaptureOptions{});
  CHECK_FALSE(run.error);
  auto seen = test::split_lines(seen_while_idle);
  REQUIRE(seen.size() == 2);
  CHECK(control::may_be_control(seen[0]));
  CHECK(seen[1] == "{\"n\":1}");
}

TEST_CASE("capture stage with a store and no sink times out the drain with 75",
          "[core][capture_stage]") {
  SignalReset reset;
  TempDir dir;
  FileStore store(dir.file("app.ckpt"));
  FakeSource source;
  source.total = 3;
  CaptureOptions options;
  options.store = &store;
  options.drain_timeout = std::chrono::milliseconds(50);
  CaptureRun run;
  auto started = Clock::now();
  run.run(source, options);
  REQUIRE(run.error);
  CHECK(run.error->code() == ExitCode::temporary);
  CHECK(std::string(run.error->what()).find("none is registered") != std::string::npos);
  CHECK(Clock::now() - started >= std::chrono::milliseconds(50));
  CHECK(source.acknowledged.empty());
  Output out(run.path);
  check_stream(out, source); // the end record was written before the wait, and no abort after
}

TEST_CASE("capture stage times out while a registered sink has not reached the barrier",
          "[core][capture_stage]") {
  SignalReset reset;
  TempDir dir;
  FileStore store(dir.file("app.ckpt"));
  store.register_sink("fake-src", "sink-1", "null");
  FakeSource source;
  source.total = 2;
  CaptureOptions options;
  options.store = &store;
  options.drain_timeout = std::chrono::milliseconds(30);
  CaptureRun run;
  run.run(source, options);
  REQUIRE(run.error);
  CHECK(run.error->code() == ExitCode::temporary);
  CHECK(std::string(run.error->what()).find("all 1 registered sinks") != std::string::npos);
  CHECK(source.acknowledged.empty());
}

// Two sinks registered with positions: the capture resumes from the lower one, and returns
// once both record its final barrier (done here by a thread while run_capture waits).
TEST_CASE("capture stage resumes from the lowest sink and ends when sinks reach the final barrier",
          "[core][capture_stage]") {
  SignalReset reset;
  TempDir dir;
  const std::string store_path = dir.file("app.ckpt");
  FileStore store(store_path);
  StoreEntry a;
  a.source = "fake-src";
  a.sink = "sink-a";
  a.barrier = BarrierId{"r0", 7};
  a.pos = "7";
  StoreEntry b = a;
  b.sink = "sink-b";
  b.barrier = BarrierId{"r0", 4};
  b.pos = "4";
  store.record(a);
  store.record(b);

  FakeSource source;
  source.total = 10;
  CaptureOptions options;
  options.store = &store;
  options.drain_timeout = std::chrono::seconds(20);
  CaptureRun run;
  std::atomic<bool> recorded{false};
  std::thread sink([&] {
    FileStore own(store_path);
    for (int i = 0; i < 4000 && !recorded; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      auto lines = test::split_lines(test::read_whole_file(run.path));
      if (lines.size() < 2 || lines.back().find("\"end\"") == std::string::npos) {
        continue;
      }
      simdjson::ondemand::parser parser;
      simdjson::padded_string padded(lines[lines.size() - 2]);
      control::Record record;
      std::string why;
      REQUIRE(control::parse_control(parser, padded, &record, &why) == control::Parsed::control);
      const auto& barrier = std::get<control::Checkpoint>(record);
      for (const auto* name : {"sink-a", "sink-b"}) {
        StoreEntry e;
        e.source = "fake-src";
        e.sink = name;
        e.barrier = barrier.id();
        e.pos = barrier.pos;
        own.record(e);
      }
      recorded = true;
    }
  });
  run.run(source, options);
  sink.join();
  CHECK(recorded);
  CHECK_FALSE(run.error);
  CHECK(source.sought == std::optional<std::string>("4"));
  Output out(run.path);
  check_stream(out, source);
  const auto& start = std::get<control::Start>(out.records.front());
  REQUIRE(start.resume);
  CHECK(*start.resume == BarrierId{"r0", 4});
  CHECK(start.pos == "4");
  CHECK(out.events() == 6);
  CHECK(out.lines[1] == "{\"n\":5}");
  CHECK(source.acknowledged == std::vector<std::string>{"10"});
}

TEST_CASE("capture stage starts from the beginning while a sink has recorded nothing",
          "[core][capture_stage]") {
  SignalReset reset;
  TempDir dir;
  FileStore store(dir.file("app.ckpt"));
  StoreEntry a;
  a.source = "fake-src";
  a.sink = "sink-a";
  a.barrier = BarrierId{"r0", 7};
  a.pos = "7";
  store.record(a);
  store.register_sink("fake-src", "sink-b", "null");
  FakeSource source;
  source.total = 2;
  CaptureOptions options;
  options.store = &store;
  options.drain_timeout = std::chrono::milliseconds(1);
  CaptureRun run;
  run.run(source, options);
  CHECK(source.sought == std::optional<std::string>("null"));
  Output out(run.path);
  CHECK_FALSE(std::get<control::Start>(out.records.front()).resume);
}

TEST_CASE("capture stage writes an abort record when the source fails and rethrows",
          "[core][capture_stage]") {
  SignalReset reset;
  FakeSource source;
  source.total = 100;
  source.throw_at = 4;
  CaptureRun run;
  run.run(source, CaptureOptions{});
  REQUIRE(run.error);
  CHECK(run.error->code() == ExitCode::io);
  CHECK(std::string(run.error->what()) == "read source: boom");
  Output out(run.path);
  REQUIRE(out.lines.size() == 5); // start, 3 events, abort
  CHECK(std::holds_alternative<control::Start>(out.records.front()));
  CHECK(out.events() == 3);
  const auto* abort = std::get_if<control::Abort>(&out.records.back());
  REQUIRE(abort != nullptr);
  CHECK(abort->exit == 74);
  CHECK(abort->stage == "capture");
  CHECK(abort->reason == "read source: boom");
  CHECK(out.all<control::End>().empty());
  CHECK(source.acknowledged.empty());
}

TEST_CASE("capture stage with bad data under fail aborts with 65", "[core][capture_stage]") {
  SignalReset reset;
  struct BadSource : FakeSource {
    bool reported = false;
    Produced produce(Emitter& out, Clock::time_point until) override {
      if (!reported) {
        reported = true;
        out.bad_data().report("orders.ndjson", 2, "x", "not a JSON object");
      }
      return FakeSource::produce(out, until);
    }
  } bad_source;
  bad_source.total = 5;
  CaptureRun run;
  run.run(bad_source, CaptureOptions{});
  REQUIRE(run.error);
  CHECK(run.error->code() == ExitCode::data);
  Output out(run.path);
  const auto* abort = std::get_if<control::Abort>(&out.records.back());
  REQUIRE(abort != nullptr);
  CHECK(abort->exit == 65);
  CHECK(abort->reason == "orders.ndjson:2: not a JSON object");
}

TEST_CASE("capture stage without control writes only events", "[core][capture_stage]") {
  SignalReset reset;
  FakeSource source;
  source.total = 5;
  source.sleep = std::chrono::milliseconds(2);
  CaptureOptions options;
  options.control = false;
  options.checkpoint_interval = std::chrono::milliseconds(1);
  CaptureRun run;
  run.run(source, options);
  CHECK_FALSE(run.error);
  Output out(run.path);
  CHECK(out.lines ==
        std::vector<std::string>{"{\"n\":1}", "{\"n\":2}", "{\"n\":3}", "{\"n\":4}", "{\"n\":5}"});
  CHECK(source.acknowledged == std::vector<std::string>{"5"});

  FakeSource failing;
  failing.total = 5;
  failing.throw_at = 2;
  CaptureRun failed;
  failed.run(failing, options);
  REQUIRE(failed.error);
  Output none(failed.path);
  CHECK(none.all<control::Abort>().empty()); // no abort record either
  CHECK(none.events() == none.lines.size());
}

TEST_CASE("emitter drops the source's own control records without control",
          "[core][capture_stage]") {
  TempDir dir;
  std::string path = dir.file("out.ndjson");
  for (bool controls : {true, false}) {
    {
      Fd fd = open_file(path, O_WRONLY | O_CREAT | O_TRUNC);
      Log log("capture", true);
      BadData bad(ErrorPolicy{}, log);
      LineWriter out(fd.get(), "stdout");
      Emitter emit(out, bad, controls);
      emit.control(R"({"$sluice":{"schema":{"table":"t"}}})");
      emit.event(R"({"n":1})");
      out.flush();
      CHECK(emit.events() == 1);
    }
    Output out(path);
    CHECK(out.lines.size() == (controls ? 2U : 1U));
    CHECK(out.lines.back() == R"({"n":1})");
  }
}

TEST_CASE("capture stage stops reading at the first signal and ends cleanly",
          "[core][capture_stage]") {
  SignalReset reset;
  FakeSource source;
  source.total = 1000000;
  source.hook = [](int call) {
    if (call == 3) {
      signals::raise_for_test(SIGTERM);
    }
  };
  CaptureRun run;
  run.run(source, CaptureOptions{});
  CHECK_FALSE(run.error);
  Output out(run.path);
  check_stream(out, source);
  CHECK(out.events() == 3);
  CHECK(source.acknowledged == std::vector<std::string>{"3"});
}

TEST_CASE("capture stage exits at once after a second signal without an abort record",
          "[core][capture_stage]") {
  SignalReset reset;
  for (int signo : {SIGTERM, SIGINT}) {
    signals::reset_for_test();
    FakeSource source;
    source.total = 1000000;
    source.hook = [signo](int call) {
      if (call == 3) {
        signals::raise_for_test(signo);
        signals::raise_for_test(signo);
      }
    };
    CaptureRun run;
    run.run(source, CaptureOptions{});
    REQUIRE(run.error);
    CHECK(run.error->code() == (signo == SIGTERM ? ExitCode::terminated : ExitCode::interrupted));
    Output out(run.path);
    CHECK(out.all<control::Abort>().empty());
    CHECK(out.all<control::End>().empty());
    CHECK(source.acknowledged.empty());
  }
}

TEST_CASE("capture stage treats a closed downstream as quiet without a store and 75 with one",
          "[core][capture_stage]") {
  SignalReset reset;
  std::signal(SIGPIPE, SIG_IGN);
  for (bool with_store : {false, true}) {
    CAPTURE(with_store);
    TempDir dir;
    FileStore store(dir.file("app.ckpt"));
    test::Pipe pipe;
    pipe.close_read();
    FakeSource source;
    source.total = 3;
    CaptureOptions options;
    options.store = with_store ? &store : nullptr;
    Log log("capture", true);
    BadData bad({ErrorPolicy::Mode::fail, ""}, log);
    LineWriter out(pipe.write_end, "stdout");
    try {
      run_capture(source, out, bad, options, log);
      FAIL("run_capture did not throw");
    } catch (const Error& e) {
      CHECK(e.is_broken_pipe() == !with_store);
      CHECK(e.code() == (with_store ? ExitCode::temporary : ExitCode::ok));
    }
    CHECK(source.acknowledged.empty());
  }
}

TEST_CASE("capture stage points its output at /dev/null when it is done", "[core][capture_stage]") {
  SignalReset reset;
  FakeSource source;
  source.total = 1;
  CaptureRun run;
  run.run(source, CaptureOptions{});
  CHECK_FALSE(run.error);
  struct stat st;
  struct stat null;
  REQUIRE(fstat(run.fd.get(), &st) == 0);
  REQUIRE(stat("/dev/null", &null) == 0);
  CHECK(st.st_rdev == null.st_rdev);
}

// A source whose position moves while it produces no events (a database whose
// log advances without changes to the captured tables), and that can ask for
// progress acknowledgements, start over, and emit its own control records.
struct MovingSource : FakeSource {
  int moves = 0;        // idle calls left that advance the position by 100
  bool progress = false;
  bool over = false;
  bool beginning = false;
  int extra = 0;
  Produced produce(Emitter& out, Clock::time_point until) override {
    if (calls == 0) {
      out.control("{\"$sluice\":{\"schema\":{\"table\":\"t\",\"columns\":[]}}}");
    }
    Produced p = FakeSource::produce(out, until);
    if (p != Produced::more && moves > 0) {
      --moves;
      extra += 100;
      std::this_thread::sleep_for(std::chrono::milliseconds(3));
      return Produced::idle;
    }
    return p;
  }
  std::string position() const override { return std::to_string(produced + extra); }
  void seek_beginning() override {
    beginning = true;
    seek("null");
  }
  bool started_over() const override { return over; }
  bool acknowledges_progress() const override { return progress; }
};

TEST_CASE("capture stage writes a barrier when the position moves without events",
          "[core][capture_stage]") {
  SignalReset reset;
  MovingSource source;
  source.total = 2;
  source.per_call = 2;
  source.moves = 10;
  CaptureOptions options;
  options.checkpoint_interval = std::chrono::milliseconds(5);
  CaptureRun run;
  run.run(source, options);
  CHECK_FALSE(run.error);
  Output out(run.path);
  auto barriers = out.all<control::Checkpoint>();
  REQUIRE(barriers.size() >= 3);
  CHECK(barriers.back().pos == "1002");
  for (size_t i = 1; i + 1 < barriers.size(); ++i) {
    CHECK(barriers[i].pos != barriers[i - 1].pos); // interval barriers only when it moved
  }
  CHECK(out.events() == 2);
}

TEST_CASE("capture stage writes a source's own control records without counting them",
          "[core][capture_stage]") {
  SignalReset reset;
  MovingSource source;
  source.total = 1;
  CaptureRun run;
  run.run(source, CaptureOptions{});
  CHECK_FALSE(run.error);
  Output out(run.path);
  REQUIRE(out.lines.size() == 5); // start, schema, event, final barrier, end
  CHECK(std::holds_alternative<control::Schema>(out.records[1]));
  CHECK(out.lines[2] == "{\"n\":1}");
}

TEST_CASE("capture stage asks for the very beginning while a sink has recorded nothing",
          "[core][capture_stage]") {
  SignalReset reset;
  TempDir dir;
  FileStore store(dir.file("app.ckpt"));
  store.register_sink("fake-src", "sink-a", "null");
  MovingSource source;
  source.total = 1;
  CaptureOptions options;
  options.store = &store;
  options.drain_timeout = std::chrono::milliseconds(1);
  CaptureRun run;
  run.run(source, options);
  CHECK(source.beginning);

  MovingSource plain;
  plain.total = 1;
  CaptureRun again;
  again.run(plain, CaptureOptions{});
  CHECK_FALSE(plain.beginning); // nothing registered: the source's own start
}

TEST_CASE("capture stage announces a source that started over with resume null",
          "[core][capture_stage]") {
  SignalReset reset;
  TempDir dir;
  FileStore store(dir.file("app.ckpt"));
  StoreEntry a;
  a.source = "fake-src";
  a.sink = "sink-a";
  a.barrier = BarrierId{"r0", 7};
  a.pos = "7";
  store.record(a);
  MovingSource source;
  source.total = 9;
  source.over = true;
  CaptureOptions options;
  options.store = &store;
  options.drain_timeout = std::chrono::milliseconds(1);
  CaptureRun run;
  run.run(source, options);
  CHECK(source.sought == std::optional<std::string>("7"));
  Output out(run.path);
  const auto& start = std::get<control::Start>(out.records.front());
  CHECK_FALSE(start.resume);
  CHECK(start.pos == "null");
}

TEST_CASE("capture stage acknowledges written barriers while running without a store",
          "[core][capture_stage]") {
  SignalReset reset;
  MovingSource source;
  source.total = 2;
  source.per_call = 2;
  source.moves = 10;
  source.progress = true;
  CaptureOptions options;
  options.checkpoint_interval = std::chrono::milliseconds(5);
  CaptureRun run;
  run.run(source, options);
  CHECK_FALSE(run.error);
  Output out(run.path);
  auto barriers = out.all<control::Checkpoint>();
  REQUIRE(source.acknowledged.size() >= 2);
  CHECK(source.acknowledged.back() == "1002"); // the drain's final acknowledgement
  for (const auto& pos : source.acknowledged) {
    bool written = std::any_of(barriers.begin(), barriers.end(),
                               [&](const control::Checkpoint& c) { return c.pos == pos; });
    CHECK(written);
  }
}

TEST_CASE("capture stage acknowledges what every sink recorded while running",
          "[core][capture_stage]") {
  SignalReset reset;
  TempDir dir;
  FileStore store(dir.file("app.ckpt"));
  StoreEntry a;
  a.source = "fake-src";
  a.sink = "sink-a";
  a.barrier = BarrierId{"r0", 3};
  a.pos = "30";
  StoreEntry b = a;
  b.sink = "sink-b";
  b.pos = "20";
  store.record(a);
  store.record(b);
  MovingSource source;
  source.total = 40;
  source.progress = true;
  source.sleep = std::chrono::milliseconds(1);
  CaptureOptions options;
  options.store = &store;
  options.checkpoint_interval = std::chrono::milliseconds(5);
  options.drain_timeout = std::chrono::milliseconds(1);
  CaptureRun run;
  run.run(source, options);
  REQUIRE(run.error); // no sink records the final barrier
  CHECK(source.acknowledged == std::vector<std::string>{"20"});
}

// Asks for a barrier once, after `at` events, and notes what barrier_written() got
// and what stdout held by then.
struct BarrierSource : FakeSource {
  int at = 3;
  std::string output_path;
  bool asked = false;
  std::vector<std::optional<BarrierId>> written;
  std::string output_when_written;

  Produced produce(Emitter& out, Clock::time_point until) override {
    if (!asked && produced == at) {
      asked = true;
      return Produced::barrier;
    }
    return FakeSource::produce(out, until);
  }
  void barrier_written(const std::optional<BarrierId>& id) override {
    written.push_back(id);
    output_when_written = test::read_whole_file(output_path);
  }
};

TEST_CASE("capture stage writes and flushes a barrier the source asks for",
          "[core][capture_stage]") {
  SignalReset reset;
  BarrierSource source;
  source.total = 5;
  CaptureRun run;
  source.output_path = run.path;
  CaptureOptions options;
  options.checkpoint_interval = std::chrono::hours(1);
  run.run(source, options);
  CHECK_FALSE(run.error);
  Output out(run.path);
  check_stream(out, source);
  auto barriers = out.all<control::Checkpoint>();
  REQUIRE(barriers.size() == 2); // the one asked for, and the final one
  CHECK(barriers[0].pos == "3");
  REQUIRE(source.written.size() == 1);
  REQUIRE(source.written[0]);
  CHECK(*source.written[0] == barriers[0].id());
  auto lines = test::split_lines(source.output_when_written);
  REQUIRE(lines.size() == 5); // start, three events, the barrier: all on stdout already
  CHECK(lines.back() == out.lines[4]);
}

TEST_CASE("capture stage without control only flushes when the source asks for a barrier",
          "[core][capture_stage]") {
  SignalReset reset;
  BarrierSource source;
  source.total = 5;
  CaptureRun run;
  source.output_path = run.path;
  CaptureOptions options;
  options.control = false;
  options.checkpoint_interval = std::chrono::hours(1);
  run.run(source, options);
  CHECK_FALSE(run.error);
  REQUIRE(source.written.size() == 1);
  CHECK_FALSE(source.written[0]);
  CHECK(test::split_lines(source.output_when_written).size() == 3);
  CHECK(Output(run.path).lines.size() == 5);
}

} // namespace
} // namespace sluice::core
