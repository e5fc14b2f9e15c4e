// --drop, --rename and --set: steps that remove, move or add fields.
#include "core/json_writer.hpp"
#include "expr/text.hpp"
#include "ops/transform/setter.hpp"
#include "ops/transform/shape.hpp"
#include "ops/transform/steps.hpp"

#include <fmt/format.h>

namespace sluice::ops::transform {
namespace {

namespace od = simdjson::ondemand;

std::string describe(simdjson::error_code e) {
  return fmt::format("invalid JSON ({})", simdjson::error_message(e));
}

std::string infer_type(const expr::Expression &e, size_t node, const Shape &shape);

// Collects the removals of every match of `set` in the event.
simdjson::error_code find_removals(const core::PathSet &set, EventView &event,
                                   std::vector<Removal> *out) {
  return set.walk(
      *event.doc,
      [&](const core::PathMatch &m) {
        size_t start = event.offset(m.key.empty() ? m.value : m.key);
        out->push_back({start, event.offset(m.value) + m.value.size()});
      },
      event.text);
}

class DropStep : public Step {
public:
  explicit DropStep(std::vector<core::JsonPath> paths) : m_paths(std::move(paths)) {
    for (const auto &p : m_paths) {
      m_set.add(p);
    }
  }
  bool edits() const override { return true; }

  Outcome apply(EventView &event, std::string *out, std::string *why) override {
    m_removals.clear();
    m_splices.clear();
    if (auto e = find_removals(m_set, event, &m_removals)) {
      *why = "--drop: " + describe(e);
      return Outcome::bad;
    }
    if (m_removals.empty()) {
      return Outcome::keep;
    }
    removal_splices(event.text, m_removals, &m_splices);
    apply_splices(event.text, m_splices, out);
    return Outcome::edited;
  }

  void rewrite(Shape &shape) const override {
    for (const auto &p : m_paths) {
      shape.remove(p);
    }
  }

private:
  std::vector<core::JsonPath> m_paths;
  core::PathSet m_set;
  std::vector<Removal> m_removals;
  std::vector<Splice> m_splices;
};

class SetStep : public Step {
public:
  SetStep(const core::JsonPath &path, expr::Expression e) : m_setter(path), m_expr(std::move(e)) {}

  void bind(core::PathSet &set) override { m_expr.bind(set); }
  bool reads_values() const override { return true; }
  bool edits() const override { return true; }

  Outcome apply(EventView &event, std::string *out, std::string *why) override {
    expr::Value v;
    if (!event.evaluator->evaluate(m_expr, *event.context, &v, why)) {
      *why = fmt::format("--set {}={}: {}", m_setter.path().text(), m_expr.text(), *why);
      return Outcome::bad;
    }
    m_json.clear();
    expr::append_json(&m_json, v);
    m_splices.clear();
    if (!m_setter.splice(event, m_json, &m_splices, why)) {
      *why = "--set: " + *why;
      return Outcome::bad;
    }
    apply_splices(event.text, m_splices, out);
    return Outcome::edited;
  }

  void rewrite(Shape &shape) const override {
    Shape::Node node;
    node.type = infer_type(m_expr, m_expr.root(), shape);
    if (auto old = shape.take(m_setter.path())) {
      node.attributes = old->attributes;
    }
    shape.put(m_setter.path(), std::move(node));
  }

private:
  Setter m_setter;
  expr::Expression m_expr;
  std::string m_json;
  std::vector<Splice> m_splices;
};

bool same_parent(const core::JsonPath &a, const core::JsonPath &b) {
  const auto &x = a.steps();
  const auto &y = b.steps();
  if (x.size() != y.size() || x.back().kind != core::PathStep::Kind::field ||
      y.back().kind != core::PathStep::Kind::field) {
    return false;
  }
  for (size_t i = 0; i + 1 < x.size(); ++i) {
    if (x[i].kind != y[i].kind || x[i].name != y[i].name || x[i].index != y[i].index) {
      return false;
    }
  }
  return true;
}

bool is_prefix(const core::JsonPath &a, const core::JsonPath &b) {
  const auto &x = a.steps();
  const auto &y = b.steps();
  if (x.size() > y.size()) {
    return false;
  }
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i].kind != y[i].kind || x[i].name != y[i].name || x[i].index != y[i].index) {
      return false;
    }
  }
  return true;
}

