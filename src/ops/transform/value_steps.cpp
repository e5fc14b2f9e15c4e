// --hash, --mask, --null and --redact: steps that replace values in place.
#include "core/json_writer.hpp"
#include "expr/text.hpp"
#include "ops/transform/redactor.hpp"
#include "ops/transform/shape.hpp"
#include "ops/transform/splice.hpp"
#include "ops/transform/steps.hpp"

#include <charconv>
#include <string_view>
#include <fmt/format.h>

namespace sluice::ops::transform {
namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;

const std::string k_text_type = "\"text\"";

// The text a value stands for: a string's characters, otherwise its JSON text.
bool value_text(const core::PathMatch &m, expr::Scratch &scratch, std::string_view *out,
                std::string *why) {
  if (m.type != od::json_type::string) {
    *out = m.value;
    return true;
  }
  expr::Value v;
  if (!expr::value_from_json(m.value, m.type, scratch, &v, why)) {
    return false;
  }
  *out = v.text;
  return true;
}

std::string describe(error_code e) {
  return fmt::format("invalid JSON ({})", simdjson::error_message(e));
}

// Steps whose paths each name values to replace.
class ValueStep : public Step {
public:
  ValueStep(const char *flag, const std::vector<core::JsonPath> &paths) : m_flag(flag) {
    for (const auto &p : paths) {
      m_set.add(p);
      m_paths.push_back(p);
    }
  }
  bool edits() const override { return true; }

  Outcome apply(EventView &event, std::string *out, std::string *why) override {
    m_used = 0;
    m_scratch.reset();
    std::string failure;
    error_code e = m_set.walk(
        *event.doc,
        [&](const core::PathMatch &m) {
          if (!failure.empty()) {
            return;
          }
          // The splices' strings are kept from event to event (no allocation).
          if (m_used == m_splices.size()) {
            m_splices.emplace_back();
          }
          Splice &s = m_splices[m_used];
          s.text.clear();
          if (replace(event, m, &s.text, &failure)) {
            s.begin = event.offset(m.value);
            s.end = s.begin + m.value.size();
            ++m_used;
          }
        },
        event.text);
    if (e || !failure.empty()) {
      *why = fmt::format("{}: {}", m_flag, e ? describe(e) : failure);
      return Outcome::bad;
    }
    if (m_used == 0) {
      return Outcome::keep;
    }
    m_splices.resize(m_used);
    apply_splices(event.text, m_splices, out);
    return Outcome::edited;
  }

  void rewrite(Shape &shape) const override {
    for (const auto &p : m_paths) {
      if (!p.has_every()) {
        shape.retype(p, k_text_type);
      }
    }
  }

protected:
  // True with the new JSON text of a matched value; false to leave it (with
  // *why set when it is bad data).
  virtual bool replace(EventView &event, const core::PathMatch &m, std::string *out,
                       std::string *why) = 0;

  expr::Scratch m_scratch;

private:
  const char *m_flag;
  core::PathSet m_set;
  std::vector<core::JsonPath> m_paths;
  std::vector<Splice> m_splices;
  size_t m_used = 0; // splices of this event: the first m_used
};

class HashStep : public ValueStep {
public:
  HashStep(const std::vector<core::JsonPath> &paths, Hasher *hasher)
      : ValueStep("--hash", paths), m_hasher(hasher) {}

protected:
  bool replace(EventView &, const core::PathMatch &m, std::string *out, std::string *why) override {
    if (m.type == od::json_type::null) {
      return false; // null stays null: there is nothing to hide
    }
    std::string_view text;
    if (!value_text(m, m_scratch, &text, why)) {
      return false;
    }
    out->push_back('"');
    m_hasher->append_hex(text, out);
    out->push_back('"');
    return true;
  }

private:
  Hasher *m_hasher;
};

class NullStep : public ValueStep {
public:
  explicit NullStep(const std::vector<core::JsonPath> &paths) : ValueStep("--null", paths) {}
  void rewrite(Shape &) const override {} // the field stays, with its type

protected:
  bool replace(EventView &, const core::PathMatch &m, std::string *out, std::string *) override {
    if (m.type == od::json_type::null) {
      return false;
    }
    out->assign("null");
    return true;
  }
};

// Every character but the last `keep` becomes '*'.
void append_masked(std::string *out, std::string_view text, size_t keep) {
  size_t tail = expr::offset_of_last_code_points(text, keep);
  std::string masked(expr::count_code_points(text.substr(0, tail)), '*');
  masked.append(text.substr(tail));
  core::append_json_string(out, masked);
}

class MaskStep : public ValueStep {
public:
  MaskStep(const std::vector<core::JsonPath> &paths, std::vector<size_t> keep)
      : ValueStep("--mask", paths), m_keep(std::move(keep)) {}

protected:
  bool replace(EventView &event, const core::PathMatch &m, std::string *out,
               std::string *why) override {
    size_t keep = m_keep[m.path];
    switch (m.type) {
    case od::json_type::null:
    case od::json_type::boolean:
      return false;
    case od::json_type::object:
    case od::json_type::array:
      return mask_container(event, m.value, keep, out, why);
    default:
      break;
    }
    std::string_view text;
    if (!value_text(m, m_scratch, &text, why)) {
      return false;
    }
    append_masked(out, text, keep);
    return true;
  }

private:
  // Masks every string and number inside a container, keeping its structure.
  bool mask_container(EventView &event, std::string_view raw, size_t keep, std::string *out,
                      std::string *why) {
    size_t capacity = event.capacity - event.offset(raw);
    od::document doc;
    od::value root;
    error_code e = m_parser.iterate(raw.data(), raw.size(), capacity).get(doc);
    e = e ? e : doc.get_value().get(root);
    std::vector<Splice> splices;
    e = e ? e : collect(root, raw, keep, &splices);
    if (e) {
      *why = describe(e);
      return false;
    }
    apply_splices(raw, splices, out);
    return true;
  }

