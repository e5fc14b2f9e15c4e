#include "core/state_persistence.hpp"

#include "core/error.hpp"
#include "core/file_store.hpp"
#include "core_test_support.hpp"

#include <catch2/catch.hpp>

namespace sluice::core {
namespace {

using control::BarrierId;
using test::TempDir;

// A state that is a list of words: a delta holds the words added since the last one.
struct Words : PersistentState {
  std::vector<std::string> words;
  std::vector<std::string> pending;

  void add(const std::string& w) {
    words.push_back(w);
    pending.push_back(w);
  }
  void reset_state() override {
    words.clear();
    pending.clear();
  }
  bool load_state(std::string_view bytes, bool snapshot, std::string* why) override {
    if (snapshot && !words.empty()) {
      *why = "snapshot into a state that is not empty";
      return false;
    }
    if (bytes.substr(0, 1) != (snapshot ? "S" : "D")) {
      *why = "bad tag";
      return false;
    }
    for (const auto& w : test::split_lines(std::string(bytes.substr(1)))) {
      words.push_back(w);
    }
    return true;
  }
  void take_delta(std::string* out) override {
    *out = "D";
    for (const auto& w : pending) {
      *out += w + "\n";
    }
    pending.clear();
  }
  void write_snapshot(StateWriter& out) override {
    out.write("S");
    for (const auto& w : words) {
      out.write(w + "\n");
    }
    pending.clear();
  }
  uint64_t snapshot_size() const override {
    uint64_t n = 1;
    for (const auto& w : words) {
      n += w.size() + 1;
    }
    return n;
  }
  std::string describe_state() const override { return std::to_string(words.size()) + " words"; }
};

control::Start start(std::optional<BarrierId> resume) {
  control::Start s;
  s.source = "src";
  s.run = "r2";
  s.resume = std::move(resume);
  return s;
}

control::Checkpoint barrier(const std::string& run, uint64_t n) {
  control::Checkpoint c;
  c.checkpoint = n;
  c.source = "src";
  c.run = run;
  return c;
}

ExitCode code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return ExitCode::ok;
}

struct Fixture {
  TempDir dir;
  Log log{"test", true};
  PersistenceOptions options;

