#include "connectors/postgres/sink_event.hpp"

#include "connectors/event_json.hpp"

#include "core/json_check.hpp"

#include <fmt/format.h>

namespace sluice::connectors::postgres {

namespace od = simdjson::ondemand;
using simdjson::error_code;

namespace {

bool add_key(std::vector<SinkField>* keys, std::string_view name, od::value value,
             std::string_view where, std::string* why) {
  SinkField f;
  f.name.assign(name);
  if (!read_sink_value(value, &f.value, why)) {
    *why = fmt::format("key field \"{}\": {}", where, *why);
    return false;
  }
  if (f.value.kind == SinkValue::Kind::null) {
    *why = fmt::format("key field \"{}\" is null", where);
    return false;
  }
  keys->push_back(std::move(f));
  return true;
}

} // namespace

bool read_sink_value(od::value value, SinkValue* out, std::string* why) {
  od::json_type type;
  if (error_code e = value.type().get(type)) {
    *why = core::describe_json_error(e);
    return false;
  }
  std::string_view text;
  error_code e = simdjson::SUCCESS;
  switch (type) {
  case od::json_type::null:
    out->kind = SinkValue::Kind::null;
    out->text.clear();
    // A null is checked for what it is: "nul" is not valid JSON.
    bool is_null;
    e = value.is_null().get(is_null);
    e = e ? e : (is_null ? simdjson::SUCCESS : simdjson::INCORRECT_TYPE);
    break;
  case od::json_type::string:
    out->kind = SinkValue::Kind::string;
    e = value.get_string().get(text);
    break;
  case od::json_type::boolean: {
    bool b = false;
    out->kind = SinkValue::Kind::boolean;
    e = value.get_bool().get(b);
    text = b ? "true" : "false";
    break;
  }
  case od::json_type::number:
    out->kind = SinkValue::Kind::number;
    e = core::raw_json(value, &text);
    if (!e && !core::is_json_number(text)) {
      e = simdjson::NUMBER_ERROR;
    }
    break;
  default:
    out->kind = type == od::json_type::object ? SinkValue::Kind::object : SinkValue::Kind::array;
    e = core::raw_json(value, &text);
    break;
  }
  if (e) {
    *why = core::describe_json_error(e);
    return false;
  }
  out->text.assign(text);
  return true;
}

SinkEventReader::SinkEventReader(std::vector<core::JsonPath> upsert,
                                 std::optional<core::JsonPath> if_newer,
                                 std::optional<std::string> table)
    : m_upsert(std::move(upsert)), m_if_newer(std::move(if_newer)), m_table(std::move(table)) {
  for (const auto& p : m_upsert) {
    m_upsert_before.push_back(under_before(p));
  }
}

bool SinkEventReader::read(od::document& doc, SinkEvent* out, std::string* why) {
  out->keys.clear();
  out->fields.clear();
  out->order.reset();
  if (!read_op_and_table(doc, out, why)) {
    return false;
  }
  if (out->op == SinkOp::truncate) {
    return true;
  }
  if (m_if_newer) {
    OrderValue order;
    if (!read_order(doc, *m_if_newer, &order, why)) {
      return false;
    }
    out->order = std::move(order);
  }
  bool keys_ok = !m_upsert.empty() ? read_upsert_keys(doc, out, why)
                                   : !out->is_cdc() || read_key_object(doc, out, why);
  if (!keys_ok) {
    return false;
  }
  return out->op == SinkOp::remove || read_fields(doc, out, why);
}

bool SinkEventReader::read_op_and_table(od::document& doc, SinkEvent* out, std::string* why) {
  out->op = SinkOp::other;
  od::object top;
  if (!top_object(doc, &top, why)) {
    return false;
  }
  bool has_table = false;
  for (auto item : top) {
    od::field field;
    std::string_view key;
    std::string_view text;
    if (error_code e = std::move(item).get(field); e || field.unescaped_key().get(key)) {
      *why = core::describe_json_error(e ? e : simdjson::TAPE_ERROR);
      return false;
    }
    if (key == "op" && field.value().get_string().get(text) == simdjson::SUCCESS) {
      out->op = parse_change_op(text);
    } else if (key == "table" && !m_table &&
               field.value().get_string().get(text) == simdjson::SUCCESS) {
      out->table.assign(text);
      has_table = true;
    }
  }
  if (m_table) {
    out->table = *m_table;
  } else if (!has_table || out->table.empty()) {
    *why = "the event has no \"table\" string (give --table to route every event to one table)";
    return false;
  }
  return true;
}

bool SinkEventReader::read_upsert_keys(od::document& doc, SinkEvent* out, std::string* why) {
  for (size_t i = 0; i < m_upsert.size(); ++i) {
    od::value value;
    error_code e = core::find_path(doc, m_upsert[i], &value);
    if (e == simdjson::NO_SUCH_FIELD && out->op == SinkOp::remove &&
        !m_upsert_before[i].steps().empty()) {
      e = core::find_path(doc, m_upsert_before[i], &value);
    }
    if (e == simdjson::NO_SUCH_FIELD) {
      *why = fmt::format("key field \"{}\" is missing", m_upsert[i].text());
      return false;
    }
    if (e) {
      *why = core::describe_json_error(e);
      return false;
    }
    if (!add_key(&out->keys, m_upsert[i].last_name(), value, m_upsert[i].text(), why)) {
      return false;
    }
  }
  return true;
}

bool SinkEventReader::read_key_object(od::document& doc, SinkEvent* out, std::string* why) {
  return for_each_key_field(
      doc,
      [out](std::string_view name, od::value value, const std::string& where, std::string* reason) {
        return add_key(&out->keys, name, value, where, reason);
      },
      why);
}

bool SinkEventReader::read_fields(od::document& doc, SinkEvent* out, std::string* why) {
  od::object row;
  if (!top_object(doc, &row, why)) {
    return false;
  }
  if (out->is_cdc()) {
    od::value after;
    if (row.find_field_unordered("after").get(after) || after.get_object().get(row)) {
      *why = "the event's \"after\" is not an object (a CDC insert, update or read needs one)";
      return false;
    }
  }
  for (auto item : row) {
    od::field field;
    std::string_view name;
    error_code e;
    if ((e = std::move(item).get(field)) || (e = field.unescaped_key().get(name))) {
      *why = core::describe_json_error(e);
      return false;
    }
    SinkField f;
    f.name.assign(name);
    if (!read_sink_value(field.value(), &f.value, why)) {
      *why = fmt::format("field \"{}\": {}", name, *why);
      return false;
    }
    out->fields.push_back(std::move(f));
  }
  return true;
}

} // namespace sluice::connectors::postgres
