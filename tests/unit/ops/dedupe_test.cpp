#include "ops/dedupe.hpp"

#include "../core/core_test_support.hpp"
#include "core/error.hpp"
#include "ops_test_support.hpp"

#include <catch2/catch.hpp>

namespace sluice::ops {
namespace {

using namespace test;

core::JsonPath path(const std::string& text) {
  core::JsonPath p;
  std::string why;
  if (!core::JsonPath::parse(text, &p, &why)) {
    throw std::runtime_error(why);
  }
  return p;
}

DedupeOptions options(std::vector<std::string> keys = {"id"}) {
  DedupeOptions o;
  for (const auto& k : keys) {
    o.keys.push_back(path(k));
  }
  o.time = path("ts");
  return o;
}

// Event times are epoch milliseconds from T0.
constexpr int64_t T0 = 1732406400000;

std::string ev(const std::string& id, int64_t ts = 0) {
  return R"({"id":")" + id + R"(","ts":)" + std::to_string(T0 + ts) + "}";
}

TEST_CASE("dedupe passes the first event of a key and drops the repeats", "[ops][dedupe]") {
  SideLines dups;
  DedupeOptions o = options();
  o.duplicates = &dups;
  Dedupe d(o);
  Feeder f(d);
  f.lines({ev("a"), ev("b"), ev("a", 5), ev("c"), ev("b", 9)});
  f.tick(); // the last event is decided at the stage's next timer call
  CHECK(f.out.lines == std::vector<std::string>{ev("a"), ev("b"), ev("c")});
  CHECK(dups.lines == std::vector<std::string>{ev("a", 5), ev("b", 9)});
  CHECK(d.duplicates() == 2);
  CHECK(d.summary() == "2 duplicates dropped, 3 keys remembered");
}

TEST_CASE("dedupe compares keys by value, not by spelling", "[ops][dedupe]") {
  Dedupe d(options({"k"}));
  Feeder f(d);
  CHECK(f.line(R"({"k":"x"})"));
  CHECK(f.line(R"({"k":"\u0078"})"));                 // the same string
  CHECK(f.line(R"({"k":{"a":1, "b":[1, 2]}})"));
  CHECK(f.line(R"({"k" : {"a":1,"b":[1,2]} })"));    // the same object
  CHECK(f.line(R"({"k":1})"));
  CHECK(f.line(R"({"k":"1"})"));                      // a string is not a number
  CHECK(f.line(R"({"k":true})"));
  CHECK(f.line(R"({"k":null})"));
  f.tick();
  CHECK(f.out.lines.size() == 6);
}

TEST_CASE("dedupe keys on several paths together", "[ops][dedupe]") {
  Dedupe d(options({"table", "key.id"}));
  Feeder f(d);
  f.lines({R"({"table":"a","key":{"id":1}})", R"({"table":"b","key":{"id":1}})",
           R"({"key":{"id":1},"table":"a","x":2})"});
  f.tick();
  CHECK(f.out.lines.size() == 2);
}

TEST_CASE("dedupe refuses an event without its key as bad data", "[ops][dedupe]") {
  Dedupe d(options());
  Feeder f(d);
  CHECK_FALSE(f.line(R"({"ts":1})"));
  CHECK(f.last_why == "field \"id\" is missing (--key)");
  CHECK(f.out.lines.empty());
}

TEST_CASE("dedupe forgets keys older than --within by event time", "[ops][dedupe]") {
  DedupeOptions o = options();
  o.within = std::chrono::milliseconds(60000);
  Dedupe d(o);
  Feeder f(d);
  f.lines({ev("a", 1000), ev("a", 30000), ev("b", 120000), ev("a", 120001)});
  f.tick();
  CHECK(f.out.lines == std::vector<std::string>{ev("a", 1000), ev("b", 120000), ev("a", 120001)});
  CHECK_FALSE(f.line(R"({"id":"z"})"));
  CHECK(f.last_why.find("field \"ts\" is missing") != std::string::npos);
  CHECK(d.summary().find("expired by --within") != std::string::npos);
}

TEST_CASE("dedupe evicts the oldest keys past --max-keys and warns rate-limited",
          "[ops][dedupe]") {
  std::vector<std::string> warnings;
  DedupeOptions o = options();
  o.max_keys = 64;
  o.warn = [&](const std::string& w) { warnings.push_back(w); };
  Dedupe d(o);
  Feeder f(d);
  for (int i = 0; i < 1000; ++i) {
    f.line(ev(std::to_string(i)));
  }
  f.tick();
  CHECK(d.state().keys() <= 64);
  CHECK(f.out.lines.size() == 1000);
  REQUIRE(warnings.size() >= 2);
  CHECK(warnings.size() <= 4); // the 1st, 10th, 100th eviction…
  CHECK(warnings[0].find("--max-keys 64 reached") != std::string::npos);
  f.line(ev("999"));
  f.line(ev("0"));
  f.tick();
  CHECK(f.out.lines.size() == 1001); // 999 is remembered, 0 was forgotten
}

TEST_CASE("dedupe with --exact behaves the same", "[ops][dedupe]") {
  DedupeOptions o = options();
  o.exact = true;
  Dedupe d(o);
  Feeder f(d);
  f.lines({ev("a"), ev("b"), ev("a"), ev("b"), ev("c")});
  f.tick();
  CHECK(f.out.lines.size() == 3);
}

TEST_CASE("dedupe decides an event when the next arrives, at a control record, on its timer "
          "or at the end",
          "[ops][dedupe]") {
  Dedupe d(options());
  Feeder f(d);
  CHECK_FALSE(d.next_timer());
  f.line(ev("a"));
  CHECK(f.out.lines.empty()); // held while the next line is read
  REQUIRE(d.next_timer());    // and the stage is asked to decide it at once when idle
  f.line(ev("a", 1));
  CHECK(f.out.lines == std::vector<std::string>{ev("a")});
  f.tick();
  CHECK(d.duplicates() == 1);
  CHECK_FALSE(d.next_timer());
  f.lines({ev("b"), barrier_line(1)});
  CHECK(f.out.lines == std::vector<std::string>{ev("a"), ev("b"), barrier_line(1)});
  f.line(ev("c"));
  d.on_finish(f.out);
  CHECK(f.out.lines.back() == ev("c"));
  f.line(ev("d"));
  d.on_abandon(); // upstream died: the held event is dropped with the rest
  d.on_finish(f.out);
  CHECK(f.out.lines.back() == ev("c"));
}

TEST_CASE("dedupe forwards control records in order", "[ops][dedupe]") {
  Dedupe d(options());
  Feeder f(d);
  f.lines({start_line(), ev("a"), barrier_line(1), ev("a"), ev("b"), barrier_line(2), k_end});
  CHECK(f.out.lines ==
        std::vector<std::string>{start_line(), ev("a"), barrier_line(1), ev("b"), barrier_line(2), k_end});
}

// One life of `dedupe --state`: the hooks run as in the stage.
struct Life {
  core::StateJournal journal;
  core::Log log{"dedupe", true};
  core::SideFile dups;
  Dedupe dedupe;
  core::StatePersistence persistence;
  Feeder feeder;

