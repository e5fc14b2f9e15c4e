#include "connectors/sqlite/db.hpp"

#include "core/error.hpp"
#include "sqlite_test_support.hpp"

using namespace sluice::connectors::sqlite;

TEST_CASE("sqlite identifiers are quoted and reserved names refused",
          "[connectors][sqlite][db]") {
  CHECK(quote_identifier("a\"b") == "\"a\"\"b\"");
  CHECK(quote_identifier("select") == "\"select\"");
  CHECK_THROWS_AS(quote_identifier(""), sluice::core::Error);
  std::string why;
  CHECK(is_usable_identifier("sqlite", &why));
  CHECK(is_usable_identifier("my_sqlite_table", &why));
  CHECK_FALSE(is_usable_identifier("SQLITE_stat1", &why));
  CHECK(why == "names starting with \"sqlite_\" are reserved by SQLite");
  CHECK_FALSE(is_usable_identifier("", &why));
  CHECK_FALSE(is_usable_identifier(std::string_view("a\0b", 3), &why));
  CHECK(ascii_lower('Q') == 'q');
  CHECK(ascii_lower('_') == '_');
}

TEST_CASE("sqlite row errors are told from failures of the database", "[connectors][sqlite][db]") {
  CHECK(is_row_error(SQLITE_CONSTRAINT_NOTNULL));
  CHECK(is_row_error(SQLITE_CONSTRAINT_CHECK));
  CHECK(is_row_error(SQLITE_MISMATCH));
  CHECK_FALSE(is_row_error(SQLITE_IOERR_WRITE));
  CHECK_FALSE(is_row_error(SQLITE_BUSY));
  CHECK_FALSE(is_row_error(SQLITE_FULL));
}

TEST_CASE("sqlite databases use WAL and sync it on demand", "[connectors][sqlite][db]") {
  sluice::test::TempDir dir;
  Db db(dir.file("t.db"), true);
  db.sync_wal(); // no log open yet: nothing to do
  CHECK(db.use_wal());
  CHECK_FALSE(db.in_transaction());
  db.exec("BEGIN");
  db.exec("CREATE TABLE t(a)");
  CHECK(db.in_transaction());
  db.exec("COMMIT");
  db.sync_wal();
  std::string why;
  CHECK_FALSE(db.try_exec("INSERT INTO nowhere VALUES (1)", &why));
  CHECK(why == "no such table: nowhere");
  CHECK(same_file(dir.file("t.db"), dir.path() + "/./t.db"));
  CHECK_FALSE(same_file(dir.file("t.db"), dir.file("t.db-wal")));
  CHECK_FALSE(same_file(dir.file("t.db"), dir.file("missing")));
  Db memory(":memory:", true);
  CHECK_FALSE(memory.use_wal());
}
