#include "core/path_set.hpp"

#include <algorithm>
#include <cstring>

namespace sluice::core {

namespace od = simdjson::ondemand;
using simdjson::error_code;

struct PathSet::Node {
  std::vector<size_t> leaves; // paths that end here
  std::vector<std::pair<std::string, std::unique_ptr<Node>>> fields;
  // Per field, for comparing raw keys: whether its name has no quote or backslash
  // (only such names match a raw key), its size, and for a plain name under 16
  // bytes the 16 bytes that start with `name"`, with a mask of those that count.
  struct RawName {
    bool plain = false;
    uint32_t size = 0;
    uint64_t word[2] = {0, 0};
    uint64_t mask[2] = {0, 0}; // all zero for other names
  };
  std::vector<RawName> raw_names;
  uint64_t first_bytes[4] = {0, 0, 0, 0}; // the first bytes of the plain names, as a set
  std::vector<std::pair<uint64_t, std::unique_ptr<Node>>> indexes;
  std::unique_ptr<Node> every;

  bool has_children() const { return !fields.empty() || !indexes.empty() || every; }

  std::unique_ptr<Node> clone() const {
    auto n = std::make_unique<Node>();
    n->leaves = leaves;
    for (const auto &[name, child] : fields) {
      n->fields.emplace_back(name, child->clone());
    }
    for (const auto &[index, child] : indexes) {
      n->indexes.emplace_back(index, child->clone());
    }
    if (every) {
      n->every = every->clone();
    }
    return n;
  }

  Node *field(const std::string &name) {
    for (auto &[n, child] : fields) {
      if (n == name) {
        return child.get();
      }
    }
    fields.emplace_back(name, std::make_unique<Node>());
    return fields.back().second.get();
  }

  Node *index(uint64_t i) {
    for (auto &[n, child] : indexes) {
      if (n == i) {
        return child.get();
      }
    }
    indexes.emplace_back(i, std::make_unique<Node>());
    return indexes.back().second.get();
  }

  // Adds everything under `other` to this node.
  void merge(const Node &other) {
    leaves.insert(leaves.end(), other.leaves.begin(), other.leaves.end());
    for (const auto &[name, child] : other.fields) {
      field(name)->merge(*child);
    }
    for (const auto &[i, child] : other.indexes) {
      index(i)->merge(*child);
    }
    if (other.every) {
      if (!every) {
        every = std::make_unique<Node>();
      }
      every->merge(*other.every);
    }
  }

