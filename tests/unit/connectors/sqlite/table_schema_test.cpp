#include "connectors/sqlite/table_schema.hpp"

#include "core/error.hpp"
#include "sqlite_test_support.hpp"

using sluice::connectors::sqlite::ColumnSpec;
using sluice::connectors::sqlite::Db;
using sluice::connectors::sqlite::SqlType;
using sluice::connectors::sqlite::TableSchema;
using sluice::test::query;
using sluice::test::TempDir;
using Rows = std::vector<std::string>;

TEST_CASE("table schema creates the table, then adds columns found ignoring case",
          "[connectors][sqlite][table_schema]") {
  TempDir dir;
  std::string path = dir.file("t.db");
  Db db(path, true);
  TableSchema schema(db, "T");
  CHECK_FALSE(schema.exists());
  schema.add({{"Id", SqlType::integer}, {"v", SqlType::null}}, {0});
  CHECK(schema.find("ID") == 0);
  CHECK(schema.find("V") == 1);
  CHECK(schema.find("w") == -1);
  schema.add({{"w", SqlType::real}}, {});
  CHECK(schema.size() == 3);
  CHECK(schema.quoted(2) == "\"w\"");
  CHECK(query(path, "SELECT name, type, pk FROM pragma_table_info('T')") ==
        Rows{"Id|INTEGER|1", "v||0", "w|REAL|0"});
}

TEST_CASE("table schema finds an existing unique index before making one",
          "[connectors][sqlite][table_schema]") {
  TempDir dir;
  std::string path = dir.file("t.db");
  sluice::test::execute(path, "CREATE TABLE t(a, b, c); CREATE UNIQUE INDEX ab ON t(b, a);"
                              "CREATE UNIQUE INDEX partial_c ON t(c) WHERE c > 0");
  Db db(path, true);
  TableSchema schema(db, "t");
  schema.ensure_unique({0, 1});
  schema.ensure_unique({2});
  CHECK(query(path, "SELECT name FROM pragma_index_list('t') ORDER BY name") ==
        Rows{"ab", "partial_c", "sluice_key_t_c"});
  sluice::test::execute(path, "INSERT INTO t VALUES (1, 1, 5), (1, 2, 6)");
  CHECK_THROWS_AS(TableSchema(db, "t").ensure_unique({0}), sluice::core::Error);
}

TEST_CASE("table schema reloads what a rollback undid after forget",
          "[connectors][sqlite][table_schema]") {
  TempDir dir;
  Db db(dir.file("t.db"), true);
  TableSchema schema(db, "t");
  schema.add({{"a", SqlType::text}}, {});
  db.exec("BEGIN");
  schema.add({{"b", SqlType::text}}, {});
  CHECK(schema.find("b") == 1);
  db.exec("ROLLBACK");
  schema.forget();
  CHECK(schema.find("b") == -1);
  CHECK(schema.size() == 1);
  db.exec("BEGIN");
  db.exec("DROP TABLE t");
  db.exec("ROLLBACK");
  CHECK(schema.exists());
}
