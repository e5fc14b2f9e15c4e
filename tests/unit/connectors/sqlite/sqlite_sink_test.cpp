#include "connectors/sqlite/sqlite_sink.hpp"

#include "connectors/sqlite/sqlite_store.hpp"
#include "core/error.hpp"
#include "core/file_store.hpp"
#include "sqlite_test_support.hpp"

using sluice::connectors::sqlite::SqliteSink;
using sluice::connectors::sqlite::SqliteSinkOptions;
using sluice::connectors::sqlite::SqliteStore;
using sluice::core::Error;
using sluice::core::ExitCode;
using sluice::core::JsonPath;
using sluice::core::StoreEntry;
using sluice::test::execute;
using sluice::test::Feeder;
using sluice::test::query;
using sluice::test::TempDir;
using Rows = std::vector<std::string>;

namespace {

SqliteSinkOptions options(const std::string& db, std::vector<std::string> upsert = {},
                          bool raw = false) {
  SqliteSinkOptions o;
  o.path = db;
  o.table = "orders";
  o.raw = raw;
  for (const auto& text : upsert) {
    JsonPath path;
    std::string why;
    REQUIRE(JsonPath::parse(text, &path, &why));
    o.upsert.push_back(path);
  }
  return o;
}

Rows columns(const std::string& db) {
  return query(db, "SELECT name, type, pk FROM pragma_table_info('orders') ORDER BY cid");
}

ExitCode code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return ExitCode::ok;
}

StoreEntry barrier_entry(const std::string& sink_id, uint64_t checkpoint) {
  StoreEntry e;
  e.source = "src";
  e.sink = sink_id;
  e.barrier = sluice::core::control::BarrierId{"run1", checkpoint};
  e.pos = "\"0/16\"";
  e.updated_ms = 1;
  return e;
}

} // namespace

TEST_CASE("sink sqlite upserts an insert then merges an update into the present columns",
          "[connectors][sqlite]") {
  TempDir dir;
  std::string db = dir.file("t.db");
  SqliteSink sink(options(db, {"key.order_id"}));
  Feeder feed;
  REQUIRE(feed.write(
      sink,
      R"({"op":"insert","key":{"order_id":1},"after":{"order_id":1,"amount":1.5,"status":"new"}})"));
  sink.commit(nullptr, nullptr);
  CHECK(columns(db) == Rows{"order_id|INTEGER|1", "amount|REAL|0", "status|TEXT|0"});
  REQUIRE(feed.write(
      sink, R"({"op":"update","key":{"order_id":1},"after":{"order_id":1,"status":"paid"}})"));
  REQUIRE(
      feed.write(sink, R"({"op":"read","key":{"order_id":2},"after":{"order_id":2,"amount":7}})"));
  sink.commit(nullptr, nullptr);
  CHECK(query(db, "SELECT * FROM orders ORDER BY order_id") == Rows{"1|1.5|paid", "2|7.0|NULL"});
  CHECK(sink.summary() == "3 rows upserted, 0 appended, 0 deleted, 0 truncates");
}

TEST_CASE("sink sqlite deletes a row by key", "[connectors][sqlite]") {
  TempDir dir;
  std::string db = dir.file("t.db");
  SqliteSink sink(options(db));
  Feeder feed;
  REQUIRE(feed.write(sink, R"({"op":"insert","key":{"id":1},"after":{"id":1,"v":"a"}})"));
  REQUIRE(feed.write(sink, R"({"op":"insert","key":{"id":2},"after":{"id":2,"v":"b"}})"));
  REQUIRE(feed.write(sink, R"({"op":"delete","key":{"id":1},"before":{"id":1},"after":null})"));
  // A key never stored, and a key column the table lacks, match nothing.
  REQUIRE(feed.write(sink, R"({"op":"delete","key":{"id":9},"after":null})"));
  REQUIRE(feed.write(sink, R"({"op":"delete","key":{"other":1},"after":null})"));
  std::string why;
  CHECK_FALSE(feed.write(sink, R"({"op":"delete","key":null,"after":null})", &why));
  CHECK(why.find("delete without a key") != std::string::npos);
  sink.commit(nullptr, nullptr);
  CHECK(query(db, "SELECT * FROM orders") == Rows{"2|b"});
  CHECK(sink.summary() == "2 rows upserted, 0 appended, 3 deleted, 0 truncates");
}

