// --select, --unwrap and --flatten: steps that build a new object from pieces
// of the event, each piece copied as written.
#include "core/error.hpp"
#include "core/json_writer.hpp"
#include "expr/text.hpp"
#include "ops/transform/shape.hpp"
#include "ops/transform/steps.hpp"

#include <fmt/format.h>
#include <unordered_set>

namespace sluice::ops::transform {
namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;

std::string describe(error_code e) {
  return fmt::format("invalid JSON ({})", simdjson::error_message(e));
}

bool only_fields(const core::JsonPath &p) {
  for (const auto &s : p.steps()) {
    if (s.kind != core::PathStep::Kind::field) {
      return false;
    }
  }
  return true;
}

// The output of --select: a tree of names in the order given.
struct OutNode {
  std::string name;
  std::string key;        // "name": as written
  size_t item = SIZE_MAX; // leaf: index of its select item
  std::vector<OutNode> children;
};

struct SelectItem {
  core::JsonPath from;
  core::JsonPath to;
  size_t slot = 0;
};

class SelectStep : public Step {
public:
  explicit SelectStep(std::vector<SelectItem> items) : m_items(std::move(items)) {
    for (size_t i = 0; i < m_items.size(); ++i) {
      insert(i);
    }
  }
  void bind(core::PathSet &set) override {
    for (auto &item : m_items) {
      item.slot = set.add(item.from);
    }
  }
  bool reads_values() const override { return true; }
  bool edits() const override { return true; }

  Outcome apply(EventView &event, std::string *out, std::string *) override {
    out->push_back('{');
    write_members(*event.values, m_root, out);
    out->push_back('}');
    return Outcome::edited;
  }

  void rewrite(Shape &shape) const override {
    Shape next;
    for (const auto &item : m_items) {
      Shape::Node node;
      if (item.from.has_every()) {
        node.type = "\"json\"";
      } else if (const Shape::Node *found = shape.find(item.from)) {
        node = *found;
      }
      next.put(item.to, std::move(node));
    }
    shape.root().children = std::move(next.root().children);
  }

private:
  void insert(size_t index) {
    const auto &steps = m_items[index].to.steps();
    OutNode *node = &m_root;
    for (size_t i = 0; i < steps.size(); ++i) {
      OutNode *child = nullptr;
      for (auto &c : node->children) {
        if (c.name == steps[i].name) {
          child = &c;
        }
      }
      bool last = i + 1 == steps.size();
      if (child != nullptr && (last || child->item != SIZE_MAX)) {
        usage(fmt::format("--select: {} is selected twice", m_items[index].to.text()));
      }
      if (child == nullptr) {
        OutNode n{steps[i].name, {}, last ? index : SIZE_MAX, {}};
        core::append_json_string(&n.key, n.name);
        n.key.push_back(':');
        node->children.push_back(std::move(n));
        child = &node->children.back();
      }
      node = child;
    }
  }

  // Writes the members of `node` that exist; returns how many.
  size_t write_members(const core::PathValues &values, const OutNode &node, std::string *out) {
    size_t written = 0;
    for (const auto &child : node.children) {
      size_t mark = out->size();
      if (written > 0) {
        out->push_back(',');
      }
      out->append(child.key);
      if (child.item != SIZE_MAX) {
        const SelectItem &item = m_items[child.item];
        const auto &matches = values.matches[item.slot];
        if (matches.empty()) {
          out->resize(mark); // missing fields are left out
          continue;
        }
        if (!item.from.has_every()) {
          out->append(matches[0].value);
        } else {
          out->push_back('[');
          for (size_t i = 0; i < matches.size(); ++i) {
            if (i > 0) {
              out->push_back(',');
            }
            out->append(matches[i].value);
          }
          out->push_back(']');
        }
        ++written;
        continue;
      }
      out->push_back('{');
      if (write_members(values, child, out) == 0) {
        out->resize(mark);
        continue;
      }
      out->push_back('}');
      ++written;
    }
    return written;
  }

