// Setter: writes a value at a path of an event by splicing: in place where the
// path exists, else inserted at the end of the deepest object that exists on
// the way (creating the objects below it; a null on the way becomes an
// object, as in jq). Shared by --set and --rename. Not thread-safe; never
// throws except bad_alloc.
#pragma once

#include "core/path_set.hpp"
#include "ops/transform/splice.hpp"
#include "ops/transform/step.hpp"

namespace sluice::ops::transform {

class Setter {
public:
  // `path` has no [*].
  explicit Setter(const core::JsonPath &path);

  // Finds where `value_json` goes in the event and adds that splice to *out.
  // False with a reason when it cannot go there (a string on the way, an index
  // past the end) or the event is not valid JSON where it was read.
  bool splice(EventView &event, std::string_view value_json, std::vector<Splice> *out,
              std::string *why);

  const core::JsonPath &path() const { return m_path; }

private:
  core::JsonPath m_path;
  core::PathSet m_set; // path i: the first i+1 steps
  std::vector<const core::PathMatch *> m_found;
  core::PathValues m_values;
};

// The path made of the first `n` steps of `path`, as text.
std::string prefix_text(const core::JsonPath &path, size_t n);

} // namespace sluice::ops::transform