TEST_CASE("sink sqlite reads an after key path under before for a delete", "[connectors][sqlite]") {
  TempDir dir;
  std::string db = dir.file("t.db");
  SqliteSink sink(options(db, {"after.order_id"}));
  Feeder feed;
  REQUIRE(feed.write(sink, R"({"op":"insert","after":{"order_id":1,"v":1}})"));
  REQUIRE(feed.write(sink, R"({"op":"insert","after":{"order_id":2,"v":2}})"));
  REQUIRE(feed.write(sink, R"({"op":"delete","before":{"order_id":1},"after":null})"));
  std::string why;
  CHECK_FALSE(feed.write(sink, R"({"op":"delete","before":null,"after":null})", &why));
  CHECK(why == "key field \"after.order_id\" is missing");
  sink.commit(nullptr, nullptr);
  CHECK(query(db, "SELECT * FROM orders") == Rows{"2|2"});
}

TEST_CASE("sink sqlite empties the table on a truncate", "[connectors][sqlite]") {
  TempDir dir;
  std::string db = dir.file("t.db");
  SqliteSink sink(options(db));
  Feeder feed;
  // A truncate before the table exists has nothing to empty.
  REQUIRE(feed.write(sink, R"({"op":"truncate","table":"public.orders"})"));
  REQUIRE(feed.write(sink, R"({"op":"insert","key":{"id":1},"after":{"id":1}})"));
  REQUIRE(feed.write(sink, R"({"op":"insert","key":{"id":2},"after":{"id":2}})"));
  REQUIRE(feed.write(sink, R"({"op":"truncate","table":"public.orders"})"));
  REQUIRE(feed.write(sink, R"({"op":"insert","key":{"id":3},"after":{"id":3}})"));
  sink.commit(nullptr, nullptr);
  CHECK(query(db, "SELECT id FROM orders") == Rows{"3"});
  CHECK(sink.summary() == "3 rows upserted, 0 appended, 0 deleted, 2 truncates");
}

TEST_CASE("sink sqlite adds a column for a new field", "[connectors][sqlite]") {
  TempDir dir;
  std::string db = dir.file("t.db");
  SqliteSink sink(options(db, {"key.id"}));
  Feeder feed;
  REQUIRE(feed.write(sink, R"({"op":"insert","key":{"id":1},"after":{"id":1,"a":null}})"));
  sink.commit(nullptr, nullptr);
  REQUIRE(feed.write(
      sink, R"({"op":"update","key":{"id":1},"after":{"id":1,"b":2.5,"c":"x","d":[1],"e":true}})"));
  sink.commit(nullptr, nullptr);
  CHECK(columns(db) ==
        Rows{"id|INTEGER|1", "a||0", "b|REAL|0", "c|TEXT|0", "d|TEXT|0", "e|INTEGER|0"});
  CHECK(query(db, "SELECT * FROM orders") == Rows{"1|NULL|2.5|x|[1]|1"});
}

TEST_CASE("sink sqlite raw mode keeps the first event of a repeated id", "[connectors][sqlite]") {
  TempDir dir;
  std::string db = dir.file("t.db");
  SqliteSink sink(options(db, {}, true));
  Feeder feed;
  REQUIRE(feed.write(sink, R"({"id":"a","v":1})"));
  REQUIRE(feed.write(sink, R"({"id":"a","v":2})"));
  REQUIRE(feed.write(sink, R"({"id":17, "v":3})"));
  std::string why;
  CHECK_FALSE(feed.write(sink, R"({"v":4})", &why));
  CHECK(why == "field \"id\" is missing");
  CHECK_FALSE(feed.write(sink, R"({"id":null})", &why));
  CHECK(why == "field \"id\" is not a string or number");
  sink.commit(nullptr, nullptr);
  CHECK(columns(db) == Rows{"id|TEXT|1", "event|TEXT|0"});
  CHECK(query(db, "SELECT id, event FROM orders ORDER BY id") ==
        Rows{"17|{\"id\":17, \"v\":3}", "a|{\"id\":\"a\",\"v\":1}"});
  CHECK(sink.summary() == "2 events landed, 1 duplicate ids ignored");
}

TEST_CASE("sink sqlite rejects --raw with --upsert", "[connectors][sqlite]") {
  TempDir dir;
  CHECK(code_of([&] { SqliteSink sink(options(dir.file("t.db"), {"id"}, true)); }) ==
        ExitCode::usage);
}