  error_code collect(od::value v, std::string_view base, size_t keep, std::vector<Splice> *out) {
    od::json_type type;
    if (error_code e = v.type().get(type)) {
      return e;
    }
    if (type == od::json_type::object) {
      od::object o;
      if (error_code e = v.get_object().get(o)) {
        return e;
      }
      for (auto field : o) {
        od::field f;
        if (error_code e = std::move(field).get(f)) {
          return e;
        }
        if (error_code e = collect(f.value(), base, keep, out)) {
          return e;
        }
      }
      return simdjson::SUCCESS;
    }
    if (type == od::json_type::array) {
      od::array a;
      if (error_code e = v.get_array().get(a)) {
        return e;
      }
      for (auto element : a) {
        od::value ev;
        if (error_code e = std::move(element).get(ev)) {
          return e;
        }
        if (error_code e = collect(ev, base, keep, out)) {
          return e;
        }
      }
      return simdjson::SUCCESS;
    }
    if (type != od::json_type::string && type != od::json_type::number) {
      return simdjson::SUCCESS;
    }
    std::string_view token = expr::trim_spaces(v.raw_json_token());
    std::string_view text = token;
    if (type == od::json_type::string) {
      if (error_code e = v.get_string().get(text)) {
        return e;
      }
    }
    Splice s;
    s.begin = static_cast<size_t>(token.data() - base.data());
    s.end = s.begin + token.size();
    append_masked(&s.text, text, keep);
    out->push_back(std::move(s));
    return simdjson::SUCCESS;
  }

  std::vector<size_t> m_keep;
  od::parser m_parser;
};

// Whether a column of `type` (the schema's JSON text) may hold strings that
// --redact PATTERN turns into text its type cannot hold: an inet for ipv4,
// anything but text, numbers, booleans, JSON and arrays for a custom regex.
// Emails, cards and phone numbers are found only in text.
bool redact_makes_text(std::string_view type, std::string_view pattern) {
  if (type.size() < 2 || type.front() != '"') {
    return false; // unknown
  }
  std::string_view t = type.substr(1, type.size() - 2);
  if (pattern == "email" || pattern == "card" || pattern == "phone") {
    return false;
  }
  if (pattern == "ipv4") {
    return t == "inet" || t == "cidr";
  }
  static constexpr std::string_view k_kept[] = {
      "text",   "character", "char",   "varchar", "citext", "name",    "bpchar",
      "bigint", "integer",   "int",    "int2",    "int4",   "int8",    "smallint",
      "numeric", "decimal",  "real",   "float4",  "float8", "double precision",
      "boolean", "bool",     "json",   "jsonb"};
  if (t.size() > 2 && t.substr(t.size() - 2) == "[]") {
    return false;
  }
  for (std::string_view k : k_kept) {
    if (t == k || (t.size() > k.size() && t.substr(0, k.size()) == k &&
                   (t[k.size()] == '(' || t[k.size()] == ' '))) {
      return false;
    }
  }
  return true;
}

void retype_redacted(Shape::Node &node, std::string_view pattern) {
  for (auto &c : node.children) {
    if (c.object) {
      retype_redacted(c, pattern);
    } else if (redact_makes_text(c.type, pattern)) {
      c.type = k_text_type;
    }
  }
}

class RedactStep : public Step {
public:
  explicit RedactStep(std::unique_ptr<Redactor> r) : m_redactor(std::move(r)) {}
  bool edits() const override { return true; }

