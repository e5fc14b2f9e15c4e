// TransformOptions: the steps of `sluice transform` in command-line order, as the
// CLI read them, and the few settings they share. Plain values.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sluice::ops::transform {

struct StepSpec {
  enum class Kind {
    where,
    assert_,
    select,
    drop,
    rename,
    set,
    unwrap,
    flatten,
    hash,
    mask,
    redact,
    null
  };
  Kind kind = Kind::where;
  // The flag's argument(s): an expression (where, assert), PATH=EXPR (set), a
  // pattern (redact), a path (unwrap), or the split list of a list flag.
  std::vector<std::string> items;
};

struct TransformOptions {
  std::vector<StepSpec> steps;
  std::string separator = "."; // --flatten --sep
  bool keep_meta = false;      // --unwrap --keep-meta
  std::string hash_key;        // empty: unsalted SHA-256
  // Epoch milliseconds, for now(); environment lookups, for env(). Operators do
  // neither themselves.
  std::function<int64_t()> clock;
  std::function<std::optional<std::string>(const std::string &)> env;
};

// "--where", "--select", …: how a step is named in messages.
const char *flag_name(StepSpec::Kind kind);

} // namespace sluice::ops::transform
