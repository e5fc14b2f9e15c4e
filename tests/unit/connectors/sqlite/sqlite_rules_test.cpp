// --delete-mode and --if-newer in sink sqlite (src/connectors/sqlite/sqlite_rules.cpp).
#include "connectors/sqlite/sqlite_sink.hpp"

#include "core/error.hpp"
#include "sqlite_test_support.hpp"

using sluice::connectors::DeleteMode;
using sluice::connectors::sqlite::SqliteSink;
using sluice::connectors::sqlite::SqliteSinkOptions;
using sluice::core::Error;
using sluice::core::ExitCode;
using sluice::core::JsonPath;
using sluice::test::Feeder;
using sluice::test::query;
using sluice::test::TempDir;
using Rows = std::vector<std::string>;

namespace {

SqliteSinkOptions ruled(const std::string& db, DeleteMode mode, const char* if_newer) {
  SqliteSinkOptions o{db, std::string("t"), {}, false, mode, std::nullopt};
  if (if_newer != nullptr) {
    JsonPath p;
    std::string why;
    REQUIRE(JsonPath::parse(if_newer, &p, &why));
    o.if_newer = p;
  }
  return o;
}

std::string change(const char* op, int id, int ts, const char* v = "x") {
  std::string row = std::string(R"({"id":)") + std::to_string(id) + R"(,"v":")" + v + "\"}";
  std::string after = std::string(op) == "delete" ? "null" : row;
  std::string before = std::string(op) == "delete" ? row : "null";
  return std::string(R"({"op":")") + op + R"(","ts":)" + std::to_string(ts) + R"(,"key":{"id":)" +
         std::to_string(id) + R"(},"before":)" + before + R"(,"after":)" + after + "}";
}

} // namespace

TEST_CASE("sink sqlite keeps a row deleted when an older update arrives after the delete",
          "[connectors][sqlite][rules]") {
  TempDir dir;
  std::string db = dir.file("t.db");
  SqliteSink sink(ruled(db, DeleteMode::remove, "ts"));
  Feeder feed;
  REQUIRE(feed.write(sink, change("insert", 1, 10, "a")));
  REQUIRE(feed.write(sink, change("delete", 1, 30)));
  REQUIRE(feed.write(sink, change("update", 1, 20, "old")));
  sink.commit(nullptr, nullptr);
  CHECK(query(db, "SELECT count(*) FROM t") == Rows{"0"});
  CHECK(query(db, "SELECT table_name, key, ord FROM _sluice_tombstones") ==
        Rows{"t|{\"id\":1}|30"});
  REQUIRE(feed.write(sink, change("insert", 1, 40, "new")));
  sink.commit(nullptr, nullptr);
  CHECK(query(db, "SELECT id, v, _sluice_order FROM t") == Rows{"1|new|40"});
  CHECK(sink.summary().find("1 older changes skipped") != std::string::npos);
}

TEST_CASE("sink sqlite skips a change older than the stored row", "[connectors][sqlite][rules]") {
  TempDir dir;
  std::string db = dir.file("t.db");
  SqliteSink sink(ruled(db, DeleteMode::remove, "ts"));
  Feeder feed;
  REQUIRE(feed.write(sink, change("update", 2, 50, "newest")));
  REQUIRE(feed.write(sink, change("update", 2, 40, "older")));
  REQUIRE(feed.write(sink, change("update", 2, 50, "same time")));
  REQUIRE(feed.write(sink, change("delete", 2, 45)));
  sink.commit(nullptr, nullptr);
  CHECK(query(db, "SELECT id, v, _sluice_order FROM t") == Rows{"2|same time|50"});
}

TEST_CASE("sink sqlite soft deletes set the deleted flag and upserts clear it",
          "[connectors][sqlite][rules]") {
  TempDir dir;
  std::string db = dir.file("t.db");
  SqliteSink sink(ruled(db, DeleteMode::soft, nullptr));
  Feeder feed;
  REQUIRE(feed.write(sink, change("insert", 1, 10, "a")));
  REQUIRE(feed.write(sink, change("insert", 2, 10, "b")));
  REQUIRE(feed.write(sink, change("delete", 1, 20)));
  sink.commit(nullptr, nullptr);
  CHECK(query(db, "SELECT id, v, _sluice_deleted FROM t ORDER BY id") == Rows{"1|a|1", "2|b|0"});
  REQUIRE(feed.write(sink, change("update", 1, 30, "back")));
  sink.commit(nullptr, nullptr);
  CHECK(query(db, "SELECT id, v, _sluice_deleted FROM t ORDER BY id") ==
        Rows{"1|back|0", "2|b|0"});
}

TEST_CASE("sink sqlite soft deletes with if-newer keep the key as a tombstone row",
          "[connectors][sqlite][rules]") {
  TempDir dir;
  std::string db = dir.file("t.db");
  SqliteSink sink(ruled(db, DeleteMode::soft, "ts"));
  Feeder feed;
  REQUIRE(feed.write(sink, change("insert", 5, 1, "first")));
  REQUIRE(feed.write(sink, change("delete", 7, 30)));
  REQUIRE(feed.write(sink, change("update", 7, 20, "old")));
  sink.commit(nullptr, nullptr);
  CHECK(query(db, "SELECT id, v, _sluice_deleted, _sluice_order FROM t ORDER BY id") ==
        Rows{"5|first|0|1", "7|NULL|1|30"});
}

TEST_CASE("sink sqlite ignores deletes under delete-mode ignore", "[connectors][sqlite][rules]") {
  TempDir dir;
  std::string db = dir.file("t.db");
  SqliteSink sink(ruled(db, DeleteMode::ignore, nullptr));
  Feeder feed;
  REQUIRE(feed.write(sink, change("insert", 1, 10)));
  REQUIRE(feed.write(sink, change("delete", 1, 20)));
  sink.commit(nullptr, nullptr);
  CHECK(query(db, "SELECT count(*) FROM t") == Rows{"1"});
  CHECK(sink.summary().find("1 deletes ignored") != std::string::npos);
}

TEST_CASE("sink sqlite treats a missing if-newer field as bad data except on truncates",
          "[connectors][sqlite][rules]") {
  TempDir dir;
  std::string db = dir.file("t.db");
  SqliteSink sink(ruled(db, DeleteMode::remove, "after.version"));
  Feeder feed;
  std::string why;
  CHECK_FALSE(feed.write(sink, change("insert", 1, 10), &why));
  CHECK(why == "--if-newer field \"after.version\" is missing");
  CHECK(feed.write(sink, R"({"op":"truncate","ts":1})"));
}

TEST_CASE("sink sqlite refuses the rules with raw", "[connectors][sqlite][rules]") {
  TempDir dir;
  SqliteSinkOptions o = ruled(dir.file("t.db"), DeleteMode::soft, nullptr);
  o.raw = true;
  try {
    SqliteSink sink(o);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::usage);
  }
}