  Life(const core::test::TempDir& dir, DedupeOptions o)
      : journal(dir.file("state")), dups(dir.file("dups")), dedupe(with(o, &dups)),
        persistence(journal, dedupe, {&dups}, core::PersistenceOptions{}, log), feeder(dedupe) {
    feeder.out.hooks.push_back(&persistence);
  }
  static DedupeOptions with(DedupeOptions o, core::SideFile* dups) {
    o.saved_state = true;
    o.duplicates = dups;
    return o;
  }
};

TEST_CASE("dedupe state survives a restart at the resumed checkpoint", "[ops][dedupe]") {
  core::test::TempDir dir;
  {
    Life life(dir, options());
    life.feeder.lines({start_line(), ev("a"), ev("b"), ev("a"), barrier_line(1), ev("c"),
                       ev("b"), barrier_line(2), ev("d"), ev("c")});
    // Crash: nothing after checkpoint 2 is kept.
  }
  CHECK(core::test::read_whole_file(dir.file("dups")) == ev("a") + "\n" + ev("b") + "\n");
  Life life(dir, options());
  life.feeder.lines({start_line(R"({"run":"r1","checkpoint":1})", "r3"), ev("c"), ev("b"),
                     ev("a"), ev("d"), barrier_line(1, "r3")});
  // Restored at checkpoint 1: a and b are remembered, c and d are not.
  CHECK(life.feeder.out.take() ==
        std::vector<std::string>{start_line(R"({"run":"r1","checkpoint":1})", "r3"), ev("c"),
                                 ev("d"), barrier_line(1, "r3")});
  // The duplicates file was cut back to checkpoint 1, then got this life's repeats.
  CHECK(core::test::read_whole_file(dir.file("dups")) ==
        ev("a") + "\n" + ev("b") + "\n" + ev("a") + "\n");
}

TEST_CASE("dedupe persists its state before a barrier goes out", "[ops][dedupe]") {
  core::test::TempDir dir;
  Life life(dir, options());
  struct Probe : core::ControlHook {
    core::StateJournal* journal;
    bool had = false;
    void before_barrier(const core::control::Checkpoint& b) override {
      had = journal->find(b.id()) != nullptr;
    }
  } probe;
  probe.journal = &life.journal;
  life.feeder.out.hooks.push_back(&probe); // runs after the persistence hook
  life.feeder.lines({start_line(), ev("a"), barrier_line(1)});
  CHECK(probe.had);
  CHECK(life.feeder.out.lines.back() == barrier_line(1));
}

TEST_CASE("dedupe with saved state refuses state made with other keys", "[ops][dedupe]") {
  core::test::TempDir dir;
  {
    Life life(dir, options());
    life.feeder.lines({start_line(), ev("a"), barrier_line(1)});
  }
  Life life(dir, options({"key"}));
  try {
    life.feeder.line(start_line(R"({"run":"r1","checkpoint":1})"));
    FAIL("no error");
  } catch (const core::Error& e) {
    CHECK(e.code() == core::ExitCode::data);
    CHECK(std::string(e.what()).find("--key id") != std::string::npos);
  }
}

TEST_CASE("dedupe with saved state needs a start record before events", "[ops][dedupe]") {
  core::test::TempDir dir;
  Life life(dir, options());
  try {
    life.feeder.line(ev("a"));
    FAIL("no error");
  } catch (const core::Error& e) {
    CHECK(e.code() == core::ExitCode::usage);
  }
}

} // namespace
} // namespace sluice::ops
