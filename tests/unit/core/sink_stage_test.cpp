#include "core/sink_stage.hpp"

#include "core/error.hpp"
#include "core/file_store.hpp"
#include "core_test_support.hpp"

#include <catch2/catch.hpp>

namespace sluice::core {
namespace {

using control::BarrierId;
using test::ChunkSource;
using test::SignalReset;
using test::TempDir;

// A destination that records every call; its state is the number of committed rows.
struct FakeTarget : SinkTarget {
  std::vector<std::string> calls;
  CheckpointStore* store = nullptr; // to look at the store from write()
  std::string source;               // the source whose entry write() expects
  bool registered_before_write = true;
  uint64_t rows = 0;      // written, committed or not
  uint64_t committed = 0; // rows made durable
  std::optional<StoreEntry> opened_entry;
  std::optional<BarrierId> opened_resume;
  bool refuse_next = false;

  std::string default_sink_id() const override { return "fake:/dest"; }
  std::string initial_state() override { return "{\"rows\":0}"; }
  void open(const StoreEntry* entry, const std::optional<BarrierId>& resume) override {
    calls.push_back(entry != nullptr ? "open entry" : "open");
    if (entry != nullptr) {
      opened_entry = *entry;
    }
    opened_resume = resume;
  }
  bool write(const Line& line, simdjson::ondemand::document&, std::string* why) override {
    if (refuse_next) {
      refuse_next = false;
      *why = "no \"id\" field";
      return false;
    }
    if (store != nullptr) {
      bool found = false;
      for (const auto& e : store->entries(source)) {
        found = found || e.sink == default_sink_id();
      }
      registered_before_write = registered_before_write && found;
    }
    calls.push_back("write " + std::to_string(line.number));
    ++rows;
    return true;
  }
  void commit(CheckpointStore* s, StoreEntry* record) override {
    committed = rows;
    if (record == nullptr) {
      calls.push_back("commit");
      return;
    }
    REQUIRE(s != nullptr);
    record->state = "{\"rows\":" + std::to_string(committed) + "}";
    s->record(*record);
    calls.push_back("commit record " + std::to_string(record->barrier->checkpoint));
  }
  void rollback() override {
    rows = committed;
    calls.push_back("rollback");
  }
  void finish() override { calls.push_back("finish"); }
  void on_schema(const control::Schema&) override { calls.push_back("schema"); }
  std::string summary() const override { return std::to_string(committed) + " rows"; }
};

std::string start_line(const std::string& source, const std::string& run = "r1") {
  return control::make_start({source, run, std::nullopt, "null"});
}
std::string barrier_line(uint64_t n, const std::string& pos, const std::string& run = "r1") {
  return control::make_checkpoint({n, "src", run, pos});
}
std::string end_line(uint64_t n) {
  return control::make_end({n});
}

std::string lines(std::initializer_list<std::string> items) {
  std::string out;
  for (const auto& s : items) {
    out += s + "\n";
  }
  return out;
}

struct SinkRun {
  std::optional<Error> error;
};

SinkRun run(const std::string& input, FakeTarget& target, SinkOptions options, bool expects_end,
            ErrorPolicy policy = {ErrorPolicy::Mode::fail, ""}) {
  Log log("sink", true);
  BadData bad(policy, log);
  ChunkSource source(input, 1 << 20);
  InputOptions input_options;
  input_options.expects_end = expects_end;
  SinkRun r;
  try {
    run_sink(source, target, options, input_options, bad, log);
  } catch (const Error& e) {
    r.error = e;
  }
  return r;
}

TEST_CASE("sink stage registers at the start record before any write", "[core][sink_stage]") {
  SignalReset reset;
  TempDir dir;
  FileStore store(dir.file("app.ckpt"));
  FakeTarget target;
  target.store = &store;
  target.source = "src";
  SinkOptions options;
  options.store = &store;
  auto r = run(
      lines({start_line("src"), "{\"a\":1}", "{\"a\":2}", barrier_line(1, "\"p2\""), end_line(1)}),
      target, options, true);
  CHECK_FALSE(r.error);
  CHECK(target.registered_before_write);
  CHECK(target.calls ==
        std::vector<std::string>{"open entry", "write 2", "write 3", "commit record 1", "finish"});
  REQUIRE(target.opened_entry);
  CHECK(target.opened_entry->sink == "fake:/dest");
  CHECK(target.opened_entry->state == "{\"rows\":0}");
  CHECK_FALSE(target.opened_entry->barrier);
}

TEST_CASE("sink stage barrier commits and records source sink run checkpoint and pos",
          "[core][sink_stage]") {
  SignalReset reset;
  TempDir dir;
  FileStore store(dir.file("app.ckpt"));
  FakeTarget target;
  SinkOptions options;
  options.store = &store;
  options.sink_id = "my-sink";
  auto r = run(lines({start_line("src", "run-7"), "{\"a\":1}",
                      barrier_line(1, "{\"lsn\":\"0/10\"}", "run-7"), "{\"a\":2}", "{\"a\":3}",
                      barrier_line(2, "{\"lsn\":\"0/30\"}", "run-7"), end_line(2)}),
               target, options, true);
  CHECK_FALSE(r.error);
  CHECK(target.calls == std::vector<std::string>{"open entry", "write 2", "commit record 1",
                                                 "write 4", "write 5", "commit record 2",
                                                 "finish"});
  auto entries = store.entries("src");
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].source == "src");
  CHECK(entries[0].sink == "my-sink");
  REQUIRE(entries[0].barrier);
  CHECK(*entries[0].barrier == BarrierId{"run-7", 2});
  CHECK(entries[0].pos == "{\"lsn\":\"0/30\"}");
  CHECK(entries[0].state == "{\"rows\":3}");
  CHECK(entries[0].updated_ms > 0);
}