  std::vector<SelectItem> m_items;
  OutNode m_root;
};

const char *const k_meta[] = {"id", "op", "ts"};

class UnwrapStep : public Step {
public:
  UnwrapStep(core::JsonPath path, bool keep_meta)
      : m_path(std::move(path)), m_keep_meta(keep_meta) {
    m_set.add(m_path);
    if (keep_meta) {
      for (const char *name : k_meta) {
        core::JsonPath p;
        std::string why;
        core::JsonPath::parse(name, &p, &why);
        m_set.add(p);
      }
    }
  }
  bool edits() const override { return true; }

  Outcome apply(EventView &event, std::string *out, std::string *why) override {
    if (auto e = m_values.extract(m_set, *event.doc, event.text)) {
      *why = "--unwrap: " + describe(e);
      return Outcome::bad;
    }
    const core::PathMatch *inner = m_values.first(0);
    if (inner == nullptr || inner->type != od::json_type::object) {
      *why = fmt::format("--unwrap {}: {} is {}, not an object", m_path.text(), m_path.text(),
                         inner == nullptr ? "missing" : std::string(inner->value.substr(0, 40)));
      return Outcome::bad;
    }
    if (!m_keep_meta) {
      out->append(inner->value);
      return Outcome::edited;
    }
    bool has[3] = {false, false, false};
    if (!inner_keys(event, inner->value, has, why)) {
      return Outcome::bad;
    }
    // The envelope's id, op and ts first, in their order in the event.
    std::vector<const core::PathMatch *> meta;
    for (size_t i = 0; i < 3; ++i) {
      const core::PathMatch *m = m_values.first(i + 1);
      if (m != nullptr && !has[i]) {
        meta.push_back(m);
      }
    }
    std::sort(meta.begin(), meta.end(),
              [](auto *a, auto *b) { return a->key.data() < b->key.data(); });
    out->push_back('{');
    for (size_t i = 0; i < meta.size(); ++i) {
      if (i > 0) {
        out->push_back(',');
      }
      out->append(meta[i]->key).push_back(':');
      out->append(meta[i]->value);
    }
    std::string_view body = expr::trim_spaces(inner->value.substr(1, inner->value.size() - 2));
    if (!body.empty()) {
      if (!meta.empty()) {
        out->push_back(',');
      }
      out->append(body);
    }
    out->push_back('}');
    return Outcome::edited;
  }

  void rewrite(Shape &shape) const override {
    const Shape::Node *node = shape.find(m_path);
    std::vector<Shape::Node> children;
    if (node != nullptr && node->object) {
      children = node->children;
    }
    if (m_keep_meta) {
      std::vector<Shape::Node> meta;
      for (const auto &c : shape.root().children) {
        bool wanted = c.name == "id" || c.name == "op" || c.name == "ts";
        bool clash = false;
        for (const auto &k : children) {
          clash |= k.name == c.name;
        }
        if (wanted && !clash) {
          meta.push_back(c);
        }
      }
      children.insert(children.begin(), meta.begin(), meta.end());
    }
    shape.root().children = std::move(children);
  }

private:
  // Which of id, op, ts the unwrapped object has itself (they win over the envelope's).
  bool inner_keys(EventView &event, std::string_view raw, bool *has, std::string *why) {
    size_t capacity = event.capacity - event.offset(raw);
    od::document doc;
    od::object object;
    error_code e = m_parser.iterate(raw.data(), raw.size(), capacity).get(doc);
    e = e ? e : doc.get_object().get(object);
    for (auto field : object) {
      std::string_view key;
      od::field f;
      if (e || (e = std::move(field).get(f)) || (e = f.unescaped_key().get(key))) {
        break;
      }
      for (size_t i = 0; i < 3; ++i) {
        has[i] |= key == k_meta[i];
      }
    }
    if (e) {
      *why = "--unwrap: " + describe(e);
      return false;
    }
    return true;
  }

  core::JsonPath m_path;
  bool m_keep_meta;
  core::PathSet m_set;
  core::PathValues m_values;
  od::parser m_parser;
};

class FlattenStep : public Step {
public:
  explicit FlattenStep(std::string separator) : m_separator(std::move(separator)) {}
  bool edits() const override { return true; }

