// EventRow: what sink sqlite takes from one event — its op, its key values and
// the fields of its row.
//
// A CDC event (op insert, update, delete, truncate or read) has the fields of
// `after` as its row; any other event has its top-level fields. Key values come
// from the --upsert paths (column name: the path's last field name; a delete
// whose path starts with `after` reads it under `before`), or else, for CDC
// events, from the fields of the envelope's `key` object. Views point into the
// line and the parser's buffer: valid until the next read() or document. One
// EventRow per sink; not thread-safe; never throws.
#pragma once

#include "connectors/event_json.hpp"
#include "connectors/sqlite/sql_value.hpp"
#include "core/json_path.hpp"

#include <deque>
#include <simdjson.h>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::connectors::sqlite {

using EventOp = ChangeOp;

struct NamedValue {
  std::string_view name;
  SqlValue value;
};

class EventRow {
 public:
  // `upsert` must hold no `[*]` step.
  explicit EventRow(std::vector<core::JsonPath> upsert);

  // Reads the op, the key values (none for a truncate) and the row fields (none
  // for a delete or truncate) of `doc`. False with a reason for bad data: a
  // missing or null key, a CDC upsert without an object in `after`, bad JSON.
  bool read(simdjson::ondemand::document& doc, std::string* why);

  EventOp op() const { return m_op; }
  bool is_cdc() const { return m_op != EventOp::other; }
  // Key columns with their values (empty: no key known for this event).
  const std::vector<NamedValue>& keys() const { return m_keys; }
  const std::vector<NamedValue>& fields() const { return m_fields; }

 private:
  bool read_op(simdjson::ondemand::document& doc, std::string* why);
  bool read_upsert_keys(simdjson::ondemand::document& doc, std::string* why);
  bool read_key_object(simdjson::ondemand::document& doc, std::string* why);
  bool read_fields(simdjson::ondemand::document& doc, std::string* why);
  bool add_key(std::string_view name, simdjson::ondemand::value value, std::string_view where,
               std::string* why);

  std::vector<core::JsonPath> m_upsert;
  std::vector<core::JsonPath> m_upsert_before; // for deletes: `after` paths under `before`
  EventOp m_op = EventOp::other;
  std::vector<NamedValue> m_keys;
  // Owned copies (a rewind reuses the parser's string buffer); a deque keeps
  // them in place as it grows.
  std::deque<std::string> m_key_names;
  std::deque<std::string> m_key_texts;
  std::vector<NamedValue> m_fields;
};

} // namespace sluice::connectors::sqlite