TEST_CASE("sink stage batch commits without recording", "[core][sink_stage]") {
  SignalReset reset;
  TempDir dir;
  FileStore store(dir.file("app.ckpt"));
  FakeTarget target;
  SinkOptions options;
  options.store = &store;
  options.batch = 2;
  auto r = run(lines({start_line("src"), "{\"a\":1}", "{\"a\":2}", "{\"a\":3}", "{\"a\":4}",
                      "{\"a\":5}", end_line(0)}),
               target, options, true);
  CHECK_FALSE(r.error);
  CHECK(target.calls == std::vector<std::string>{"open entry", "write 2", "write 3", "commit",
                                                 "write 4", "write 5", "commit", "write 6",
                                                 "commit", "finish"});
  auto entries = store.entries("src");
  REQUIRE(entries.size() == 1);
  CHECK_FALSE(entries[0].barrier); // registered, nothing recorded
}

TEST_CASE("sink stage linger timer commits without recording", "[core][sink_stage]") {
  SignalReset reset;
  TempDir dir;
  FileStore store(dir.file("app.ckpt"));
  FakeTarget target;
  SinkOptions options;
  options.store = &store;
  options.linger = std::chrono::milliseconds(10);
  Log log("sink", true);
  BadData bad({ErrorPolicy::Mode::fail, ""}, log);
  SinkStage stage(target, options, bad, log);
  CHECK_FALSE(stage.next_timer());

  simdjson::ondemand::parser parser;
  auto feed = [&](const std::string& text, uint64_t number) {
    simdjson::padded_string padded(text);
    Line line{padded, number, 0, padded.size() + simdjson::SIMDJSON_PADDING};
    control::Record record;
    std::string why;
    if (control::may_be_control(text)) {
      REQUIRE(control::parse_control(parser, line.padded(), &record, &why) ==
              control::Parsed::control);
      stage.on_control(line, record);
      return;
    }
    simdjson::ondemand::document doc;
    REQUIRE(parser.iterate(line.padded()).get(doc) == simdjson::SUCCESS);
    stage.on_event(line, doc, nullptr);
  };
  feed(start_line("src"), 1);
  auto before = Clock::now();
  feed("{\"a\":1}", 2);
  REQUIRE(stage.next_timer());
  CHECK(*stage.next_timer() >= before + std::chrono::milliseconds(10));
  feed("{\"a\":2}", 3);
  stage.on_idle(); // linger > 0: idle alone does not commit
  CHECK(target.calls.back() == "write 3");
  stage.on_timer(*stage.next_timer());
  CHECK(target.calls.back() == "commit");
  CHECK_FALSE(stage.next_timer());
  CHECK(stage.recorded() == 0);
  CHECK_FALSE(store.entries("src")[0].barrier);
  stage.on_timer(Clock::now()); // nothing pending: no commit
  CHECK(target.calls.size() == 4);
}

TEST_CASE("sink stage with linger 0 commits whenever the input is idle", "[core][sink_stage]") {
  SignalReset reset;
  FakeTarget target;
  SinkOptions options;
  options.linger = std::chrono::microseconds(0);
  Log log("sink", true);
  BadData bad({ErrorPolicy::Mode::fail, ""}, log);
  SinkStage stage(target, options, bad, log);
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(std::string("{\"a\":1}"));
  Line line{padded, 1, 0, padded.size() + simdjson::SIMDJSON_PADDING};
  simdjson::ondemand::document doc;
  REQUIRE(parser.iterate(line.padded()).get(doc) == simdjson::SUCCESS);
  stage.on_event(line, doc, nullptr);
  CHECK_FALSE(stage.next_timer());
  stage.on_idle();
  CHECK(target.calls == std::vector<std::string>{"open", "write 1", "commit"});
  stage.on_idle();
  CHECK(target.calls.size() == 3);
}