  Outcome apply(EventView &event, std::string *out, std::string *why) override {
    m_seen.clear();
    m_written = 0;
    m_duplicate.clear();
    event.doc->rewind();
    od::object root;
    std::string prefix;
    out->push_back('{');
    error_code e = event.doc->get_object().get(root);
    e = e ? e : members(root, &prefix, out);
    if (e) {
      *why = "--flatten: " + describe(e);
      return Outcome::bad;
    }
    if (!m_duplicate.empty()) {
      *why = fmt::format("--flatten: two fields flatten to the same name \"{}\"", m_duplicate);
      return Outcome::bad;
    }
    out->push_back('}');
    return Outcome::edited;
  }

  void rewrite(Shape &shape) const override {
    std::vector<Shape::Node> flat;
    for (const auto &c : shape.root().children) {
      flatten(c, "", &flat);
    }
    shape.root().children = std::move(flat);
  }

private:
  void flatten(const Shape::Node &node, const std::string &prefix,
               std::vector<Shape::Node> *out) const {
    std::string name = prefix.empty() ? node.name : prefix + m_separator + node.name;
    if (!node.object || node.children.empty()) {
      Shape::Node leaf = node;
      leaf.name = name;
      leaf.object = false;
      leaf.children.clear();
      if (node.object) {
        leaf.type = "\"json\"";
      }
      out->push_back(std::move(leaf));
      return;
    }
    for (const auto &c : node.children) {
      flatten(c, name, out);
    }
  }

  void write_key(const std::string &name, std::string *out) {
    if (!m_seen.insert(name).second && m_duplicate.empty()) {
      m_duplicate = name;
    }
    if (m_written++ > 0) {
      out->push_back(',');
    }
    core::append_json_string(out, name);
    out->push_back(':');
  }

  error_code members(od::object object, std::string *prefix, std::string *out) {
    size_t base = prefix->size();
    for (auto field : object) {
      od::field f;
      std::string_view key;
      if (error_code e = std::move(field).get(f)) {
        return e;
      }
      if (error_code e = f.unescaped_key().get(key)) {
        return e;
      }
      if (base > 0) {
        prefix->append(m_separator);
      }
      prefix->append(key);
      od::value v = f.value();
      od::json_type type;
      if (error_code e = v.type().get(type)) {
        return e;
      }
      if (type == od::json_type::object) {
        od::object inner;
        size_t before = m_written;
        if (error_code e = v.get_object().get(inner)) {
          return e;
        }
        if (error_code e = members(inner, prefix, out)) {
          return e;
        }
        if (m_written == before) {
          write_key(*prefix, out);
          out->append("{}");
        }
      } else {
        std::string_view raw;
        if (type == od::json_type::array) {
          od::array a;
          if (error_code e = v.get_array().get(a)) {
            return e;
          }
          if (error_code e = a.raw_json().get(raw)) {
            return e;
          }
        } else {
          raw = v.raw_json_token();
        }
        write_key(*prefix, out);
        out->append(expr::trim_spaces(raw));
      }
      prefix->resize(base);
    }
    return simdjson::SUCCESS;
  }

  std::string m_separator;
  std::unordered_set<std::string> m_seen;
  size_t m_written = 0;
  std::string m_duplicate;
};

} // namespace

std::unique_ptr<Step> make_reshape(const StepSpec &spec, const TransformOptions &options) {
  switch (spec.kind) {
  case StepSpec::Kind::unwrap:
    return std::make_unique<UnwrapStep>(parse_path_flag("--unwrap", spec.items.at(0), false),
                                        options.keep_meta);
  case StepSpec::Kind::flatten:
    return std::make_unique<FlattenStep>(options.separator);
  default:
    break;
  }
  std::vector<SelectItem> items;
  for (const auto &text : spec.items) {
    std::string name;
    std::string path;
    SelectItem item;
    if (split_assignment_item(text, &name, &path)) {
      item.from = parse_path_flag("--select", path, true);
      item.to = parse_path_flag("--select", name, false);
      if (!only_fields(item.to)) {
        usage(fmt::format("--select {}: the name must be a path of fields", text));
      }
    } else {
      item.from = parse_path_flag("--select", text, true);
      item.to = item.from;
      if (!only_fields(item.from)) {
        usage(fmt::format("--select {}: give it a name: NAME={}", text, text));
      }
    }
    items.push_back(std::move(item));
  }
  return std::make_unique<SelectStep>(std::move(items));
}

} // namespace sluice::ops::transform
