// RelationInfo: what `capture postgres` knows about one captured table — its
// columns with their types (PostgreSQL's own spelling with typmod, e.g.
// "numeric(10,2)") and key columns — and the schema control record made from
// it (DESIGN §3). Built from a pgoutput Relation message or, for the snapshot,
// from the catalog.
//
// Key columns: the replica identity's columns under DEFAULT or USING INDEX;
// under FULL (where pgoutput flags every column) and NOTHING the primary key,
// and under FULL without one every column. The Catalog runs the lookups this
// needs on the capture's SQL connection. Not thread-safe; Catalog methods
// throw Error when a query fails.
#pragma once

#include "connectors/postgres/pg_conn.hpp"
#include "connectors/postgres/pg_types.hpp"
#include "connectors/postgres/pgoutput.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sluice::connectors::postgres {

struct ColumnInfo {
  std::string name;
  std::string json_key; // "\"name\":", escaped once for the event writer
  uint32_t type_oid = 0;
  int32_t typmod = -1;
  std::string type_name; // format_type(type_oid, typmod)
  bool key = false;
};

struct RelationInfo {
  uint32_t oid = 0;
  std::string schema;
  std::string name;
  std::string table;      // "schema.name", as events name it
  std::string table_json; // the same as a JSON string
  char replica_identity = 'd';
  std::vector<ColumnInfo> columns;
  std::vector<size_t> key_columns; // indexes into columns, in column order
  std::string schema_json;         // the control record's schema object
};

// Fills table, table_json, json keys, key_columns and schema_json from the rest.
void finish_relation(RelationInfo* rel, const std::string& source);

// Catalog lookups on the SQL connection.
class Catalog {
 public:
  explicit Catalog(PgConn& conn) : m_conn(conn) {}

  // format_type() of each (oid, typmod).
  std::vector<std::string> type_names(const std::vector<ColumnInfo>& columns);
  // Column names of the primary key of `oid` (none: empty).
  std::vector<std::string> primary_key(uint32_t oid);
  // Every row of pg_type, for TypeRegistry::add_catalog.
  std::vector<TypeRegistry::CatalogRow> types();

 private:
  PgConn& m_conn;
};

// The relation of a pgoutput Relation message.
RelationInfo relation_from_message(const RelationMessage& m, Catalog& catalog,
                                   const std::string& source);

} // namespace sluice::connectors::postgres
