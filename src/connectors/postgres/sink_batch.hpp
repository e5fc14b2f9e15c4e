// TableBatch: the events of one commit for one table of `sink postgres`,
// compacted per key in arrival order (DESIGN §4.3), so the statements that
// apply the batch touch each row once:
//
//   upsert after upsert   -> one upsert, column sets merged (later values win)
//   upsert after delete   -> replace: delete the stored row, then insert
//   delete after anything -> delete (a delete wins)
//   with --delete-mode soft a delete marks the row deleted and keeps its
//   columns, and an upsert after it makes it live again
//
// With --if-newer an event older than the key's newest one in the batch is
// dropped here already (the rest is decided against the stored row); with
// --delete-mode ignore deletes never enter. Events without key columns are
// appended as they come. Each row remembers which events made it, so a row
// the database refuses can be reported as bad data. Not thread-safe; never
// throws except bad_alloc.
#pragma once

#include "connectors/change_rules.hpp"
#include "connectors/postgres/sink_event.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace sluice::connectors::postgres {

struct BatchRow {
  // u upsert, r replace (delete, then insert), d delete, s soft delete (an
  // upsert of the columns it has, marked deleted), a append
  char op = 'u';
  std::vector<SinkValue> keys; // in key_names order
  std::string key_json;        // {"id":7}: the key as tombstones name it
  std::vector<SinkValue> cells;
  std::vector<bool> present; // per column of the batch
  std::optional<OrderValue> order;
  std::vector<uint32_t> events; // indexes into the batch's event log
};

class TableBatch {
 public:
  TableBatch(std::string table, DeleteMode delete_mode) :
      m_table(std::move(table)), m_delete_mode(delete_mode) {}

  // Adds an event (not a truncate) logged as `event`. False with a reason when
  // its key columns differ from the batch's. `skipped` says why nothing was
  // added (an older change or an ignored delete), else it is untouched.
  bool add(SinkEvent& e, uint32_t event, std::optional<Decision>* skipped, std::string* why);

  const std::string& table() const { return m_table; }
  const std::vector<std::string>& key_names() const { return m_key_names; }
  const std::vector<std::string>& columns() const { return m_columns; }
  const std::vector<BatchRow>& rows() const { return m_rows; }
  bool empty() const { return m_rows.empty(); }
  void clear();

 private:
  int column(const std::string& name);
  void set_cells(BatchRow& row, std::vector<SinkField>& fields);

  std::string m_table;
  DeleteMode m_delete_mode;
  std::vector<std::string> m_key_names;
  bool m_keys_known = false;
  std::vector<std::string> m_columns;
  std::unordered_map<std::string, int> m_column_index;
  std::vector<BatchRow> m_rows;
  std::unordered_map<std::string, size_t> m_by_key;
};

// The canonical text of a key: {"a":1,"b":"x"} in key order.
std::string key_json(const std::vector<SinkField>& keys);

} // namespace sluice::connectors::postgres
