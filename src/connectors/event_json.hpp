// Reading the parts of a CDC event (DESIGN §1) that the table sinks share:
// the top-level object, the fields of its `key` object, and an `after.*` path
// moved under `before` (deletes carry their old row there). Used by
// `sink sqlite` and `sink postgres` alike. Stateless, thread-safe; never throw
// except bad_alloc.
#pragma once

#include "core/json_check.hpp"
#include "core/json_path.hpp"

#include <fmt/format.h>
#include <simdjson.h>
#include <string>
#include <string_view>

namespace sluice::connectors {

// An event's `op` (DESIGN §1); `other` for anything else.
enum class ChangeOp { insert, update, remove, truncate, read, other };
ChangeOp parse_change_op(std::string_view op);

// The document's top-level object (rewinding it first); false with a reason.
bool top_object(simdjson::ondemand::document& doc, simdjson::ondemand::object* out, std::string* why);

// The same path under `before` when it starts with the field `after`, else an
// empty path.
core::JsonPath under_before(const core::JsonPath& path);

// The event's `id` (a string's unescaped text, or a number's digits), valid
// until the document is parsed again; false with a reason when it is missing
// or of another type.
bool read_event_id(simdjson::ondemand::document& doc, std::string_view* out, std::string* why);

// Calls add(name, value, where, why) for each field of the event's `key`
// object, in order, `where` naming it as "key.NAME"; a missing or null key
// calls nothing. False with a reason when `key` is not an object, the JSON is
// broken, or add() returns false.
template <class Add>
bool for_each_key_field(simdjson::ondemand::document& doc, Add&& add, std::string* why) {
  namespace od = simdjson::ondemand;
  od::object top;
  od::value key;
  od::json_type type;
  if (!top_object(doc, &top, why)) {
    return false;
  }
  simdjson::error_code e = top.find_field_unordered("key").get(key);
  if (e == simdjson::NO_SUCH_FIELD) {
    return true;
  }
  if (e || (e = key.type().get(type))) {
    *why = core::describe_json_error(e);
    return false;
  }
  if (type == od::json_type::null) {
    return true;
  }
  od::object object;
  if (type != od::json_type::object || key.get_object().get(object)) {
    *why = "field \"key\" is not an object";
    return false;
  }
  for (auto item : object) {
    od::field field;
    std::string_view name;
    if ((e = std::move(item).get(field)) || (e = field.unescaped_key().get(name))) {
      *why = core::describe_json_error(e);
      return false;
    }
    if (!add(name, field.value(), fmt::format("key.{}", name), why)) {
      return false;
    }
  }
  return true;
}

} // namespace sluice::connectors