class RenameStep : public Step {
public:
  RenameStep(core::JsonPath from, core::JsonPath to)
      : m_from(std::move(from)), m_to(std::move(to)), m_setter(m_to),
        m_in_place(same_parent(m_from, m_to)) {
    m_set.add(m_from);
    m_set.add(m_to);
  }
  bool edits() const override { return true; }

  Outcome apply(EventView &event, std::string *out, std::string *why) override {
    if (auto e = m_values.extract(m_set, *event.doc, event.text)) {
      *why = "--rename: " + describe(e);
      return Outcome::bad;
    }
    const core::PathMatch *from = m_values.first(0);
    if (from == nullptr) {
      return Outcome::keep;
    }
    m_splices.clear();
    if (m_in_place) {
      // The key changes where it stands; a field already called so goes.
      Splice key{event.offset(from->key), event.offset(from->key) + from->key.size(), {}};
      core::append_json_string(&key.text, m_to.steps().back().name);
      m_splices.push_back(std::move(key));
      if (const core::PathMatch *to = m_values.first(1)) {
        std::vector<Removal> removal{
            {event.offset(to->key), event.offset(to->value) + to->value.size()}};
        removal_splices(event.text, removal, &m_splices);
      }
      apply_splices(event.text, m_splices, out);
      return Outcome::edited;
    }
    return move(event, *from, out, why);
  }

  void rewrite(Shape &shape) const override {
    if (auto node = shape.take(m_from)) {
      shape.put(m_to, std::move(*node));
    }
  }

private:
  // Elsewhere: remove the field, then set the value at the new path in the result.
  Outcome move(EventView &event, const core::PathMatch &from, std::string *out, std::string *why) {
    std::string value(from.value);
    std::vector<Removal> removal{{event.offset(from.key.empty() ? from.value : from.key),
                                  event.offset(from.value) + from.value.size()}};
    removal_splices(event.text, removal, &m_splices);
    m_between.clear();
    apply_splices(event.text, m_splices, &m_between);
    m_between.reserve(m_between.size() + simdjson::SIMDJSON_PADDING);
    od::document doc;
    if (auto e =
            m_parser.iterate(m_between.data(), m_between.size(), m_between.capacity()).get(doc)) {
      *why = "--rename: " + describe(e);
      return Outcome::bad;
    }
    EventView next = event;
    next.text = m_between;
    next.capacity = m_between.capacity();
    next.doc = &doc;
    m_splices.clear();
    if (!m_setter.splice(next, value, &m_splices, why)) {
      *why = "--rename: " + *why;
      return Outcome::bad;
    }
    apply_splices(m_between, m_splices, out);
    return Outcome::edited;
  }

  core::JsonPath m_from;
  core::JsonPath m_to;
  Setter m_setter;
  bool m_in_place;
  core::PathSet m_set;
  core::PathValues m_values;
  std::vector<Splice> m_splices;
  std::string m_between;
  od::parser m_parser;
};

// Splits "LEFT=RIGHT" at the first '=' outside brackets and quotes.
bool split_assignment(const std::string &item, std::string *left, std::string *right) {
  int depth = 0;
  char quote = 0;
  for (size_t i = 0; i < item.size(); ++i) {
    char c = item[i];
    if (quote != 0) {
      if (c == '\\') {
        ++i;
      } else if (c == quote) {
        quote = 0;
      }
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '[') {
      ++depth;
    } else if (c == ']') {
      --depth;
    } else if (c == '=' && depth == 0) {
      *left = std::string(expr::trim_spaces(std::string_view(item).substr(0, i)));
      *right = std::string(expr::trim_spaces(std::string_view(item).substr(i + 1)));
      return !left->empty() && !right->empty();
    }
  }
  return false;
}

const std::string k_unknown = "null";

