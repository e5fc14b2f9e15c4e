// The steps of transform, built from their flags (make_step), each in its unit:
// filter_steps.cpp (--where, --assert), value_steps.cpp (--hash, --mask,
// --null, --redact), field_steps.cpp (--drop, --rename, --set) and
// reshape_steps.cpp (--select, --unwrap, --flatten). Throws core::Error(usage)
// with a message naming the flag when a spec cannot work.
#pragma once

#include "ops/transform/hasher.hpp"
#include "ops/transform/options.hpp"
#include "ops/transform/step.hpp"

#include <memory>
#include <vector>

namespace sluice::ops::transform {

// `hasher` is shared by every --hash step (null when there is none).
std::vector<std::unique_ptr<Step>> make_steps(const StepSpec &spec, const TransformOptions &options,
                                              Hasher *hasher);

// Helpers shared by the step units.
core::JsonPath parse_path_flag(const char *flag, const std::string &text, bool allow_every);
[[noreturn]] void usage(const std::string &message);

std::unique_ptr<Step> make_filter(const StepSpec &spec, const TransformOptions &options);
std::unique_ptr<Step> make_value_step(const StepSpec &spec, const TransformOptions &options,
                                      Hasher *hasher);
std::vector<std::unique_ptr<Step>> make_field_steps(const StepSpec &spec,
                                                    const TransformOptions &options);
std::unique_ptr<Step> make_reshape(const StepSpec &spec, const TransformOptions &options);

// Splits "LEFT=RIGHT" at the first '=' outside brackets and quotes, trimming spaces.
bool split_assignment_item(const std::string &item, std::string *left, std::string *right);

// Parses `text` as an expression of `flag`, resolving env() through options.
expr::Expression parse_expression(const char *flag, const std::string &text,
                                  const TransformOptions &options);

} // namespace sluice::ops::transform
