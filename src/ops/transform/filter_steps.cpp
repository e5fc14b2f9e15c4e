// --where and --assert.
#include "core/error.hpp"
#include "ops/transform/shape.hpp"
#include "ops/transform/steps.hpp"

#include <fmt/format.h>

namespace sluice::ops::transform {

const char *flag_name(StepSpec::Kind kind) {
  switch (kind) {
  case StepSpec::Kind::where:
    return "--where";
  case StepSpec::Kind::assert_:
    return "--assert";
  case StepSpec::Kind::select:
    return "--select";
  case StepSpec::Kind::drop:
    return "--drop";
  case StepSpec::Kind::rename:
    return "--rename";
  case StepSpec::Kind::set:
    return "--set";
  case StepSpec::Kind::unwrap:
    return "--unwrap";
  case StepSpec::Kind::flatten:
    return "--flatten";
  case StepSpec::Kind::hash:
    return "--hash";
  case StepSpec::Kind::mask:
    return "--mask";
  case StepSpec::Kind::redact:
    return "--redact";
  case StepSpec::Kind::null:
    return "--null";
  }
  return "--step";
}

void usage(const std::string &message) {
  throw core::Error(core::ExitCode::usage, message);
}

core::JsonPath parse_path_flag(const char *flag, const std::string &text, bool allow_every) {
  core::JsonPath path;
  std::string why;
  if (!core::JsonPath::parse(text, &path, &why)) {
    usage(fmt::format("{}: {}", flag, why));
  }
  if (!allow_every && path.has_every()) {
    usage(fmt::format("{}: {} names many fields: [*] is not allowed here", flag, text));
  }
  return path;
}

expr::Expression parse_expression(const char *flag, const std::string &text,
                                  const TransformOptions &options) {
  expr::Expression e;
  expr::ParseError error;
  if (!expr::Expression::parse(text, &e, &error)) {
    usage(expr::format_parse_error(flag, text, error));
  }
  if (options.env) {
    e.resolve_env(options.env);
  }
  return e;
}

namespace {

class Filter : public Step {
public:
  Filter(bool assert, expr::Expression e) : m_assert(assert), m_expr(std::move(e)) {}

  void bind(core::PathSet &set) override { m_expr.bind(set); }
  bool reads_values() const override { return true; }
  bool edits() const override { return false; }

  Outcome apply(EventView &event, std::string *, std::string *why) override {
    expr::Value v;
    if (!event.evaluator->evaluate(m_expr, *event.context, &v, why)) {
      *why = fmt::format("{} {}: {}", m_assert ? "--assert" : "--where", m_expr.text(), *why);
      return Outcome::bad;
    }
    if (expr::is_truthy(v)) {
      return Outcome::keep;
    }
    if (m_assert) {
      *why = fmt::format("assertion failed: {}", m_expr.text());
      return Outcome::bad;
    }
    return Outcome::drop;
  }

private:
  bool m_assert;
  expr::Expression m_expr;
};

} // namespace

std::unique_ptr<Step> make_filter(const StepSpec &spec, const TransformOptions &options) {
  bool assert = spec.kind == StepSpec::Kind::assert_;
  return std::make_unique<Filter>(
      assert, parse_expression(flag_name(spec.kind), spec.items.at(0), options));
}

std::vector<std::unique_ptr<Step>> make_steps(const StepSpec &spec, const TransformOptions &options,
                                              Hasher *hasher) {
  std::vector<std::unique_ptr<Step>> steps;
  switch (spec.kind) {
  case StepSpec::Kind::where:
  case StepSpec::Kind::assert_:
    steps.push_back(make_filter(spec, options));
    break;
  case StepSpec::Kind::hash:
  case StepSpec::Kind::mask:
  case StepSpec::Kind::null:
  case StepSpec::Kind::redact:
    steps.push_back(make_value_step(spec, options, hasher));
    break;
  case StepSpec::Kind::drop:
  case StepSpec::Kind::rename:
  case StepSpec::Kind::set:
    return make_field_steps(spec, options);
  case StepSpec::Kind::select:
  case StepSpec::Kind::unwrap:
  case StepSpec::Kind::flatten:
    steps.push_back(make_reshape(spec, options));
    break;
  }
  return steps;
}

} // namespace sluice::ops::transform