std::string infer_type(const expr::Expression &e, size_t index, const Shape &shape) {
  using expr::Op;
  const expr::Node &n = e.node(index);
  switch (n.op) {
  case Op::literal:
    switch (n.literal.type) {
    case expr::Type::string:
      return "\"text\"";
    case expr::Type::boolean:
      return "\"boolean\"";
    case expr::Type::number:
      return n.literal.number.kind == expr::Number::Kind::integer ? "\"bigint\"" : "\"numeric\"";
    case expr::Type::duration:
      return "\"numeric\"";
    default:
      return k_unknown;
    }
  case Op::path:
    return e.paths()[n.path].has_every() ? "\"json\"" : shape.type_of(e.paths()[n.path]);
  case Op::list:
    return "\"json\"";
  case Op::not_:
  case Op::and_:
  case Op::or_:
  case Op::eq:
  case Op::ne:
  case Op::lt:
  case Op::le:
  case Op::gt:
  case Op::ge:
  case Op::in:
    return "\"boolean\"";
  case Op::neg:
    return "\"numeric\"";
  case Op::add:
    if (infer_type(e, n.args[0], shape) == "\"text\"" ||
        infer_type(e, n.args[1], shape) == "\"text\"") {
      return "\"text\"";
    }
    return "\"numeric\"";
  case Op::sub:
  case Op::mul:
  case Op::div:
  case Op::mod:
    return "\"numeric\"";
  case Op::call:
    break;
  }
  using expr::Fn;
  switch (n.fn) {
  case Fn::lower:
  case Fn::upper:
  case Fn::trim:
  case Fn::replace:
  case Fn::concat:
  case Fn::to_string:
  case Fn::env:
    return "\"text\"";
  case Fn::len:
  case Fn::now:
    return "\"bigint\"";
  case Fn::to_number:
    return "\"numeric\"";
  case Fn::starts_with:
  case Fn::ends_with:
  case Fn::contains:
  case Fn::matches:
  case Fn::exists:
    return "\"boolean\"";
  case Fn::if_: {
    std::string a = infer_type(e, n.args[1], shape);
    return a == infer_type(e, n.args[2], shape) ? a : k_unknown;
  }
  case Fn::coalesce: {
    std::string a = infer_type(e, n.args[0], shape);
    for (size_t i = 1; i < n.args.size(); ++i) {
      if (infer_type(e, n.args[i], shape) != a) {
        return k_unknown;
      }
    }
    return a;
  }
  }
  return k_unknown;
}

} // namespace

bool split_assignment_item(const std::string &item, std::string *left, std::string *right) {
  return split_assignment(item, left, right);
}

std::vector<std::unique_ptr<Step>> make_field_steps(const StepSpec &spec,
                                                    const TransformOptions &options) {
  std::vector<std::unique_ptr<Step>> steps;
  if (spec.kind == StepSpec::Kind::drop) {
    std::vector<core::JsonPath> paths;
    for (const auto &item : spec.items) {
      paths.push_back(parse_path_flag("--drop", item, true));
    }
    steps.push_back(std::make_unique<DropStep>(std::move(paths)));
    return steps;
  }
  for (const auto &item : spec.items) {
    std::string left;
    std::string right;
    const char *flag = flag_name(spec.kind);
    if (!split_assignment(item, &left, &right)) {
      usage(fmt::format("{} wants {}, not \"{}\"", flag,
                        spec.kind == StepSpec::Kind::set ? "PATH=EXPR" : "OLD=NEW", item));
    }
    core::JsonPath path = parse_path_flag(flag, left, false);
    if (spec.kind == StepSpec::Kind::set) {
      steps.push_back(std::make_unique<SetStep>(path, parse_expression(flag, right, options)));
      continue;
    }
    core::JsonPath to = parse_path_flag(flag, right, false);
    if (is_prefix(path, to)) {
      usage(fmt::format("--rename {}: cannot move a field inside itself", item));
    }
    steps.push_back(std::make_unique<RenameStep>(std::move(path), std::move(to)));
  }
  return steps;
}

} // namespace sluice::ops::transform
