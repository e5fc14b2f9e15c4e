#include "ops/transform/transform.hpp"

#include "ops/transform/hasher.hpp"
#include "ops/transform/shape.hpp"
#include "ops/transform/steps.hpp"

#include <fmt/format.h>

namespace sluice::ops::transform {

namespace od = simdjson::ondemand;

Transform::Transform(TransformOptions options) : m_options(std::move(options)) {
  bool hashes = false;
  for (const auto &spec : m_options.steps) {
    hashes |= spec.kind == StepSpec::Kind::hash;
  }
  if (hashes) {
    m_hasher = std::make_unique<Hasher>(m_options.hash_key);
  }
  for (const auto &spec : m_options.steps) {
    for (auto &step : make_steps(spec, m_options, m_hasher.get())) {
      m_steps.push_back(std::move(step));
    }
  }
  m_segments.emplace_back();
  for (const auto &step : m_steps) {
    step->bind(m_segments.back().set);
    m_segments.back().steps.push_back(step.get());
    if (step->edits()) {
      m_segments.emplace_back();
    }
  }
  m_context.clock = m_options.clock;
}

Transform::~Transform() = default;

const core::PathSet *Transform::wanted_paths() const {
  const Segment &first = m_segments.front();
  for (const Step *step : first.steps) {
    if (step->reads_values()) {
      return &first.set;
    }
  }
  return nullptr;
}

bool Transform::on_event(const core::Line &line, od::document &doc, const core::PathValues *found,
                         core::Emit &out, std::string *why) {
  m_evaluator.start_event();
  // The first segment reads the line itself: the stage may have found its values.
  EventView event{line.text, line.capacity, &doc, found != nullptr ? found : &m_values,
                  &m_evaluator, &m_context};
  int current = -1; // the buffer that holds the event's text; -1: the line itself
  bool reparse = false;
  for (auto &segment : m_segments) {
    bool extracted = found != nullptr && &segment == &m_segments.front();
    if (reparse) {
      const std::string &text = m_buffers[current];
      if (auto e = m_parser.iterate(text.data(), text.size(), text.capacity()).get(m_doc)) {
        *why = fmt::format("invalid JSON after a step ({})", simdjson::error_message(e));
        return false;
      }
      event.doc = &m_doc;
      event.values = &m_values;
      reparse = false;
    }
    m_context.values = event.values; // expressions read the segment's values
    for (Step *step : segment.steps) {
      if (step->reads_values() && !extracted) {
        if (auto e = m_values.extract(segment.set, *event.doc, event.text)) {
          *why = fmt::format("invalid JSON ({})", simdjson::error_message(e));
          return false;
        }
        extracted = true;
      }
      int next = current == 0 ? 1 : 0;
      std::string &buffer = m_buffers[next];
      buffer.clear();
      switch (step->apply(event, &buffer, why)) {
      case Outcome::keep:
        break;
      case Outcome::drop:
        ++m_dropped;
        return true;
      case Outcome::bad:
        return false;
      case Outcome::edited:
        buffer.reserve(buffer.size() + simdjson::SIMDJSON_PADDING);
        current = next;
        event.text = buffer;
        event.capacity = buffer.capacity();
        reparse = true;
        break;
      }
    }
  }
  out.event(event.text);
  return true;
}

void Transform::on_control(const core::Line &line, const core::control::Record &record,
                           core::Emit &out) {
  const auto *schema = std::get_if<core::control::Schema>(&record);
  bool edits = false;
  for (const auto &step : m_steps) {
    edits |= step->edits();
  }
  Shape shape;
  if (schema == nullptr || !edits || !Shape::from_schema(schema->json, &shape)) {
    out.control(line.text, record);
    return;
  }
  for (const auto &step : m_steps) {
    step->rewrite(shape);
  }
  core::control::Schema rewritten{shape.to_schema()};
  ++m_schemas;
  out.control("{\"$sluice\":{\"schema\":" + rewritten.json + "}}", rewritten);
}

std::string Transform::summary() const {
  std::string s = fmt::format("{} filtered out", m_dropped);
  if (m_schemas > 0) {
    s += fmt::format("; {} schema records rewritten", m_schemas);
  }
  return s;
}

} // namespace sluice::ops::transform
