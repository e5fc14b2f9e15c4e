// Shape: what transform knows about the fields of the events of one table,
// built from a schema control record (DESIGN §3) and rewritten by every step
// the way the step rewrites events, so that the schema record transform writes
// describes the rows the sink will see.
//
// The shape is the CDC envelope: id, source, table, op (text), ts (bigint), pos,
// key (the key columns), before and after (the columns). The schema's columns
// are the fields of `after` while the events keep `op` and `after`, and the
// top-level fields otherwise (after --unwrap, or a --select without op). Types
// are the schema's JSON values ("bigint") or null where transform cannot know
// them; text for what hash, mask and redact make. Not thread-safe; never throws
// except bad_alloc.
#pragma once

#include "core/json_path.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::ops::transform {

class Shape {
public:
  struct Node {
    std::string name;
    std::string type = "null"; // JSON text
    std::string attributes;    // the column's other members, raw (`"key":true`)
    bool object = false;
    std::vector<Node> children;
  };

  // False when `schema` (the schema object's JSON text) has no column list.
  static bool from_schema(std::string_view schema, Shape *out);
  // The schema object's JSON text with the columns of this shape.
  std::string to_schema() const;

  Node &root() { return m_root; }
  const Node *find(const core::JsonPath &path) const;
  // The type of the field at `path`: its type, "json" for an object, null when unknown.
  std::string type_of(const core::JsonPath &path) const;
  void remove(const core::JsonPath &path);
  // Sets the type of the field at `path` when it exists.
  void retype(const core::JsonPath &path, const std::string &type);
  // Puts `node` at `path` (renamed to its last name), creating objects on the way;
  // an existing field there is replaced in place.
  void put(const core::JsonPath &path, Node node);
  std::optional<Node> take(const core::JsonPath &path);

private:
  Node m_root;
  std::string m_schema; // the schema record as received
};

} // namespace sluice::ops::transform
