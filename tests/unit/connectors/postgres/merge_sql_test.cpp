#include "connectors/postgres/merge_sql.hpp"

#include <catch2/catch.hpp>

namespace sluice::connectors::postgres {
namespace {

MergeSpec spec() {
  MergeSpec s;
  s.target = R"("public"."t")";
  s.stage = R"("_sluice_stage_1")";
  s.table_literal = "'public.t'";
  s.keys = {{R"("id")", "integer"}};
  s.columns = {{R"("v")", "text"}};
  s.group = 2;
  return s;
}

TEST_CASE("merge sql upserts updates and deletes the staged rows of a group",
          "[connectors][postgres][merge_sql]") {
  CHECK(merge_sql(spec()) ==
        R"(MERGE INTO "public"."t" t USING (SELECT * FROM "_sluice_stage_1" WHERE _g = 2) s ON )"
        R"(t."id" = s."id"::integer WHEN MATCHED AND s._op = 'd' THEN DELETE WHEN MATCHED AND )"
        R"(s._op IN ('u', 'r') THEN UPDATE SET "v" = s."v"::text WHEN NOT MATCHED AND s._op IN )"
        R"(('u', 'r') THEN INSERT ("id", "v") VALUES (s."id"::integer, s."v"::text))");
  CHECK(replace_delete_sql(spec()) ==
        R"(DELETE FROM "public"."t" t USING "_sluice_stage_1" s WHERE s._op = 'r' AND t."id" = )"
        R"(s."id"::integer)");
  CHECK(append_sql(spec()) ==
        R"(INSERT INTO "public"."t" ("v") SELECT s."v"::text FROM "_sluice_stage_1" s WHERE )"
        R"(s._op = 'a' AND s._g = 2)");
}

TEST_CASE("merge sql conditions writes on order and tombstones with if-newer",
          "[connectors][postgres][merge_sql]") {
  MergeSpec s = spec();
  s.if_newer = true;
  std::string sql = merge_sql(s);
  CHECK(sql.find(R"(LEFT JOIN "_sluice_tombstones" tb ON tb.table_name = 'public.t' AND tb.key = st._key)") !=
        std::string::npos);
  CHECK(sql.find(R"(WHEN MATCHED AND s._op = 'd' AND (t."_sluice_order" IS NULL OR t."_sluice_order" <= s._ord) THEN DELETE)") !=
        std::string::npos);
  CHECK(sql.find(R"(UPDATE SET "v" = s."v"::text, "_sluice_order" = s._ord)") != std::string::npos);
  CHECK(sql.find(R"(WHEN NOT MATCHED AND s._op IN ('u', 'r') AND (s._tomb IS NULL OR s._tomb <= s._ord))") !=
        std::string::npos);
  CHECK(tombstone_sql(s).find("greatest(\"_sluice_tombstones\".ord, excluded.ord)") !=
        std::string::npos);
}

TEST_CASE("merge sql keeps soft deleted rows", "[connectors][postgres][merge_sql]") {
  MergeSpec s = spec();
  s.soft = true;
  s.columns.clear();
  std::string sql = merge_sql(s);
  CHECK(sql.find(R"(WHEN MATCHED AND s._op = 's' THEN UPDATE SET "_sluice_deleted" = true)") !=
        std::string::npos);
  CHECK(sql.find(R"(WHEN MATCHED AND s._op IN ('u', 'r') THEN UPDATE SET "_sluice_deleted" = false)") !=
        std::string::npos);
  CHECK(sql.find(R"(INSERT ("id", "_sluice_deleted") VALUES (s."id"::integer, false))") !=
        std::string::npos);
}

} // namespace
} // namespace sluice::connectors::postgres
