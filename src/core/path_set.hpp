// PathSet: many JSON paths (DESIGN §2), `[*]` included, found in one pass over a
// simdjson On-Demand document, for every operator that reads or edits fields.
//
// The paths are merged into a trie when added; walk() iterates the document once,
// in document order, descending only where some path goes, and reports every
// match with its bytes: the value's raw JSON text and, for a field, its key token,
// both views into the text the document was iterated from (never into the
// parser's string buffer, so they survive rewinds). A path with `[*]` matches
// once per element; a path that is a prefix of another reports its whole value
// as well. Missing steps, and steps into a value of the wrong kind, match nothing.
// Duplicate keys: the first occurrence counts.
//
// A PathSet is built once and then immutable: walks may share it (each with its
// own document). Never throws except std::bad_alloc.
#pragma once

#include "core/json_path.hpp"

#include <cstdint>
#include <memory>
#include <simdjson.h>
#include <string_view>
#include <vector>

namespace sluice::core {

struct PathMatch {
  size_t path = 0;        // index returned by PathSet::add
  std::string_view key;   // the key token with its quotes, as written; empty for an element
  std::string_view value; // the value's JSON text as written (no surrounding spaces)
  simdjson::ondemand::json_type type = simdjson::ondemand::json_type::null;
};

class PathSet {
public:
  PathSet();
  ~PathSet();
  PathSet(PathSet &&) noexcept;
  PathSet &operator=(PathSet &&) noexcept;

  // Adds a path; returns its index (0, 1, … in the order of adding; the same path
  // added twice gets two indexes).
  size_t add(const JsonPath &path);
  size_t size() const { return m_count; }
  bool empty() const { return m_count == 0; }

  // Rewinds `doc` and reports every match to on_match(const PathMatch&), in
  // document order. Returns a simdjson error when the document is not valid where
  // the walk reads it. `text`, when given, is the text `doc` was iterated from:
  // without a backslash in it no key can be escaped, and keys compare faster.
  template <class F>
  simdjson::error_code walk(simdjson::ondemand::document &doc, F &&on_match,
                            std::string_view text = {}) const {
    Callback cb{&on_match, [](void *f, const PathMatch &m) { (*static_cast<F *>(f))(m); }};
    return walk_impl(doc, cb, !text.empty() && text.find('\\') == std::string_view::npos);
  }

  struct Node;

private:
  struct Callback {
    void *self;
    void (*call)(void *, const PathMatch &);
  };
  simdjson::error_code walk_impl(simdjson::ondemand::document &doc, const Callback &cb,
                                 bool plain_keys) const;
  friend struct PathValues;
  void rebuild();

  std::vector<JsonPath> m_paths;
  std::unique_ptr<Node> m_root; // the trie of m_paths, `[*]` merged into sibling indexes
  size_t m_count = 0;
};

// The matches of each path of a set, in document order: matches[i] for path i.
struct PathValues {
  std::vector<std::vector<PathMatch>> matches;

  // Clears and walks (see PathSet::walk for `text`); keeps the vectors' storage
  // for the next document.
  simdjson::error_code extract(const PathSet &set, simdjson::ondemand::document &doc,
                               std::string_view text = {});
  // The same walk doing the object-level input check (DESIGN §5) as well, for
  // operators and sinks that read fields of every event: the document must be an
  // object (else INCORRECT_TYPE), is iterated to its end (its top-level fields,
  // and the structure below them by brackets) and must have nothing after it
  // (else TRAILING_CONTENT).
  simdjson::error_code check_and_extract(const PathSet &set, simdjson::ondemand::document &doc,
                                         std::string_view text);
  // The first match of path i, or nullptr.
  const PathMatch *first(size_t i) const {
    return i < matches.size() && !matches[i].empty() ? &matches[i].front() : nullptr;
  }

private:
  simdjson::error_code find(const PathSet &set, simdjson::ondemand::document &doc,
                            std::string_view text, bool check);
};

} // namespace sluice::core