// Through a real pipe: the stage waits in poll() and the linger timer commits.
TEST_CASE("sink stage commits on linger while the input is quiet", "[core][sink_stage]") {
  SignalReset reset;
  test::Pipe pipe;
  FakeTarget target;
  SinkOptions options;
  options.linger = std::chrono::milliseconds(5);
  Log log("sink", true);
  BadData bad({ErrorPolicy::Mode::fail, ""}, log);
  FdSource source(pipe.read_end, "stdin");
  std::thread writer([&] {
    std::string first = lines({start_line("src"), "{\"a\":1}"});
    REQUIRE(::write(pipe.write_end, first.data(), first.size()) ==
            static_cast<ssize_t>(first.size()));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::string rest = lines({end_line(0)});
    REQUIRE(::write(pipe.write_end, rest.data(), rest.size()) == static_cast<ssize_t>(rest.size()));
    pipe.close_write();
  });
  run_sink(source, target, options, InputOptions{}, bad, log);
  writer.join();
  CHECK(target.calls == std::vector<std::string>{"open", "write 2", "commit", "finish"});
}

TEST_CASE("sink stage EOF without end rolls back and records nothing past the last barrier",
          "[core][sink_stage]") {
  SignalReset reset;
  TempDir dir;
  FileStore store(dir.file("app.ckpt"));
  FakeTarget target;
  SinkOptions options;
  options.store = &store;
  auto r =
      run(lines({start_line("src"), "{\"a\":1}", barrier_line(1, "10"), "{\"a\":2}", "{\"a\":3}"}),
          target, options, true);
  REQUIRE(r.error);
  CHECK(r.error->code() == ExitCode::temporary);
  CHECK(target.calls == std::vector<std::string>{"open entry", "write 2", "commit record 1",
                                                 "write 4", "write 5", "rollback"});
  CHECK(target.committed == 1);
  CHECK(target.rows == 1);
  auto entries = store.entries("src");
  REQUIRE(entries.size() == 1);
  CHECK(*entries[0].barrier == BarrierId{"r1", 1});
  CHECK(entries[0].pos == "10");
}

TEST_CASE("sink stage abort rolls back and exits with the upstream code", "[core][sink_stage]") {
  SignalReset reset;
  TempDir dir;
  FileStore store(dir.file("app.ckpt"));
  FakeTarget target;
  SinkOptions options;
  options.store = &store;
  auto r = run(lines({start_line("src"), "{\"a\":1}", barrier_line(1, "10"), "{\"a\":2}",
                      control::make_abort({74, "transform", "disk full"}), end_line(1)}),
               target, options, true);
  REQUIRE(r.error);
  CHECK(r.error->is_upstream_abort());
  CHECK(r.error->code() == ExitCode::io);
  CHECK(target.calls.back() == "rollback");
  CHECK(store.entries("src")[0].barrier->checkpoint == 1);
}

TEST_CASE("sink stage with --source-id registers before reading", "[core][sink_stage]") {
  SignalReset reset;
  TempDir dir;
  FileStore store(dir.file("app.ckpt"));
  FakeTarget target;
  SinkOptions options;
  options.store = &store;
  options.source_id = "chosen";
  Log log("sink", true);
  BadData bad({ErrorPolicy::Mode::fail, ""}, log);
  SinkStage stage(target, options, bad, log);
  CHECK(store.entries("chosen").empty());
  stage.begin();
  auto entries = store.entries("chosen");
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].sink == "fake:/dest");
  CHECK_FALSE(entries[0].barrier);
  CHECK(target.calls == std::vector<std::string>{"open entry"});
}

TEST_CASE("sink stage with --source-id takes events without a start record", "[core][sink_stage]") {
  SignalReset reset;
  TempDir dir;
  FileStore store(dir.file("app.ckpt"));
  FakeTarget target;
  target.store = &store;
  target.source = "chosen";
  SinkOptions options;
  options.store = &store;
  options.source_id = "chosen";
  auto r = run(lines({"{\"a\":1}", start_line("upstream-name"), barrier_line(1, "5"), end_line(1)}),
               target, options, true);
  CHECK_FALSE(r.error);
  CHECK(target.registered_before_write);
  CHECK(target.calls ==
        std::vector<std::string>{"open entry", "write 1", "commit record 1", "finish"});
  // Recorded under the given id, not the start record's source.
  CHECK(store.entries("upstream-name").empty());
  REQUIRE(store.entries("chosen").size() == 1);
  CHECK(store.entries("chosen")[0].barrier->checkpoint == 1);
}

