#include "connectors/sqlite/event_row.hpp"

#include "connectors/event_json.hpp"

#include "core/json_check.hpp"

#include <fmt/format.h>

namespace sluice::connectors::sqlite {

namespace od = simdjson::ondemand;
using simdjson::error_code;

EventRow::EventRow(std::vector<core::JsonPath> upsert) : m_upsert(std::move(upsert)) {
  for (const auto& path : m_upsert) {
    m_upsert_before.push_back(under_before(path));
  }
}

bool EventRow::read(od::document& doc, std::string* why) {
  m_keys.clear();
  m_fields.clear();
  if (!read_op(doc, why)) {
    return false;
  }
  if (m_op == EventOp::truncate) {
    return true;
  }
  if (!m_upsert.empty() ? !read_upsert_keys(doc, why) : is_cdc() && !read_key_object(doc, why)) {
    return false;
  }
  return m_op == EventOp::remove || read_fields(doc, why);
}

bool EventRow::read_op(od::document& doc, std::string* why) {
  m_op = EventOp::other;
  od::object top;
  if (!top_object(doc, &top, why)) {
    return false;
  }
  od::value op;
  error_code e = top.find_field_unordered("op").get(op);
  if (e == simdjson::NO_SUCH_FIELD) {
    return true;
  }
  if (e) {
    *why = core::describe_json_error(e);
    return false;
  }
  std::string_view text;
  if (op.get_string().get(text) == simdjson::SUCCESS) {
    m_op = parse_change_op(text);
  }
  return true;
}

bool EventRow::read_upsert_keys(od::document& doc, std::string* why) {
  for (size_t i = 0; i < m_upsert.size(); ++i) {
    od::value value;
    error_code e = core::find_path(doc, m_upsert[i], &value);
    if (e == simdjson::NO_SUCH_FIELD && m_op == EventOp::remove &&
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
    if (!add_key(m_upsert[i].last_name(), value, m_upsert[i].text(), why)) {
      return false;
    }
  }
  return true;
}

bool EventRow::read_key_object(od::document& doc, std::string* why) {
  return for_each_key_field(
      doc,
      [this](std::string_view name, od::value value, const std::string& where, std::string* reason) {
        return add_key(name, value, where, reason);
      },
      why);
}

bool EventRow::add_key(std::string_view name, od::value value, std::string_view where,
                       std::string* why) {
  SqlValue v;
  if (!read_sql_value(value, &v, why)) {
    *why = fmt::format("key field \"{}\": {}", where, *why);
    return false;
  }
  if (v.type == SqlType::null) {
    *why = fmt::format("key field \"{}\" is null", where);
    return false;
  }
  size_t i = m_keys.size();
  if (m_key_names.size() <= i) {
    m_key_names.resize(i + 1);
    m_key_texts.resize(i + 1);
  }
  m_key_names[i].assign(name);
  keep_text(&v, &m_key_texts[i]);
  m_keys.push_back({m_key_names[i], v});
  return true;
}

bool EventRow::read_fields(od::document& doc, std::string* why) {
  od::object row;
  if (!top_object(doc, &row, why)) {
    return false;
  }
  if (is_cdc()) {
    od::value after;
    if (row.find_field_unordered("after").get(after) || after.get_object().get(row)) {
      *why = "the event's \"after\" is not an object (a CDC insert, update or read needs one)";
      return false;
    }
  }
  for (auto item : row) {
    od::field field;
    NamedValue nv;
    error_code e;
    if ((e = std::move(item).get(field)) || (e = field.unescaped_key().get(nv.name))) {
      *why = core::describe_json_error(e);
      return false;
    }
    if (!read_sql_value(field.value(), &nv.value, why)) {
      *why = fmt::format("field \"{}\": {}", nv.name, *why);
      return false;
    }
    m_fields.push_back(nv);
  }
  return true;
}

} // namespace sluice::connectors::sqlite