  // An element with its own index node must also get what `[*]` asks for.
  void spread_every() {
    raw_names.clear();
    std::fill(std::begin(first_bytes), std::end(first_bytes), 0);
    for (const auto &[n, child] : fields) {
      RawName r;
      r.plain = n.find_first_of("\"\\") == std::string::npos;
      if (r.plain) {
        // An empty name matches the key `""`, whose first raw byte is its closing quote.
        auto c = static_cast<unsigned char>(n.empty() ? '"' : n[0]);
        first_bytes[c >> 6] |= uint64_t{1} << (c & 63);
      }
      r.size = static_cast<uint32_t>(n.size());
      if (r.plain && n.size() < 16) {
        char word[16] = {};
        unsigned char mask[16] = {};
        std::memcpy(word, n.data(), n.size());
        word[n.size()] = '"';
        std::memset(mask, 0xff, n.size() + 1);
        std::memcpy(r.word, word, 16);
        std::memcpy(r.mask, mask, 16);
      }
      raw_names.push_back(r);
    }
    if (every) {
      for (auto &[i, child] : indexes) {
        child->merge(*every);
      }
    }
    for (auto &[n, child] : fields) {
      child->spread_every();
    }
    for (auto &[i, child] : indexes) {
      child->spread_every();
    }
    if (every) {
      every->spread_every();
    }
  }
};

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// `Sink`: called as sink(const PathMatch&) for each match.
template <class Sink> struct Walker {
  od::document &doc;
  Sink &sink;
  bool plain_keys; // compare raw keys only (no key of the text has an escape)
  bool missed = false;

  void report(const PathSet::Node &node, std::string_view key, std::string_view value,
              od::json_type type) {
    PathMatch m;
    m.key = key;
    m.value = value;
    m.type = type;
    for (size_t id : node.leaves) {
      m.path = id;
      sink(m);
    }
  }

  // The end of a container whose iteration just finished: the document stands at the
  // next token, and only spaces lie between.
  error_code end_of_container(const char **end) {
    const char *next = nullptr;
    if (error_code e = doc.current_location().get(next)) {
      return e;
    }
    while (is_space(next[-1])) {
      --next;
    }
    *end = next;
    return simdjson::SUCCESS;
  }

  // `whole`: iterate a container to its end even when no path needs it.
  error_code value(od::value v, const PathSet::Node &node, std::string_view key,
                   bool whole = false) {
    od::json_type type;
    if (error_code e = v.type().get(type)) {
      return e;
    }
    bool container = type == od::json_type::object || type == od::json_type::array;
    if (!container) {
      if (!node.leaves.empty()) {
        std::string_view token = v.raw_json_token();
        while (!token.empty() && is_space(token.back())) {
          token.remove_suffix(1);
        }
        report(node, key, token, type);
      }
      return simdjson::SUCCESS;
    }
    if (!node.has_children() && !whole) {
      std::string_view raw;
      error_code e = simdjson::SUCCESS;
      if (type == od::json_type::object) {
        od::object o;
        e = v.get_object().get(o);
        e = e ? e : o.raw_json().get(raw);
      } else {
        od::array a;
        e = v.get_array().get(a);
        e = e ? e : a.raw_json().get(raw);
      }
      if (e) {
        return e;
      }
      while (!raw.empty() && is_space(raw.back())) {
        raw.remove_suffix(1);
      }
      report(node, key, raw, type);
      return simdjson::SUCCESS;
    }
    const char *begin = v.raw_json_token().data();
    bool report_whole = !node.leaves.empty();
    whole |= report_whole;
    error_code e = simdjson::SUCCESS;
    if (type == od::json_type::object) {
      od::object o;
      e = v.get_object().get(o);
      e = e ? e : object(o, node, whole);
    } else {
      od::array a;
      e = v.get_array().get(a);
      e = e ? e : array(a, node, whole);
    }
    if (e || !report_whole) {
      return e;
    }
    const char *end = nullptr;
    if ((e = end_of_container(&end))) {
      return e;
    }
    report(node, key, std::string_view(begin, static_cast<size_t>(end - begin)), type);
    return simdjson::SUCCESS;
  }

  // The index of the child whose name the unescaped key at `raw` is; *close: its
  // closing quote. Names with a quote or backslash never match a plain key. The
  // text is padded (simdjson): reading up to 64 bytes from inside it is safe.
  static int match_plain(const PathSet::Node &node, const char *raw, const char **close) {
    auto c = static_cast<unsigned char>(raw[0]);
    if ((node.first_bytes[c >> 6] >> (c & 63) & 1) == 0) {
      return -1;
    }
    uint64_t head[2];
    std::memcpy(head, raw, 16);
    size_t count = node.raw_names.size();
    for (size_t i = 0; i < count; ++i) {
      const PathSet::Node::RawName &r = node.raw_names[i];
      bool same;
      if (r.mask[0] != 0) {
        same = ((head[0] & r.mask[0]) ^ r.word[0]) == 0 && ((head[1] & r.mask[1]) ^ r.word[1]) == 0;
      } else if (!r.plain) {
        continue;
      } else if (r.size < simdjson::SIMDJSON_PADDING) {
        const std::string &name = node.fields[i].first;
        same = std::memcmp(raw, name.data(), r.size) == 0 && raw[r.size] == '"';
      } else {
        // Byte by byte: a name without a quote differs at the key's closing quote at
        // the latest, so this never reads past the key.
        const std::string &name = node.fields[i].first;
        size_t k = 0;
        while (k < r.size && raw[k] == name[k]) {
          ++k;
        }
        same = k == r.size && raw[k] == '"';
      }
      if (same) {
        *close = raw + r.size;
        return static_cast<int>(i);
      }
    }
    return -1;
  }

  // The index of the child called `name`, or -1.
  static int child_named(const PathSet::Node &node, std::string_view name) {
    for (size_t i = 0; i < node.fields.size(); ++i) {
      if (node.fields[i].first == name) {
        return static_cast<int>(i);
      }
    }
    return -1;
  }

  // `whole`: iterate to the end (the caller needs the container's end).
  error_code object(od::object o, const PathSet::Node &node, bool whole) {
    if (node.fields.empty()) {
      return whole ? skip_object(o) : simdjson::SUCCESS;
    }
    // Children seen so far (the first of duplicate keys counts); a node has few children.
    std::vector<bool> seen_many;
    uint64_t seen = 0;
    size_t found = 0;
    for (auto result : o) {
      od::field field;
      if (error_code e = std::move(result).get(field)) {
        return e;
      }
      if (found == node.fields.size()) {
        continue; // all found: the rest is only iterated (`whole`)
      }
      const char *raw = field.key().raw();
      int index = -1;
      const char *close = nullptr;
      if (plain_keys) {
        index = match_plain(node, raw, &close);
      } else {
        close = raw;
        bool escaped = false;
        while (*close != '"') {
          escaped |= *close == '\\';
          close += *close == '\\' ? 2 : 1;
        }
        if (!escaped) {
          index = child_named(node, std::string_view(raw, static_cast<size_t>(close - raw)));
        } else {
          std::string_view name;
          if (error_code e = field.unescaped_key().get(name)) {
            return e;
          }
          index = child_named(node, name);
        }
      }
      if (index < 0 || !first_sight(index, &seen, &seen_many, node.fields.size())) {
        continue;
      }
      std::string_view key(raw - 1, static_cast<size_t>(close + 1 - (raw - 1)));
      if (error_code e =
              value(field.value(), *node.fields[static_cast<size_t>(index)].second, key)) {
        return e;
      }
      if (++found == node.fields.size() && !whole) {
        break;
      }
    }
    missed |= found < node.fields.size();
    return simdjson::SUCCESS;
  }

  static bool first_sight(int index, uint64_t *seen, std::vector<bool> *seen_many, size_t count) {
    if (count <= 64) {
      uint64_t bit = uint64_t{1} << index;
      bool first = (*seen & bit) == 0;
      *seen |= bit;
      return first;
    }
    seen_many->resize(count);
    bool first = !(*seen_many)[static_cast<size_t>(index)];
    (*seen_many)[static_cast<size_t>(index)] = true;
    return first;
  }

  error_code skip_object(od::object o) {
    for (auto result : o) {
      od::field field;
      if (error_code e = std::move(result).get(field)) {
        return e;
      }
    }
    return simdjson::SUCCESS;
  }

  error_code array(od::array a, const PathSet::Node &node, bool whole) {
    uint64_t last = 0;
    for (const auto &[i, child] : node.indexes) {
      last = std::max(last, i);
    }
    bool bounded = !node.every && !whole;
    if (bounded && node.indexes.empty()) {
      return simdjson::SUCCESS;
    }
    uint64_t i = 0;
    for (auto result : a) {
      od::value element;
      if (error_code e = std::move(result).get(element)) {
        return e;
      }
      const PathSet::Node *child = node.every.get();
      for (const auto &[n, c] : node.indexes) {
        if (n == i) {
          child = c.get();
        }
      }
      if (child != nullptr) {
        if (error_code e = value(element, *child, {})) {
          return e;
        }
      }
      if (bounded && i == last) {
        break;
      }
      ++i;
    }
    return simdjson::SUCCESS;
  }
};

// Walks `doc` for the trie at `root`, reporting matches to `sink`. `plain_keys`:
// compare raw keys only; *missed (when given): some object that was searched
// lacked a wanted key; `check`: the root must be an object, iterated to its end,
// with nothing after it.
template <class Sink>
error_code walk_tree(const PathSet::Node &root, od::document &doc, Sink &sink, bool plain_keys,
                     bool *missed, bool check) {
  doc.rewind();
  if (check) {
    od::json_type type;
    if (error_code e = doc.type().get(type)) {
      return e;
    }
    if (type != od::json_type::object) {
      return simdjson::INCORRECT_TYPE;
    }
  }
  od::value value;
  if (error_code e = doc.get_value().get(value)) {
    return e;
  }
  Walker<Sink> w{doc, sink, plain_keys};
  error_code e = w.value(value, root, {}, check);
  if (missed != nullptr) {
    *missed = w.missed;
  }
  if (!e && check && doc.current_location().error() == simdjson::SUCCESS) {
    return simdjson::TRAILING_CONTENT;
  }
  return e;
}

} // namespace

