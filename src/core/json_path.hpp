// JSON paths (DESIGN §2), shared by every operator and sink: `a.b.c`,
// `a["odd key"]`, `items[0]`, `items[*].card`, and lookups of them in a
// simdjson On-Demand document.
//
// A JsonPath is parsed once from a flag and is immutable afterwards (safe to
// share). Lookups rewind the document, so each returns a value that must be
// consumed before the next lookup. Never throws.
#pragma once

#include <cstdint>
#include <simdjson.h>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::core {

struct PathStep {
  enum class Kind { field, index, every };
  Kind kind = Kind::field;
  std::string name;  // field
  uint64_t index = 0; // index
};

class JsonPath {
 public:
  // False with a reason when `text` is not a path.
  static bool parse(std::string_view text, JsonPath* out, std::string* why);

  const std::vector<PathStep>& steps() const { return m_steps; }
  const std::string& text() const { return m_text; }
  bool has_every() const { return m_every; }
  // The name a column or key takes from this path: its last field name.
  const std::string& last_name() const;

 private:
  std::string m_text;
  std::vector<PathStep> m_steps;
  bool m_every = false; // some step is `[*]`
};

// Finds `path` (without `[*]`) in the document. Returns SUCCESS, NO_SUCH_FIELD
// when a step is missing (including an index past the end or a step into a
// scalar), or a parse error of the document.
simdjson::error_code find_path(simdjson::ondemand::document& doc, const JsonPath& path,
                               simdjson::ondemand::value* out);

// The JSON text of a value as it appears in the input (strings keep their
// quotes and escapes); consumes the value.
simdjson::error_code raw_json(simdjson::ondemand::value value, std::string_view* out);

} // namespace sluice::core
