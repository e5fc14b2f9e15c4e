#include "connectors/postgres/pg_types.hpp"

#include <vector>

namespace sluice::connectors::postgres {

namespace {

// Kind of a base type found in the catalog (not built in here): by OID when it
// is a known scalar, otherwise by category.
TypeKind kind_of_category(char category) {
  switch (category) {
  case 'B':
    return TypeKind::boolean;
  default:
    return TypeKind::text; // enums, ranges, geometry, network, user types
  }
}

} // namespace

TypeRegistry::TypeRegistry() {
  m_unknown.name = "unknown";
  using K = TypeKind;
  struct Builtin {
    uint32_t oid;
    const char* name;
    K kind;
    uint32_t array_oid;
  };
  static const Builtin k_builtins[] = {
      {16, "bool", K::boolean, 1000},      {17, "bytea", K::bytea, 1001},
      {18, "char", K::text, 1002},         {19, "name", K::text, 1003},
      {20, "int8", K::integer, 1016},      {21, "int2", K::integer, 1005},
      {23, "int4", K::integer, 1007},      {25, "text", K::text, 1009},
      {26, "oid", K::integer, 1028},       {28, "xid", K::integer, 1011},
      {29, "cid", K::integer, 1012},       {114, "json", K::json, 199},
      {700, "float4", K::floating, 1021},  {701, "float8", K::floating, 1022},
      {790, "money", K::text, 791},        {1042, "bpchar", K::text, 1014},
      {1043, "varchar", K::text, 1015},    {1082, "date", K::date, 1182},
      {1083, "time", K::time, 1183},       {1114, "timestamp", K::timestamp, 1115},
      {1184, "timestamptz", K::timestamptz, 1185}, {1186, "interval", K::text, 1187},
      {1266, "timetz", K::timetz, 1270},   {1700, "numeric", K::numeric, 1231},
      {2950, "uuid", K::text, 2951},       {3802, "jsonb", K::jsonb, 3807},
      {5069, "xid8", K::integer, 271},
  };
  for (const auto& b : k_builtins) {
    add_builtin(b.oid, b.name, b.kind);
    add_builtin(b.array_oid, b.name, K::array, b.oid);
    m_types[b.array_oid].name = std::string("_") + b.name;
  }
}

void TypeRegistry::add_builtin(uint32_t oid, const char* name, TypeKind kind, uint32_t element) {
  TypeInfo t;
  t.oid = oid;
  t.name = name;
  t.kind = kind;
  t.element = element;
  m_types[oid] = std::move(t);
}

const TypeInfo& TypeRegistry::get(uint32_t oid) const {
  auto it = m_types.find(oid);
  return it == m_types.end() ? m_unknown : it->second;
}

void TypeRegistry::add_catalog(const std::vector<CatalogRow>& rows) {
  std::unordered_map<uint32_t, const CatalogRow*> by_oid;
  for (const auto& r : rows) {
    by_oid[r.oid] = &r;
  }
  // Base types first, then domains, which map like their base type (itself
  // possibly a domain).
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& r : rows) {
      if ((r.typtype == 'd') != (pass == 1) || m_types.count(r.oid) > 0) {
        continue;
      }
      TypeInfo t;
      t.oid = r.oid;
      t.name = r.name;
      if (r.typtype == 'd') {
        // Follow the chain of domains down to a type that is not one.
        uint32_t base = r.oid;
        for (int depth = 0; depth < 32; ++depth) {
          auto it = by_oid.find(base);
          if (it == by_oid.end() || it->second->typtype != 'd') {
            break;
          }
          base = it->second->base;
        }
        auto known = m_types.find(base);
        if (known != m_types.end()) {
          t.kind = known->second.kind;
          t.element = known->second.element;
          t.delimiter = known->second.delimiter;
        }
      } else if (r.category == 'A' && r.element != 0) {
        t.kind = TypeKind::array;
        t.element = r.element;
        auto el = by_oid.find(r.element);
        t.delimiter = el == by_oid.end() ? ',' : el->second->delimiter;
      } else {
        t.kind = kind_of_category(r.category);
      }
      m_types[r.oid] = std::move(t);
    }
  }
}

} // namespace sluice::connectors::postgres