  // Runs one stage life: start, then for each step either a word or a barrier number.
  std::vector<std::string> run(std::optional<BarrierId> resume,
                               const std::vector<std::string>& steps, SideFile* side = nullptr) {
    StateJournal journal(dir.file("state"));
    Words words;
    std::vector<SideFile*> sides;
    if (side != nullptr) {
      sides.push_back(side);
    }
    StatePersistence p(journal, words, sides, options, log);
    p.on_start(start(resume));
    for (const auto& s : steps) {
      if (s[0] == '#') {
        p.before_barrier(barrier("r1", std::stoull(s.substr(1))));
      } else {
        words.add(s);
        if (side != nullptr) {
          side->write_line(s);
        }
      }
    }
    return words.words;
  }
};

TEST_CASE("state persistence restores exactly the barrier named in resume",
          "[core][state_persistence]") {
  Fixture f;
  f.run(std::nullopt, {"a", "#1", "b", "c", "#2", "d", "#3", "e"});
  CHECK(f.run(BarrierId{"r1", 2}, {}) == std::vector<std::string>{"a", "b", "c"});
  // The versions newer than checkpoint 2 were discarded when it was restored.
  StateJournal journal(f.dir.file("state"));
  CHECK(journal.find({"r1", 3}) == nullptr);
  CHECK(journal.find({"r1", 1}) != nullptr);
}

TEST_CASE("state persistence restores an older checkpoint than the newest saved",
          "[core][state_persistence]") {
  Fixture f;
  f.run(std::nullopt, {"a", "#1", "b", "#2", "c", "#3", "d", "#4"});
  CHECK(f.run(BarrierId{"r1", 1}, {"x", "#5"}) == std::vector<std::string>{"a", "x"});
  CHECK(f.run(BarrierId{"r1", 5}, {}) == std::vector<std::string>{"a", "x"});
}

TEST_CASE("state persistence fails with exit 65 when the resumed state is missing",
          "[core][state_persistence]") {
  Fixture f;
  f.run(std::nullopt, {"a", "#1"});
  CHECK(code_of([&] { f.run(BarrierId{"r1", 7}, {}); }) == ExitCode::data);
  f.options.reset_state = true;
  CHECK(f.run(BarrierId{"r1", 7}, {"z"}) == std::vector<std::string>{"z"});
}

TEST_CASE("state persistence fails with exit 65 when the resumed state is corrupt",
          "[core][state_persistence]") {
  Fixture f;
  f.run(std::nullopt, {"alpha", "#1", "beta", "#2"});
  std::string path = f.dir.file("state") + "/segment-00000000000000000001.sjl";
  std::string whole = test::read_whole_file(path);
  whole[whole.find("beta")] = 'B';
  test::write_whole_file(path, whole);
  CHECK(code_of([&] { f.run(BarrierId{"r1", 2}, {}); }) == ExitCode::data);
  CHECK(f.run(BarrierId{"r1", 1}, {}) == std::vector<std::string>{"alpha"});
}

TEST_CASE("state persistence starts empty and discards saved state on a fresh start",
          "[core][state_persistence]") {
  Fixture f;
  f.run(std::nullopt, {"a", "#1", "b", "#2"});
  CHECK(f.run(std::nullopt, {}).empty());
  StateJournal journal(f.dir.file("state"));
  CHECK(journal.versions().empty());
}

TEST_CASE("state persistence cuts side files back to their size at the restored barrier",
          "[core][state_persistence]") {
  Fixture f;
  test::write_whole_file(f.dir.file("dups"), "before\n");
  {
    SideFile side(f.dir.file("dups"));
    f.run(std::nullopt, {"a", "#1", "b", "#2", "c"}, &side);
    side.sync();
  }
  CHECK(test::read_whole_file(f.dir.file("dups")) == "before\na\nb\nc\n");
  {
    SideFile side(f.dir.file("dups"));
    f.run(BarrierId{"r1", 1}, {}, &side);
  }
  CHECK(test::read_whole_file(f.dir.file("dups")) == "before\na\n");
  {
    SideFile side(f.dir.file("dups"));
    f.run(std::nullopt, {}, &side); // a fresh start: back to the size at the first start
  }
  CHECK(test::read_whole_file(f.dir.file("dups")) == "before\n");
}

TEST_CASE("state persistence compacts into a snapshot and keeps what the store still needs",
          "[core][state_persistence]") {
  Fixture f;
  f.options.compact_min_bytes = 0;
  FileStore store(f.dir.file("store.ckpt"));
  f.options.store = &store;
  StoreEntry e;
  e.source = "src";
  e.sink = "sink";
  e.barrier = BarrierId{"r1", 1};
  store.record(e);
  std::vector<std::string> steps;
  for (int i = 1; i <= 30; ++i) {
    steps.push_back("word" + std::to_string(i));
    steps.push_back("#" + std::to_string(i));
  }
  f.run(std::nullopt, steps);
  {
    StateJournal journal(f.dir.file("state"));
    CHECK(journal.find({"r1", 1}) != nullptr); // the sink recorded it: kept
    CHECK(journal.versions().back().header.barrier == BarrierId{"r1", 30});
    int snapshots = 0;
    for (const auto& v : journal.versions()) {
      snapshots += v.header.snapshot;
    }
    CHECK(snapshots >= 3);
  }
  e.barrier = BarrierId{"r1", 28};
  store.record(e);
  std::vector<std::string> more;
  for (int i = 31; i <= 50; ++i) {
    more.push_back("w" + std::to_string(i));
    more.push_back("#" + std::to_string(i));
  }
  auto words = f.run(BarrierId{"r1", 30}, more);
  CHECK(words.size() == 50);
  {
    StateJournal journal(f.dir.file("state"));
    CHECK(journal.find({"r1", 1}) == nullptr); // older than every needed version: pruned
    CHECK(journal.find({"r1", 28}) != nullptr);
  }
  CHECK(f.run(BarrierId{"r1", 28}, {}).size() == 28);
}

TEST_CASE("state persistence refuses a barrier before the start record and a second start",
          "[core][state_persistence]") {
  Fixture f;
  StateJournal journal(f.dir.file("state"));
  Words words;
  StatePersistence p(journal, words, {}, f.options, f.log);
  CHECK(code_of([&] { p.before_barrier(barrier("r1", 1)); }) == ExitCode::data);
  p.on_start(start(std::nullopt));
  CHECK(code_of([&] { p.on_start(start(std::nullopt)); }) == ExitCode::data);
}

} // namespace
} // namespace sluice::core
