// TypeRegistry: what sluice knows about PostgreSQL types, by OID — how a value
// of the type is mapped to JSON (its TypeKind), and for arrays the element
// type and delimiter.
//
// The common built-in types are known from the start; the rest (domains,
// enums, arrays of user types, extension types) are read from pg_type with
// k_type_query and add_catalog_row(). A domain maps like its base type.
// Unknown OIDs map as text. Not thread-safe; never throws except bad_alloc.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sluice::connectors::postgres {

enum class TypeKind {
  integer,     // int2, int4, int8, oid, xid: JSON numbers as printed
  numeric,     // JSON numbers, NaN and ±Infinity as strings
  floating,    // float4, float8: the same
  boolean,     // true / false
  json,        // embedded, minified
  jsonb,       // embedded, minified
  bytea,       // base64
  date,        // RFC 3339 full-date, or epoch ms
  time,        // as printed
  timetz,      // with a ±hh:mm offset
  timestamp,   // RFC 3339 without offset, or epoch ms (taken as UTC)
  timestamptz, // RFC 3339 in UTC ("Z"), or epoch ms
  text,        // a JSON string of the text form: everything else
  array,       // a JSON array of the elements, each mapped by its type
};

struct TypeInfo {
  uint32_t oid = 0;
  std::string name; // typname, for messages
  TypeKind kind = TypeKind::text;
  uint32_t element = 0; // arrays: the element type
  char delimiter = ','; // arrays: between elements (';' for box)
};

// Lists every type: oid, typname, typtype, typcategory, typelem, typbasetype,
// typdelim (of the type itself).
inline constexpr const char* k_type_query =
    "SELECT oid, typname, typtype, typcategory, typelem, typbasetype, typdelim FROM pg_type";

class TypeRegistry {
 public:
  TypeRegistry();

  // The type of `oid`; an unknown OID yields a text type.
  const TypeInfo& get(uint32_t oid) const;
  bool knows(uint32_t oid) const { return m_types.count(oid) > 0; }

  struct CatalogRow {
    uint32_t oid = 0;
    std::string name;
    char typtype = 'b';
    char category = 'U';
    uint32_t element = 0;
    uint32_t base = 0;
    char delimiter = ',';
  };
  // Adds the rows of k_type_query; built-in entries are kept.
  void add_catalog(const std::vector<CatalogRow>& rows);

 private:
  void add_builtin(uint32_t oid, const char* name, TypeKind kind, uint32_t element = 0);

  std::unordered_map<uint32_t, TypeInfo> m_types;
  TypeInfo m_unknown;
};

} // namespace sluice::connectors::postgres