TEST_CASE("sink sqlite appends non-CDC events without --upsert and upserts them with it",
          "[connectors][sqlite]") {
  TempDir dir;
  std::string db = dir.file("t.db");
  Feeder feed;
  {
    SqliteSink sink(options(db));
    REQUIRE(feed.write(sink, R"({"user":"a","n":1,"op":"login"})"));
    REQUIRE(feed.write(sink, R"({"user":"a","n":2})"));
    std::string why;
    CHECK_FALSE(feed.write(sink, R"({})", &why));
    CHECK(why == "the event has no fields to write");
    sink.commit(nullptr, nullptr);
    CHECK(sink.summary() == "0 rows upserted, 2 appended, 0 deleted, 0 truncates");
  }
  CHECK(query(db, "SELECT * FROM orders") == Rows{"a|1|login", "a|2|NULL"});
  CHECK(columns(db) == Rows{"user|TEXT|0", "n|INTEGER|0", "op|TEXT|0"});
  execute(db, "DROP TABLE orders");
  SqliteSink sink(options(db, {"data.user"}));
  REQUIRE(feed.write(sink, R"({"data":{"user":"a","n":1}})"));
  REQUIRE(feed.write(sink, R"({"data":{"user":"a","n":2}})"));
  sink.commit(nullptr, nullptr);
  CHECK(columns(db) == Rows{"user|TEXT|1", "data|TEXT|0"});
  CHECK(query(db, "SELECT * FROM orders") == Rows{"a|{\"user\":\"a\",\"n\":2}"});
}

TEST_CASE("sink sqlite takes the key from the key object without --upsert",
          "[connectors][sqlite]") {
  TempDir dir;
  std::string db = dir.file("t.db");
  SqliteSink sink(options(db));
  Feeder feed;
  // The row lacks the key columns: they come from the key.
  REQUIRE(feed.write(sink, R"({"op":"insert","key":{"a":1,"b":"x"},"after":{"v":1}})"));
  REQUIRE(feed.write(sink, R"({"op":"update","key":{"a":1,"b":"x"},"after":{"v":2}})"));
  REQUIRE(feed.write(sink, R"({"op":"insert","key":{"a":1,"b":"y"},"after":{"v":3}})"));
  // No key: inserts append, updates are bad data.
  REQUIRE(feed.write(sink, R"({"op":"insert","key":null,"after":{"v":4}})"));
  std::string why;
  CHECK_FALSE(feed.write(sink, R"({"op":"update","after":{"v":5}})", &why));
  CHECK(why.find("update without a key") != std::string::npos);
  CHECK_FALSE(feed.write(sink, R"({"op":"update","key":{"a":null},"after":{"v":5}})", &why));
  CHECK(why == "key field \"key.a\" is null");
  CHECK_FALSE(feed.write(sink, R"({"op":"update","key":{"a":1,"b":"x"},"after":null})", &why));
  CHECK(why.find("\"after\" is not an object") != std::string::npos);
  sink.commit(nullptr, nullptr);
  CHECK(columns(db) == Rows{"a|INTEGER|1", "b|TEXT|2", "v|INTEGER|0"});
  CHECK(query(db, "SELECT * FROM orders ORDER BY v") == Rows{"1|x|2", "1|y|3", "NULL|NULL|4"});
}

TEST_CASE("sink sqlite stores numbers beyond int64 and double as their exact text",
          "[connectors][sqlite]") {
  TempDir dir;
  std::string db = dir.file("t.db");
  SqliteSink sink(options(db, {"k"}));
  Feeder feed;
  REQUIRE(feed.write(
      sink,
      R"({"k":1,"big":123456789012345678901234567890,"u":18446744073709551615,"huge":1e999,"i":-9223372036854775808})"));
  sink.commit(nullptr, nullptr);
  CHECK(
      query(
          db,
          "SELECT typeof(big), big, typeof(u), u, typeof(huge), huge, typeof(i), i FROM orders") ==
      Rows{"text|123456789012345678901234567890|text|18446744073709551615|text|1e999|integer|-"
           "9223372036854775808"});
}

TEST_CASE("sink sqlite stores nested objects and arrays as their JSON text",
          "[connectors][sqlite]") {
  TempDir dir;
  std::string db = dir.file("t.db");
  SqliteSink sink(options(db, {"key.id"}));
  Feeder feed;
  REQUIRE(feed.write(
      sink,
      R"({"op":"insert","key":{"id":1},"after":{"id":1,"customer":{"name":"Zo\u00eb", "tags":[1, 2]},"items":[{"sku":"A"}],"note":"l1\nl2\"q\""}})"));
  sink.commit(nullptr, nullptr);
  CHECK(query(db, "SELECT customer, items FROM orders") ==
        Rows{R"({"name":"Zo\u00eb", "tags":[1, 2]}|[{"sku":"A"}])"});
  CHECK(query(db, "SELECT note = 'l1' || char(10) || 'l2\"q\"' FROM orders") == Rows{"1"});
}

