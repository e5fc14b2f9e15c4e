// What `capture postgres` publishes: the --tables list (with PostgreSQL 15
// column lists, "public.orders(id,amount,status)") and --row-filter
// ("public.orders=amount > 0"), parsed into TableSpecs, and the CREATE
// PUBLICATION statement made from them. Identifiers follow SQL: unquoted
// names are folded to lower case, "Quoted" ones are kept. A row filter is the
// user's own SQL expression, as psql would take it. Pure functions,
// thread-safe; never throw except bad_alloc.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::connectors::postgres {

struct TableSpec {
  std::string schema; // empty: resolved by the search_path
  std::string name;
  std::vector<std::string> columns; // empty: every column
  std::optional<std::string> row_filter;
};

// Parses the --tables values (repeatable, comma-separated outside quotes and
// parentheses) and the --row-filter values (TABLE=EXPRESSION, each naming a
// table of --tables). False with a reason on bad syntax.
bool parse_table_specs(const std::vector<std::string>& tables,
                       const std::vector<std::string>& row_filters, std::vector<TableSpec>* out,
                       std::string* why);

// "\"public\".\"orders\"" (or just the name without a schema).
std::string qualified_name(const TableSpec& t);

// CREATE PUBLICATION for `tables`, or FOR ALL TABLES when it is empty.
std::string create_publication_sql(const std::string& publication,
                                   const std::vector<TableSpec>& tables);

} // namespace sluice::connectors::postgres
