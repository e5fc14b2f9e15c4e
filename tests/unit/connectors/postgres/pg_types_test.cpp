#include "connectors/postgres/pg_types.hpp"

#include <catch2/catch.hpp>

namespace sluice::connectors::postgres {
namespace {

TEST_CASE("type registry knows the built-in types and their arrays", "[connectors][postgres][pg_types]") {
  TypeRegistry t;
  CHECK(t.get(23).kind == TypeKind::integer);
  CHECK(t.get(1700).kind == TypeKind::numeric);
  CHECK(t.get(3802).kind == TypeKind::jsonb);
  CHECK(t.get(1184).kind == TypeKind::timestamptz);
  CHECK(t.get(1007).kind == TypeKind::array);
  CHECK(t.get(1007).element == 23);
  CHECK(t.get(790).kind == TypeKind::text); // money is not a JSON number
  CHECK(t.get(99999).kind == TypeKind::text);
  CHECK_FALSE(t.knows(99999));
}

TEST_CASE("type registry maps catalog domains enums and arrays", "[connectors][postgres][pg_types]") {
  TypeRegistry t;
  std::vector<TypeRegistry::CatalogRow> rows = {
      {70000, "mood", 'e', 'E', 0, 0, ','},
      {70001, "_mood", 'b', 'A', 70000, 0, ','},
      {70002, "money_amount", 'd', 'N', 0, 70003, ','},
      {70003, "amount", 'd', 'N', 0, 1700, ','},
      {70004, "box2", 'b', 'G', 0, 0, ';'},
      {70005, "_box2", 'b', 'A', 70004, 0, ','},
      {70006, "flag", 'd', 'B', 0, 16, ','},
  };
  t.add_catalog(rows);
  CHECK(t.get(70000).kind == TypeKind::text);
  CHECK(t.get(70001).kind == TypeKind::array);
  CHECK(t.get(70001).element == 70000);
  CHECK(t.get(70003).kind == TypeKind::numeric);
  CHECK(t.get(70002).kind == TypeKind::numeric); // a domain over a domain
  CHECK(t.get(70005).delimiter == ';');
  CHECK(t.get(70006).kind == TypeKind::boolean);
  CHECK(t.get(70000).name == "mood");
}

} // namespace
} // namespace sluice::connectors::postgres