PathSet::PathSet() : m_root(std::make_unique<Node>()) {}
PathSet::~PathSet() = default;
PathSet::PathSet(PathSet &&) noexcept = default;
PathSet &PathSet::operator=(PathSet &&) noexcept = default;

size_t PathSet::add(const JsonPath &path) {
  m_paths.push_back(path);
  rebuild();
  return m_count++;
}

void PathSet::rebuild() {
  m_root = std::make_unique<Node>();
  for (size_t id = 0; id < m_paths.size(); ++id) {
    Node *n = m_root.get();
    for (const auto &step : m_paths[id].steps()) {
      switch (step.kind) {
      case PathStep::Kind::field:
        n = n->field(step.name);
        break;
      case PathStep::Kind::index:
        n = n->index(step.index);
        break;
      case PathStep::Kind::every:
        if (!n->every) {
          n->every = std::make_unique<Node>();
        }
        n = n->every.get();
        break;
      }
    }
    n->leaves.push_back(id);
  }
  m_root->spread_every();
}

error_code PathSet::walk_impl(od::document &doc, const Callback &cb, bool plain_keys) const {
  auto sink = [&cb](const PathMatch &m) { cb.call(cb.self, m); };
  return walk_tree(*m_root, doc, sink, plain_keys, nullptr, false);
}

error_code PathValues::extract(const PathSet &set, od::document &doc, std::string_view text) {
  return find(set, doc, text, false);
}

error_code PathValues::check_and_extract(const PathSet &set, od::document &doc,
                                         std::string_view text) {
  return find(set, doc, text, true);
}

error_code PathValues::find(const PathSet &set, od::document &doc, std::string_view text,
                            bool check) {
  matches.resize(set.size());
  auto clear = [this] {
    for (auto &m : matches) {
      m.clear();
    }
  };
  clear();
  auto add = [this](const PathMatch &m) { matches[m.path].push_back(m); };
  // Raw keys first; only when a wanted key was not found, and the text has a
  // backslash somewhere, may an escaped key have been missed: walk again.
  bool missed = false;
  error_code e = walk_tree(*set.m_root, doc, add, !text.empty(), &missed, check);
  if (e || !missed || text.empty() || text.find('\\') == std::string_view::npos) {
    return e;
  }
  clear();
  return walk_tree(*set.m_root, doc, add, false, nullptr, check);
}

} // namespace sluice::core
