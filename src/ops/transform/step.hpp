// Step: one step of a transform chain (--where, --select, --hash, …) applied to
// one event, and the state the steps of one event share.
//
// A step reads the current text of the event through its parsed document: the
// values of expression paths come from the PathValues its segment extracted
// once (see transform.hpp); edits write a whole new event into `out`, copying
// untouched bytes (splice.hpp). Each step also rewrites the schema shape
// (schema.hpp) for schema control records. Steps are built once from the flags;
// apply() is called from one thread. Never throw except bad_alloc and, from
// constructors, core::Error(usage) for flags that cannot work.
#pragma once

#include "core/path_set.hpp"
#include "expr/eval.hpp"

#include <simdjson.h>
#include <string>
#include <string_view>

namespace sluice::ops::transform {

class Shape;

// The event as a step sees it.
struct EventView {
  std::string_view text;
  size_t capacity = 0; // readable bytes from text.data() (simdjson padding)
  simdjson::ondemand::document *doc = nullptr;
  const core::PathValues *values = nullptr; // the segment's paths (set by the runner)
  expr::Evaluator *evaluator = nullptr;
  const expr::EvalContext *context = nullptr;

  size_t offset(std::string_view part) const {
    return static_cast<size_t>(part.data() - text.data());
  }
};

enum class Outcome {
  keep,   // unchanged: the next step sees the same text
  drop,   // filtered out
  edited, // *out holds the new event
  bad,    // bad data: *why says why
};

class Step {
public:
  virtual ~Step() = default;
  // Adds the paths whose values the step reads from the segment's extraction.
  virtual void bind(core::PathSet &) {}
  virtual bool reads_values() const { return false; }
  // True for steps that may write a new event (they end a segment).
  virtual bool edits() const = 0;
  virtual Outcome apply(EventView &event, std::string *out, std::string *why) = 0;
  virtual void rewrite(Shape &) const {}
};

} // namespace sluice::ops::transform