  void rewrite(Shape &shape) const override {
    retype_redacted(shape.root(), m_redactor->pattern());
  }

  Outcome apply(EventView &event, std::string *out, std::string *why) override {
    m_splices.clear();
    event.doc->rewind();
    od::value root;
    error_code e = event.doc->get_value().get(root);
    e = e ? e : walk(event, root);
    if (e) {
      *why = "--redact: " + describe(e);
      return Outcome::bad;
    }
    if (m_splices.empty()) {
      return Outcome::keep;
    }
    apply_splices(event.text, m_splices, out);
    return Outcome::edited;
  }

private:
  error_code walk(EventView &event, od::value v) {
    od::json_type type;
    if (error_code e = v.type().get(type)) {
      return e;
    }
    switch (type) {
    case od::json_type::object: {
      od::object o;
      if (error_code e = v.get_object().get(o)) {
        return e;
      }
      for (auto field : o) {
        od::field f;
        if (error_code e = std::move(field).get(f)) {
          return e;
        }
        if (error_code e = walk(event, f.value())) {
          return e;
        }
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::array: {
      od::array a;
      if (error_code e = v.get_array().get(a)) {
        return e;
      }
      for (auto element : a) {
        od::value ev;
        if (error_code e = std::move(element).get(ev)) {
          return e;
        }
        if (error_code e = walk(event, ev)) {
          return e;
        }
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::string:
      return redact(event, v);
    default:
      return simdjson::SUCCESS;
    }
  }

  error_code redact(EventView &event, od::value v) {
    std::string_view token = expr::trim_spaces(v.raw_json_token());
    std::string_view text;
    if (error_code e = v.get_string().get(text)) {
      return e;
    }
    m_text.clear();
    if (!m_redactor->redact(text, &m_text)) {
      return simdjson::SUCCESS;
    }
    Splice s;
    s.begin = event.offset(token);
    s.end = s.begin + token.size();
    core::append_json_string(&s.text, m_text);
    m_splices.push_back(std::move(s));
    return simdjson::SUCCESS;
  }

  std::unique_ptr<Redactor> m_redactor;
  std::vector<Splice> m_splices;
  std::string m_text;
};

// "PATH" or "PATH:keep-last=N".
void parse_mask(const std::string &item, core::JsonPath *path, size_t *keep) {
  static const std::string k_option = ":keep-last=";
  size_t at = item.rfind(k_option);
  *keep = 0;
  std::string text = item;
  if (at != std::string::npos) {
    std::string n = item.substr(at + k_option.size());
    auto r = std::from_chars(n.data(), n.data() + n.size(), *keep);
    if (n.empty() || r.ec != std::errc() || r.ptr != n.data() + n.size()) {
      usage(fmt::format("--mask: keep-last wants a number of characters in \"{}\"", item));
    }
    text = item.substr(0, at);
  }
  *path = parse_path_flag("--mask", text, true);
}

} // namespace

std::unique_ptr<Step> make_value_step(const StepSpec &spec, const TransformOptions &,
                                      Hasher *hasher) {
  std::vector<core::JsonPath> paths;
  switch (spec.kind) {
  case StepSpec::Kind::redact: {
    std::unique_ptr<Redactor> r;
    std::string why;
    if (!Redactor::create(spec.items.at(0), &r, &why)) {
      usage(fmt::format("--redact {}: {}", spec.items.at(0), why));
    }
    return std::make_unique<RedactStep>(std::move(r));
  }
  case StepSpec::Kind::mask: {
    std::vector<size_t> keep;
    for (const auto &item : spec.items) {
      core::JsonPath p;
      size_t k = 0;
      parse_mask(item, &p, &k);
      paths.push_back(std::move(p));
      keep.push_back(k);
    }
    return std::make_unique<MaskStep>(paths, std::move(keep));
  }
  default:
    break;
  }
  for (const auto &item : spec.items) {
    paths.push_back(parse_path_flag(flag_name(spec.kind), item, true));
  }
  if (spec.kind == StepSpec::Kind::hash) {
    return std::make_unique<HashStep>(paths, hasher);
  }
  return std::make_unique<NullStep>(paths);
}

} // namespace sluice::ops::transform
