#include "ops/transform/setter.hpp"

#include "core/json_writer.hpp"
#include "expr/text.hpp"

#include <fmt/format.h>

namespace sluice::ops::transform {

namespace od = simdjson::ondemand;

std::string prefix_text(const core::JsonPath &path, size_t n) {
  std::string out;
  for (size_t i = 0; i < n && i < path.steps().size(); ++i) {
    const auto &s = path.steps()[i];
    switch (s.kind) {
    case core::PathStep::Kind::field:
      if (!out.empty()) {
        out.push_back('.');
      }
      out += s.name;
      break;
    case core::PathStep::Kind::index:
      out += fmt::format("[{}]", s.index);
      break;
    case core::PathStep::Kind::every:
      out += "[*]";
      break;
    }
  }
  return out;
}

namespace {

const char *json_type_name(od::json_type t) {
  switch (t) {
  case od::json_type::array:
    return "an array";
  case od::json_type::object:
    return "an object";
  case od::json_type::number:
    return "a number";
  case od::json_type::string:
    return "a string";
  case od::json_type::boolean:
    return "a boolean";
  case od::json_type::null:
    return "null";
  }
  return "a value";
}

} // namespace

Setter::Setter(const core::JsonPath &path) : m_path(path) {
  const auto &steps = path.steps();
  for (size_t n = 1; n <= steps.size(); ++n) {
    std::string why;
    core::JsonPath prefix;
    // Rebuild the prefix from its steps (texts of fields may need quoting).
    std::string text;
    for (size_t i = 0; i < n; ++i) {
      const auto &s = steps[i];
      if (s.kind == core::PathStep::Kind::index) {
        text += fmt::format("[{}]", s.index);
      } else {
        text.push_back('[');
        core::append_json_string(&text, s.name);
        text.push_back(']');
      }
    }
    core::JsonPath::parse(text, &prefix, &why);
    m_set.add(prefix);
  }
}

bool Setter::splice(EventView &event, std::string_view value_json, std::vector<Splice> *out,
                    std::string *why) {
  if (auto e = m_values.extract(m_set, *event.doc, event.text)) {
    *why = fmt::format("invalid JSON ({})", simdjson::error_message(e));
    return false;
  }
  size_t n = m_path.steps().size();
  if (const core::PathMatch *target = m_values.first(n - 1)) {
    size_t begin = event.offset(target->value);
    out->push_back({begin, begin + target->value.size(), std::string(value_json)});
    return true;
  }
  // The deepest prefix that exists: 0 means the event itself.
  size_t have = n - 1;
  while (have > 0 && m_values.first(have - 1) == nullptr) {
    --have;
  }
  std::string_view parent = expr::trim_spaces(event.text);
  od::json_type parent_type = od::json_type::object;
  if (have > 0) {
    parent = m_values.first(have - 1)->value;
    parent_type = m_values.first(have - 1)->type;
  }
  for (size_t i = have; i < n; ++i) {
    if (m_path.steps()[i].kind != core::PathStep::Kind::field) {
      *why = fmt::format("cannot set {}: {} has no such element", m_path.text(),
                         have == 0 ? "the event" : prefix_text(m_path, have));
      return false;
    }
  }
  if (parent_type != od::json_type::object && parent_type != od::json_type::null) {
    *why = fmt::format("cannot set {}: {} is {}", m_path.text(), prefix_text(m_path, have),
                       json_type_name(parent_type));
    return false;
  }
  // "a":{"b":VALUE} for the missing steps a.b.
  std::string chain;
  for (size_t i = have; i < n; ++i) {
    core::append_json_string(&chain, m_path.steps()[i].name);
    chain.push_back(':');
    if (i + 1 < n) {
      chain.push_back('{');
    }
  }
  chain.append(value_json);
  chain.append(n - have - 1, '}');
  size_t begin = event.offset(parent);
  if (parent_type == od::json_type::null) {
    out->push_back({begin, begin + parent.size(), "{" + chain + "}"});
    return true;
  }
  bool has_members = false;
  size_t close = object_close(event.text, begin, begin + parent.size(), &has_members);
  out->push_back({close, close, has_members ? "," + chain : chain});
  return true;
}

} // namespace sluice::ops::transform