TEST_CASE("sink sqlite rejects table names SQLite cannot take as usage errors",
          "[connectors][sqlite]") {
  TempDir dir;
  for (std::string table : {std::string(), std::string("sqlite_master"), std::string("SQLite_x"),
                            std::string("a\0b", 3), std::string("_sluice_checkpoints")}) {
    SqliteSinkOptions o = options(dir.file("t.db"));
    o.table = table;
    CHECK(code_of([&] { SqliteSink sink(o); }) == ExitCode::usage);
  }
  CHECK(code_of([&] { SqliteSink sink(options(dir.file("t.db"), {"key.sqlite_id"})); }) ==
        ExitCode::usage);
  CHECK(code_of([&] {
          SqliteSink sink(options(dir.file("t.db"), {"key.ID", "after.id"}));
        }) == ExitCode::usage);
}

TEST_CASE("sink sqlite rejects an event whose field cannot name a column", "[connectors][sqlite]") {
  TempDir dir;
  std::string db = dir.file("t.db");
  SqliteSink sink(options(db));
  Feeder feed;
  std::string why;
  CHECK_FALSE(feed.write(sink, R"({"a":1,"sqlite_rowid":2})", &why));
  CHECK(why == "field \"sqlite_rowid\" cannot be a column: names starting with \"sqlite_\" are "
               "reserved by SQLite");
  CHECK_FALSE(feed.write(sink, R"({"a":1,"":2})", &why));
  CHECK(why == "field \"\" cannot be a column: the name is empty");
  CHECK_FALSE(feed.write(sink, R"({"a":1,"x\u0000y":2})", &why));
  CHECK(why.find("holds a NUL character") != std::string::npos);
  CHECK_FALSE(feed.write(sink, R"({"op":"insert","key":{"sqlite_k":1},"after":{}})", &why));
  CHECK(why.find("key field \"sqlite_k\" cannot be a column") != std::string::npos);
  // Quoting makes any other name work.
  REQUIRE(feed.write(sink, R"({"a \"b\"":1,"select":2,"x.y":3})"));
  sink.commit(nullptr, nullptr);
  CHECK(query(db, R"(SELECT "a ""b""", "select", "x.y" FROM orders)") == Rows{"1|2|3"});
}

TEST_CASE("sink sqlite maps fields to existing columns ignoring case", "[connectors][sqlite]") {
  TempDir dir;
  std::string db = dir.file("t.db");
  SqliteSink sink(options(db, {"key.Id"}));
  Feeder feed;
  REQUIRE(feed.write(sink, R"({"op":"insert","key":{"Id":1},"after":{"ID":1,"Amount":1}})"));
  REQUIRE(feed.write(sink, R"({"op":"update","key":{"Id":1},"after":{"amount":2,"New":1}})"));
  REQUIRE(feed.write(sink, R"({"op":"update","key":{"Id":1},"after":{"NEW":2}})"));
  std::string why;
  CHECK_FALSE(
      feed.write(sink, R"({"op":"update","key":{"Id":1},"after":{"amount":3,"AMOUNT":4}})", &why));
  CHECK(why == "fields \"amount\" and \"AMOUNT\" name the same column (SQLite column names ignore "
               "case)");
  CHECK_FALSE(feed.write(sink, R"({"op":"update","key":{"Id":1},"after":{"zz":3,"Zz":4}})", &why));
  CHECK(why == "fields \"zz\" and \"Zz\" name the same column (SQLite column names ignore case)");
  CHECK_FALSE(feed.write(sink, R"({"op":"update","key":{"Id":1},"after":{"q":3,"q":4}})", &why));
  CHECK(why == "field \"q\" appears twice");
  sink.commit(nullptr, nullptr);
  CHECK(columns(db) == Rows{"Id|INTEGER|1", "Amount|INTEGER|0", "New|INTEGER|0"});
  CHECK(query(db, "SELECT * FROM orders") == Rows{"1|2|2"});

  SqliteSink keyed_by_object(options(db));
  CHECK_FALSE(
      feed.write(keyed_by_object, R"({"op":"insert","key":{"k":1,"K":2},"after":{}})", &why));
  CHECK(why == "key fields \"k\" and \"K\" name the same column (SQLite column names ignore case)");
}

TEST_CASE("sink sqlite turns a per-row constraint failure into bad data and keeps the batch",
          "[connectors][sqlite]") {
  TempDir dir;
  std::string db = dir.file("t.db");
  execute(db,
          "CREATE TABLE orders(id INTEGER PRIMARY KEY, amount REAL NOT NULL CHECK(amount >= 0))");
  SqliteSink sink(options(db, {"id"}));
  Feeder feed;
  REQUIRE(feed.write(sink, R"({"id":1,"amount":5})"));
  std::string why;
  CHECK_FALSE(feed.write(sink, R"({"id":2,"amount":-1})", &why));
  CHECK(why == "sqlite: CHECK constraint failed: amount >= 0");
  CHECK_FALSE(feed.write(sink, R"({"id":3,"amount":null})", &why));
  CHECK(why == "sqlite: NOT NULL constraint failed: orders.amount");
  CHECK_FALSE(feed.write(sink, R"({"id":"x","amount":1})", &why));
  CHECK(why == "sqlite: datatype mismatch");
  REQUIRE(feed.write(sink, R"({"id":4,"amount":6})"));
  sink.commit(nullptr, nullptr);
  CHECK(query(db, "SELECT * FROM orders") == Rows{"1|5.0", "4|6.0"});
}

TEST_CASE("sink sqlite makes a unique index when the existing table lacks one on the key",
          "[connectors][sqlite]") {
  TempDir dir;
  std::string db = dir.file("t.db");
  execute(db, "CREATE TABLE orders(id INTEGER, region TEXT, v INTEGER);"
              "CREATE UNIQUE INDEX by_region ON orders(region, id)");
  Feeder feed;
  {
    SqliteSink sink(options(db, {"id", "region"}));
    REQUIRE(feed.write(sink, R"({"id":1,"region":"eu","v":1})"));
    REQUIRE(feed.write(sink, R"({"id":1,"region":"eu","v":2})"));
    sink.commit(nullptr, nullptr);
  }
  CHECK(query(db, "SELECT * FROM orders") == Rows{"1|eu|2"});
  {
    SqliteSink sink(options(db, {"v"}));
    REQUIRE(feed.write(sink, R"({"id":2,"region":"us","v":2})"));
    sink.commit(nullptr, nullptr);
  }
  CHECK(query(db, "SELECT name FROM pragma_index_list('orders') ORDER BY name") ==
        Rows{"by_region", "sluice_key_orders_v"});
  CHECK(query(db, "SELECT * FROM orders") == Rows{"2|us|2"});
  SqliteSink sink(options(db, {"region"}));
  execute(db, "INSERT INTO orders VALUES(3, 'us', 3)");
  CHECK(code_of([&] { feed.write(sink, R"({"region":"eu","v":5})"); }) == ExitCode::data);
}

TEST_CASE("sink sqlite rollback drops uncommitted rows and the DDL they caused",
          "[connectors][sqlite]") {
  TempDir dir;
  std::string db = dir.file("t.db");
  SqliteSink sink(options(db, {"id"}));
  Feeder feed;
  REQUIRE(feed.write(sink, R"({"id":1,"a":1})"));
  sink.rollback();
  CHECK(columns(db).empty());
  sink.rollback(); // nothing open: a no-op
  REQUIRE(feed.write(sink, R"({"id":1,"a":1})"));
  sink.commit(nullptr, nullptr);
  REQUIRE(feed.write(sink, R"({"id":2,"a":2,"b":2})"));
  sink.rollback();
  CHECK(columns(db) == Rows{"id|INTEGER|1", "a|INTEGER|0"});
  CHECK(query(db, "SELECT * FROM orders") == Rows{"1|1"});
  REQUIRE(feed.write(sink, R"({"id":3,"c":"x"})"));
  REQUIRE(feed.write(sink, R"({"id":1,"a":9})"));
  sink.commit(nullptr, nullptr);
  CHECK(columns(db) == Rows{"id|INTEGER|1", "a|INTEGER|0", "c|TEXT|0"});
  CHECK(query(db, "SELECT * FROM orders ORDER BY id") == Rows{"1|9|NULL", "3|NULL|x"});
  CHECK(sink.summary() == "3 rows upserted, 0 appended, 0 deleted, 0 truncates");
}

TEST_CASE("sink sqlite notices schema changes made by others between its transactions",
          "[connectors][sqlite]") {
  TempDir dir;
  std::string db = dir.file("t.db");
  SqliteSink sink(options(db, {"id"}));
  Feeder feed;
  REQUIRE(feed.write(sink, R"({"id":1,"a":1})"));
  sink.commit(nullptr, nullptr);
  execute(db, "ALTER TABLE orders ADD COLUMN B TEXT");
  REQUIRE(feed.write(sink, R"({"id":2,"b":"x"})"));
  sink.commit(nullptr, nullptr);
  execute(db, "DROP TABLE orders");
  REQUIRE(feed.write(sink, R"({"id":3,"c":"y"})"));
  sink.commit(nullptr, nullptr);
  CHECK(query(db, "SELECT * FROM orders") == Rows{"3|y"});
}

TEST_CASE("sink sqlite names its destination in the default sink id", "[connectors][sqlite]") {
  TempDir dir;
  SqliteSink sink(options(dir.file("t.db")));
  CHECK(sink.default_sink_id() == "sqlite:" + dir.file("t.db") + "#orders");
  CHECK(sink.initial_state() == "null");
}

TEST_CASE("sink sqlite writes a same-database store entry in the transaction of the rows",
          "[connectors][sqlite]") {
  TempDir dir;
  std::string db = dir.file("t.db");
  SqliteStore store(db);
  SqliteSink sink(options(db, {"id"}));
  store.register_sink("src", sink.default_sink_id(), "null");
  Feeder feed;
  REQUIRE(feed.write(sink, R"({"id":1})"));
  StoreEntry record = barrier_entry(sink.default_sink_id(), 1);
  record.state = "junk";
  sink.commit(&store, &record);
  CHECK(record.state == "null");
  auto entries = store.entries("src");
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].barrier->checkpoint == 1);
  CHECK(entries[0].pos == "\"0/16\"");
  CHECK(query(db, "SELECT id FROM orders") == Rows{"1"});

  // When the entry cannot be written the rows of its transaction go too.
  execute(db, "CREATE TRIGGER no_update BEFORE UPDATE ON _sluice_checkpoints "
              "BEGIN SELECT RAISE(ABORT, 'refused'); END");
  REQUIRE(feed.write(sink, R"({"id":2})"));
  record = barrier_entry(sink.default_sink_id(), 2);
  CHECK(code_of([&] { sink.commit(&store, &record); }) == ExitCode::io);
  sink.rollback();
  CHECK(query(db, "SELECT id FROM orders") == Rows{"1"});
  CHECK(store.entries("src")[0].barrier->checkpoint == 1);
}

TEST_CASE("sink sqlite records the position in a store without rows pending",
          "[connectors][sqlite]") {
  TempDir dir;
  std::string db = dir.file("t.db");
  SqliteStore store(db);
  SqliteSink sink(options(db));
  StoreEntry record = barrier_entry(sink.default_sink_id(), 5);
  sink.commit(&store, &record);
  auto entries = store.entries("src");
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].barrier->checkpoint == 5);
}

namespace {

// A FileStore that notes which rows another connection sees when it records.
class WatchingStore : public sluice::core::FileStore {
 public:
  WatchingStore(std::string path, std::string db)
      : FileStore(std::move(path)), m_db(std::move(db)) {}
  void record(const StoreEntry& entry) override {
    seen = query(m_db, "SELECT count(*) FROM orders");
    FileStore::record(entry);
  }
  Rows seen;

 private:
  std::string m_db;
};

} // namespace

TEST_CASE("sink sqlite records in a file store after the rows are committed",
          "[connectors][sqlite]") {
  TempDir dir;
  std::string db = dir.file("t.db");
  WatchingStore store(dir.file("store.json"), db);
  SqliteSink sink(options(db, {"id"}));
  store.register_sink("src", sink.default_sink_id(), sink.initial_state());
  Feeder feed;
  REQUIRE(feed.write(sink, R"({"id":1})"));
  REQUIRE(feed.write(sink, R"({"id":2})"));
  StoreEntry record = barrier_entry(sink.default_sink_id(), 3);
  sink.commit(&store, &record);
  CHECK(store.seen == Rows{"2"});
  auto entries = store.entries("src");
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].barrier->checkpoint == 3);
  CHECK(query(db, "SELECT count(*) FROM sqlite_master WHERE name = '_sluice_checkpoints'") ==
        Rows{"0"});
}
