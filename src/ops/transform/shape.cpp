#include "ops/transform/shape.hpp"

#include "core/json_writer.hpp"

#include <simdjson.h>

namespace sluice::ops::transform {
namespace {

using Node = Shape::Node;

Node leaf(const char *name, const char *type) {
  Node n;
  n.name = name;
  n.type = type;
  return n;
}

Node object(const char *name, std::vector<Node> children) {
  Node n;
  n.name = name;
  n.object = true;
  n.children = std::move(children);
  return n;
}

Node *child(Node &node, const std::string &name) {
  for (auto &c : node.children) {
    if (c.name == name) {
      return &c;
    }
  }
  return nullptr;
}

bool fields_only(const core::JsonPath &path) {
  for (const auto &s : path.steps()) {
    if (s.kind != core::PathStep::Kind::field) {
      return false;
    }
  }
  return true;
}

// The members of the schema object, kept to write it back: (key, JSON text).
std::vector<std::pair<std::string, std::string>> members_of(simdjson::dom::object o) {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto field : o) {
    out.emplace_back(std::string(field.key), simdjson::minify(field.value));
  }
  return out;
}

void append_column(std::string *out, const Node &n) {
  out->append("{\"name\":");
  core::append_json_string(out, n.name);
  out->append(",\"type\":");
  out->append(n.object ? "\"json\"" : n.type);
  if (!n.attributes.empty()) {
    out->push_back(',');
    out->append(n.attributes);
  }
  out->push_back('}');
}

} // namespace

bool Shape::from_schema(std::string_view schema, Shape *out) {
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  simdjson::dom::array columns;
  if (parser.parse(schema.data(), schema.size()).get(o) || o["columns"].get(columns)) {
    return false;
  }
  std::vector<Node> all;
  std::vector<Node> keys;
  for (auto c : columns) {
    simdjson::dom::object column;
    std::string_view name;
    if (c.get(column) || column["name"].get(name)) {
      return false;
    }
    Node n;
    n.name = std::string(name);
    for (auto field : column) {
      if (field.key == "name") {
        continue;
      }
      if (field.key == "type") {
        n.type = simdjson::minify(field.value);
        continue;
      }
      if (!n.attributes.empty()) {
        n.attributes.push_back(',');
      }
      core::append_json_string(&n.attributes, field.key);
      n.attributes.push_back(':');
      n.attributes.append(simdjson::minify(field.value));
      if (field.key == "key" && field.value.is_bool() && field.value.get_bool().value_unsafe()) {
        keys.push_back(n);
      }
    }
    all.push_back(n);
  }
  // Attributes of key columns found before "key" are complete only now.
  for (auto &k : keys) {
    for (const auto &n : all) {
      if (n.name == k.name) {
        k = n;
      }
    }
  }
  Shape s;
  s.m_schema = std::string(schema);
  s.m_root =
      object("", {leaf("id", "\"text\""), leaf("source", "\"text\""), leaf("table", "\"text\""),
                  leaf("op", "\"text\""), leaf("ts", "\"bigint\""), leaf("pos", "null"),
                  object("key", keys), object("before", all), object("after", all)});
  *out = std::move(s);
  return true;
}

std::string Shape::to_schema() const {
  const Node *row = &m_root;
  const Node *after = nullptr;
  bool has_op = false;
  for (const auto &c : m_root.children) {
    has_op |= c.name == "op";
    after = c.name == "after" && c.object ? &c : after;
  }
  if (has_op && after != nullptr) {
    row = after;
  }
  std::string columns = "[";
  for (size_t i = 0; i < row->children.size(); ++i) {
    if (i > 0) {
      columns.push_back(',');
    }
    append_column(&columns, row->children[i]);
  }
  columns.push_back(']');
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  std::string out = "{";
  if (!parser.parse(m_schema).get(o)) {
    for (const auto &[key, value] : members_of(o)) {
      if (out.size() > 1) {
        out.push_back(',');
      }
      core::append_json_string(&out, key);
      out.push_back(':');
      out.append(key == "columns" ? columns : value);
    }
  }
  out.push_back('}');
  return out;
}

const Node *Shape::find(const core::JsonPath &path) const {
  if (!fields_only(path)) {
    return nullptr;
  }
  const Node *n = &m_root;
  for (const auto &s : path.steps()) {
    const Node *next = nullptr;
    for (const auto &c : n->children) {
      if (c.name == s.name) {
        next = &c;
      }
    }
    if (next == nullptr) {
      return nullptr;
    }
    n = next;
  }
  return n;
}

std::string Shape::type_of(const core::JsonPath &path) const {
  const Node *n = find(path);
  if (n == nullptr) {
    return "null";
  }
  return n->object ? "\"json\"" : n->type;
}

std::optional<Node> Shape::take(const core::JsonPath &path) {
  if (!fields_only(path)) {
    return std::nullopt;
  }
  Node *parent = &m_root;
  const auto &steps = path.steps();
  for (size_t i = 0; i + 1 < steps.size(); ++i) {
    parent = child(*parent, steps[i].name);
    if (parent == nullptr) {
      return std::nullopt;
    }
  }
  auto &kids = parent->children;
  for (auto it = kids.begin(); it != kids.end(); ++it) {
    if (it->name == steps.back().name) {
      Node n = std::move(*it);
      kids.erase(it);
      return n;
    }
  }
  return std::nullopt;
}

void Shape::remove(const core::JsonPath &path) {
  take(path);
}

void Shape::retype(const core::JsonPath &path, const std::string &type) {
  const Node *found = find(path);
  if (found == nullptr) {
    return;
  }
  Node *n = const_cast<Node *>(found);
  n->type = type;
  n->object = false;
  n->children.clear();
}

void Shape::put(const core::JsonPath &path, Node node) {
  if (!fields_only(path)) {
    return;
  }
  Node *parent = &m_root;
  const auto &steps = path.steps();
  for (size_t i = 0; i + 1 < steps.size(); ++i) {
    Node *next = child(*parent, steps[i].name);
    if (next == nullptr) {
      parent->children.push_back(object(steps[i].name.c_str(), {}));
      next = &parent->children.back();
    }
    if (!next->object) {
      return; // a value on the way: the event cannot take it either
    }
    parent = next;
  }
  node.name = steps.back().name;
  if (Node *existing = child(*parent, node.name)) {
    *existing = std::move(node);
    return;
  }
  parent->children.push_back(std::move(node));
}

} // namespace sluice::ops::transform
