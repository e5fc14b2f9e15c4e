#include "connectors/event_json.hpp"

namespace sluice::connectors {

namespace {

// `name` as a quoted path key: ["a \"b\""] (JsonPath reads \n, \t and \x as x).
void append_quoted_key(std::string_view name, std::string* text) {
  *text += "[\"";
  for (char c : name) {
    switch (c) {
    case '"':
      *text += "\\\"";
      break;
    case '\\':
      *text += "\\\\";
      break;
    case '\n':
      *text += "\\n";
      break;
    case '\t':
      *text += "\\t";
      break;
    default:
      text->push_back(c);
    }
  }
  *text += "\"]";
}

} // namespace

ChangeOp parse_change_op(std::string_view op) {
  if (op == "insert") {
    return ChangeOp::insert;
  }
  if (op == "update") {
    return ChangeOp::update;
  }
  if (op == "delete") {
    return ChangeOp::remove;
  }
  if (op == "truncate") {
    return ChangeOp::truncate;
  }
  return op == "read" ? ChangeOp::read : ChangeOp::other;
}

bool top_object(simdjson::ondemand::document& doc, simdjson::ondemand::object* out, std::string* why) {
  doc.rewind();
  if (simdjson::error_code e = doc.get_object().get(*out)) {
    *why = core::describe_json_error(e);
    return false;
  }
  return true;
}

bool read_event_id(simdjson::ondemand::document& doc, std::string_view* out, std::string* why) {
  namespace od = simdjson::ondemand;
  od::object top;
  od::value id;
  od::json_type type;
  doc.rewind();
  if (doc.get_object().get(top) || top.find_field_unordered("id").get(id)) {
    *why = "field \"id\" is missing";
    return false;
  }
  bool ok = id.type().get(type) == simdjson::SUCCESS;
  if (ok && type == od::json_type::string) {
    ok = id.get_string().get(*out) == simdjson::SUCCESS;
  } else if (ok && type == od::json_type::number) {
    ok = core::raw_json(id, out) == simdjson::SUCCESS;
  } else {
    ok = false;
  }
  if (!ok) {
    *why = "field \"id\" is not a string or number";
  }
  return ok;
}

core::JsonPath under_before(const core::JsonPath& path) {
  const auto& steps = path.steps();
  if (steps.empty() || steps[0].kind != core::PathStep::Kind::field || steps[0].name != "after") {
    return {};
  }
  std::string text = "before";
  for (size_t i = 1; i < steps.size(); ++i) {
    if (steps[i].kind == core::PathStep::Kind::field) {
      append_quoted_key(steps[i].name, &text);
    } else {
      text += fmt::format("[{}]", steps[i].index);
    }
  }
  core::JsonPath out;
  std::string why;
  return core::JsonPath::parse(text, &out, &why) ? out : core::JsonPath();
}

} // namespace sluice::connectors
