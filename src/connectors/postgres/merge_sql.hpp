// The statements `sink postgres` applies a staged batch with (DESIGN §4.3):
// the batch is COPYed into a temporary stage table of text columns, then one
// MERGE per column set moves it into the target, casting each value to the
// column's type (without typmod, so the assignment checks length and
// precision as an INSERT would). Replaced rows (a delete then an insert in
// one batch) are deleted first; rows without a key are appended; with
// --if-newer every write is conditioned on the stored row's order and on the
// key's tombstone, and hard deletes leave a tombstone. Identifiers arrive
// quoted. Pure functions, thread-safe; never throw except bad_alloc.
#pragma once

#include <string>
#include <vector>

namespace sluice::connectors::postgres {

struct MergeColumn {
  std::string quoted; // "name"
  std::string cast;   // the type to cast the staged text to
};

struct MergeSpec {
  std::string target;        // "schema"."table"
  std::string stage;         // the temporary stage table
  std::string table_literal; // 'schema.table', for tombstones
  std::vector<MergeColumn> keys;
  std::vector<MergeColumn> columns; // the group's non-key columns
  int group = 0;
  bool if_newer = false;
  bool soft = false; // --delete-mode soft: _sluice_deleted is kept
};

// MERGE of the staged rows of spec.group (ops u, r, d, s).
std::string merge_sql(const MergeSpec& spec);
// DELETE of the stored rows that staged replaces (op r) take the place of.
std::string replace_delete_sql(const MergeSpec& spec);
// INSERT of the staged rows without a key (op a) of spec.group.
std::string append_sql(const MergeSpec& spec);
// Tombstones for the staged hard deletes (op d), keeping the newest order.
std::string tombstone_sql(const MergeSpec& spec);
// The tombstone table, created if missing.
std::string create_tombstones_sql();

} // namespace sluice::connectors::postgres
