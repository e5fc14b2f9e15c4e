#include "connectors/sqlite/sqlite_store.hpp"

#include "sqlite_test_support.hpp"

#include <unistd.h>

using sluice::connectors::sqlite::SqliteStore;
using sluice::core::StoreEntry;
using sluice::test::TempDir;

TEST_CASE("sqlite store keeps the first entry when a sink registers twice",
          "[connectors][sqlite]") {
  TempDir dir;
  SqliteStore store(dir.file("s.db"));
  StoreEntry first = store.register_sink("src", "sink", "{\"a\":1}");
  CHECK_FALSE(first.barrier);
  StoreEntry second = store.register_sink("src", "sink", "{\"a\":2}");
  CHECK(second.state == "{\"a\":1}");
  CHECK(second.updated_ms == first.updated_ms);
  store.register_sink("src", "other", "null");
  store.register_sink("elsewhere", "sink", "null");
  auto entries = store.entries("src");
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].sink == "other");
  CHECK(entries[1].sink == "sink");
}

TEST_CASE("sqlite store record replaces the entry", "[connectors][sqlite]") {
  TempDir dir;
  SqliteStore store(dir.file("s.db"));
  store.register_sink("src", "sink", "null");
  StoreEntry e{"src",      "sink",      sluice::core::control::BarrierId{"run7", 42},
               "\"0/1A\"", "{\"n\":1}", 99};
  store.record(e);
  e.barrier->checkpoint = 43;
  e.pos = "\"0/1B\"";
  store.record(e);
  // A second store on the same file (as a capture would open it) reads it back.
  SqliteStore reader(dir.file("s.db"));
  auto entries = reader.entries("src");
  REQUIRE(entries.size() == 1);
  REQUIRE(entries[0].barrier);
  CHECK(entries[0].barrier->run == "run7");
  CHECK(entries[0].barrier->checkpoint == 43);
  CHECK(entries[0].pos == "\"0/1B\"");
  CHECK(entries[0].state == "{\"n\":1}");
  CHECK(entries[0].updated_ms == 99);
}

TEST_CASE("sqlite store reads nothing from a missing database and does not create it",
          "[connectors][sqlite]") {
  TempDir dir;
  SqliteStore store(dir.file("missing.db"));
  CHECK(store.entries("src").empty());
  CHECK(access(dir.file("missing.db").c_str(), F_OK) != 0);
  // A database without the table holds nothing either.
  sluice::test::execute(dir.file("empty.db"), "CREATE TABLE t(a)");
  CHECK(SqliteStore(dir.file("empty.db")).entries("src").empty());
}

TEST_CASE("sqlite store lists every source and removes one entry", "[connectors][sqlite]") {
  TempDir dir;
  SqliteStore store(dir.file("s.db"));
  CHECK(store.all_entries().empty()); // no database yet
  CHECK_FALSE(store.remove("src", "sink"));
  store.register_sink("src-b", "sink", "null");
  store.register_sink("src-a", "sink-2", "null");
  store.register_sink("src-a", "sink-1", "null");
  auto all = store.all_entries();
  REQUIRE(all.size() == 3);
  CHECK(all[0].sink == "sink-1");
  CHECK(all[2].source == "src-b");
  CHECK(store.remove("src-a", "sink-1"));
  CHECK_FALSE(store.remove("src-a", "sink-1"));
  SqliteStore reader(dir.file("s.db"));
  CHECK(reader.all_entries().size() == 2);
  CHECK(reader.entries("src-a").size() == 1);
}

TEST_CASE("sqlite store run lock refuses the tool while a stage runs", "[connectors][sqlite]") {
  TempDir dir;
  auto stage = std::make_unique<SqliteStore>(dir.file("s.db"));
  CHECK(stage->lock_running(sluice::core::RunLock::shared));
  SqliteStore tool(dir.file("s.db"));
  CHECK_FALSE(tool.lock_running(sluice::core::RunLock::exclusive));
  stage.reset();
  CHECK(tool.lock_running(sluice::core::RunLock::exclusive));
  CHECK(access(dir.file("s.db-sluice.lock").c_str(), F_OK) == 0);
}