TEST_CASE("sink stage with a store refuses events before a start record", "[core][sink_stage]") {
  SignalReset reset;
  TempDir dir;
  FileStore store(dir.file("app.ckpt"));
  FakeTarget target;
  SinkOptions options;
  options.store = &store;
  auto r = run(lines({"{\"a\":1}", start_line("src"), end_line(0)}), target, options, true);
  REQUIRE(r.error);
  CHECK(r.error->code() == ExitCode::usage);
  CHECK(target.calls.empty());
  CHECK(store.all_entries().empty());
}

TEST_CASE("sink stage without a store writes plain events and finishes", "[core][sink_stage]") {
  SignalReset reset;
  FakeTarget target;
  auto r = run(lines({"{\"a\":1}", "{\"a\":2}"}), target, SinkOptions{}, false);
  CHECK_FALSE(r.error);
  CHECK(target.calls == std::vector<std::string>{"open", "write 1", "write 2", "commit", "finish"});
  FakeTarget empty;
  r = run("", empty, SinkOptions{}, false);
  CHECK_FALSE(r.error);
  CHECK(empty.calls == std::vector<std::string>{"open", "finish"});
}

TEST_CASE("sink stage without a store commits at barriers without recording",
          "[core][sink_stage]") {
  SignalReset reset;
  FakeTarget target;
  auto r = run(lines({start_line("src"), "{\"a\":1}", barrier_line(1, "5"), end_line(1)}), target,
               SinkOptions{}, false);
  CHECK_FALSE(r.error);
  CHECK(target.calls == std::vector<std::string>{"open", "write 2", "commit", "finish"});
}

TEST_CASE("sink stage refuses a second source", "[core][sink_stage]") {
  SignalReset reset;
  FakeTarget target;
  auto r = run(lines({start_line("a"), "{\"x\":1}", start_line("b"), end_line(0)}), target,
               SinkOptions{}, false);
  REQUIRE(r.error);
  CHECK(r.error->code() == ExitCode::data);
  // The same source again (a restarted capture) is fine.
  FakeTarget again;
  r = run(lines({start_line("a"), start_line("a", "r2"), end_line(0)}), again, SinkOptions{},
          false);
  CHECK_FALSE(r.error);
}

TEST_CASE("sink stage hands schemas to the target and reports refused events as bad data",
          "[core][sink_stage]") {
  SignalReset reset;
  FakeTarget target;
  target.refuse_next = true;
  auto r = run(lines({start_line("src"), R"({"$sluice":{"schema":{"table":"t","columns":[]}}})",
                      "{\"a\":1}", "{\"a\":2}", end_line(0)}),
               target, SinkOptions{}, false, {ErrorPolicy::Mode::skip, ""});
  CHECK_FALSE(r.error);
  CHECK(target.calls == std::vector<std::string>{"open", "schema", "write 4", "commit", "finish"});
  FakeTarget strict;
  strict.refuse_next = true;
  r = run(lines({start_line("src"), "{\"a\":1}", end_line(0)}), strict, SinkOptions{}, false);
  REQUIRE(r.error);
  CHECK(r.error->code() == ExitCode::data);
  CHECK(std::string(r.error->what()) == "stdin:2: no \"id\" field");
}

TEST_CASE("sink stage tells the target where the capture resumed", "[core][sink_stage]") {
  SignalReset reset;
  TempDir dir;
  FileStore store(dir.file("app.ckpt"));
  StoreEntry e;
  e.source = "src";
  e.sink = "fake:/dest";
  e.barrier = BarrierId{"r0", 4};
  e.pos = "40";
  e.state = "{\"rows\":9}";
  store.record(e);
  FakeTarget target;
  SinkOptions options;
  options.store = &store;
  auto r = run(lines({control::make_start({"src", "r1", BarrierId{"r0", 4}, "40"}), end_line(0)}),
               target, options, true);
  CHECK_FALSE(r.error);
  REQUIRE(target.opened_entry);
  CHECK(target.opened_entry->state == "{\"rows\":9}");
  REQUIRE(target.opened_resume);
  CHECK(*target.opened_resume == BarrierId{"r0", 4});
}

} // namespace
} // namespace sluice::core
