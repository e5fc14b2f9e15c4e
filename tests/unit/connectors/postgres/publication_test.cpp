#include "connectors/postgres/publication.hpp"

#include <catch2/catch.hpp>

namespace sluice::connectors::postgres {
namespace {

TEST_CASE("publication specs read tables with column lists and row filters",
          "[connectors][postgres][publication]") {
  std::vector<TableSpec> t;
  std::string why;
  REQUIRE(parse_table_specs({"public.orders(id, amount,status)", "Items,\"My T\".\"x\"\"y\""},
                            {"public.orders=amount > 0 AND status <> 'x'"}, &t, &why));
  REQUIRE(t.size() == 3);
  CHECK(t[0].schema == "public");
  CHECK(t[0].name == "orders");
  CHECK(t[0].columns == std::vector<std::string>{"id", "amount", "status"});
  CHECK(*t[0].row_filter == "amount > 0 AND status <> 'x'");
  CHECK(t[1].schema.empty());
  CHECK(t[1].name == "items");
  CHECK(t[2].schema == "My T");
  CHECK(t[2].name == "x\"y");
  CHECK(create_publication_sql("p", t) ==
        R"(CREATE PUBLICATION "p" FOR TABLE "public"."orders" ("id", "amount", "status") WHERE )"
        R"((amount > 0 AND status <> 'x'), "items", "My T"."x""y")");
  CHECK(create_publication_sql("all", {}) == R"(CREATE PUBLICATION "all" FOR ALL TABLES)");
}

TEST_CASE("publication specs refuse bad lists and filters", "[connectors][postgres][publication]") {
  std::vector<TableSpec> t;
  std::string why;
  CHECK_FALSE(parse_table_specs({"a(b"}, {}, &t, &why));
  CHECK_FALSE(parse_table_specs({"a,,b"}, {}, &t, &why));
  CHECK_FALSE(parse_table_specs({"a b"}, {}, &t, &why));
  CHECK_FALSE(parse_table_specs({"a", "public.a"}, {}, &t, &why));
  CHECK(why == "--tables names \"public\".\"a\" twice");
  CHECK_FALSE(parse_table_specs({"a"}, {"b=x > 1"}, &t, &why));
  CHECK(why.find("not in --tables") != std::string::npos);
  CHECK_FALSE(parse_table_specs({"a"}, {"a"}, &t, &why));
  CHECK_FALSE(parse_table_specs({"a"}, {"a=x", "public.a=y"}, &t, &why));
  CHECK_FALSE(parse_table_specs({}, {"a=1"}, &t, &why));
}

} // namespace
} // namespace sluice::connectors::postgres
