// Helpers for the tests of src/expr: evaluate an expression against a JSON event.
#pragma once

#include "expr/eval.hpp"

#include <catch2/catch.hpp>
#include <string>

namespace sluice::expr::test {

struct Outcome {
  bool ok = false;
  std::string json; // the result as JSON, or the error
  bool truthy = false;
};

// Parses `text`, binds its paths, extracts them from `event` and evaluates.
inline Outcome run(const std::string &text, const std::string &event = "{}", int64_t now_ms = 0) {
  Expression e;
  ParseError err;
  if (!Expression::parse(text, &e, &err)) {
    return {false, "parse: " + err.message, false};
  }
  e.resolve_env([](const std::string &name) -> std::optional<std::string> {
    if (name == "SET") {
      return std::string("value");
    }
    return std::nullopt;
  });
  core::PathSet set;
  e.bind(set);
  simdjson::padded_string padded(event);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  REQUIRE(parser.iterate(padded).get(doc) == simdjson::SUCCESS);
  core::PathValues values;
  REQUIRE(values.extract(set, doc) == simdjson::SUCCESS);
  Evaluator ev;
  ev.start_event();
  EvalContext ctx;
  ctx.values = &values;
  ctx.clock = [now_ms] { return now_ms; };
  Value v;
  std::string why;
  if (!ev.evaluate(e, ctx, &v, &why)) {
    return {false, "error: " + why, false};
  }
  std::string json;
  append_json(&json, v);
  return {true, json, is_truthy(v)};
}

// The JSON of the result, or "parse: …" / "error: …".
inline std::string eval(const std::string &text, const std::string &event = "{}") {
  return run(text, event).json;
}

} // namespace sluice::expr::test
