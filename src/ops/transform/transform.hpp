// Transform: the operator of `sluice transform` (src/ops: no I/O). It applies
// its steps to every event in command-line order and writes the result:
// filters only decide, so a kept event is written as its original bytes;
// edits splice new bytes into the text (splice.hpp), never re-serialising what
// they do not touch.
//
// Steps are grouped into segments that read the same text: a segment is a run
// of steps up to and including the first that edits, and the paths its steps
// read are extracted from the document in one pass. After an edit the new text
// is parsed again for the next segment. A step that refuses an event (an
// assertion, an evaluation error) makes it bad data for --on-error. Schema
// control records are rewritten by every step that changes fields; other
// control records pass unchanged. Not thread-safe; the constructor throws
// core::Error(usage) for steps that cannot work.
#pragma once

#include "core/operator_stage.hpp"
#include "ops/transform/options.hpp"
#include "ops/transform/step.hpp"

#include <memory>
#include <vector>

namespace sluice::ops::transform {

class Hasher;

class Transform : public core::Operator {
public:
  explicit Transform(TransformOptions options);
  ~Transform() override;

  const core::PathSet *wanted_paths() const override;
  bool on_event(const core::Line &line, simdjson::ondemand::document &doc,
                const core::PathValues *found, core::Emit &out, std::string *why) override;
  void on_control(const core::Line &line, const core::control::Record &record,
                  core::Emit &out) override;
  std::string summary() const override;

private:
  struct Segment {
    core::PathSet set;
    std::vector<Step *> steps;
  };

  TransformOptions m_options;
  std::unique_ptr<Hasher> m_hasher;
  std::vector<std::unique_ptr<Step>> m_steps;
  std::vector<Segment> m_segments;
  core::PathValues m_values;
  expr::Evaluator m_evaluator;
  expr::EvalContext m_context;
  simdjson::ondemand::parser m_parser;
  simdjson::ondemand::document m_doc;
  std::string m_buffers[2];
  uint64_t m_dropped = 0;
  uint64_t m_schemas = 0;
};

} // namespace sluice::ops::transform
