// SinkEvent: what `sink postgres` takes from one event — its op, the table it
// goes to, its key values and the fields of its row — as owned values, since
// events wait in a batch until the commit.
//
// A CDC event (op insert, update, delete, truncate or read) has the fields of
// `after` as its row; any other event has its top-level fields. Keys come from
// the --upsert paths (column name: the path's last field; a delete whose path
// starts with `after` reads it under `before`) or else from the envelope's
// `key` object. The table is --table or the event's `table`. Values keep
// their JSON kind: strings unescaped, numbers as their exact token, objects
// and arrays as their JSON text. Not thread-safe; never throws except bad_alloc.
#pragma once

#include "connectors/event_json.hpp"
#include "connectors/change_rules.hpp"
#include "core/json_path.hpp"

#include <optional>
#include <simdjson.h>
#include <string>
#include <vector>

namespace sluice::connectors::postgres {

using SinkOp = ChangeOp;

struct SinkValue {
  enum class Kind : uint8_t { null, string, number, boolean, object, array };
  Kind kind = Kind::null;
  std::string text; // string: unescaped; number: its token; boolean: true/false; else JSON text
};

struct SinkField {
  std::string name;
  SinkValue value;
};

struct SinkEvent {
  SinkOp op = SinkOp::other;
  std::string table;
  std::vector<SinkField> keys;
  std::vector<SinkField> fields;
  std::optional<OrderValue> order; // --if-newer
  bool is_cdc() const { return op != SinkOp::other; }
};

class SinkEventReader {
 public:
  SinkEventReader(std::vector<core::JsonPath> upsert, std::optional<core::JsonPath> if_newer,
                  std::optional<std::string> table);

  // Fills `out` from `doc`; false with a reason for bad data: no table, a
  // missing or null key, a CDC upsert without an object in `after`, a missing
  // --if-newer value.
  bool read(simdjson::ondemand::document& doc, SinkEvent* out, std::string* why);

 private:
  bool read_op_and_table(simdjson::ondemand::document& doc, SinkEvent* out, std::string* why);
  bool read_upsert_keys(simdjson::ondemand::document& doc, SinkEvent* out, std::string* why);
  bool read_key_object(simdjson::ondemand::document& doc, SinkEvent* out, std::string* why);
  bool read_fields(simdjson::ondemand::document& doc, SinkEvent* out, std::string* why);

  std::vector<core::JsonPath> m_upsert;
  std::vector<core::JsonPath> m_upsert_before;
  std::optional<core::JsonPath> m_if_newer;
  std::optional<std::string> m_table;
};

// Reads one JSON value into `out`; false with a reason when it is not valid JSON.
bool read_sink_value(simdjson::ondemand::value value, SinkValue* out, std::string* why);

} // namespace sluice::connectors::postgres
