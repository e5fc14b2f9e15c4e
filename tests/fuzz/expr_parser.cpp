// libFuzzer target: the expression parser, then the evaluator on a few events
// (`make fuzz`). Any input must give a parse error or a value, never a crash.
#include "expr/eval.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace {

const char *const k_events[] = {
    R"({"id":"e1","op":"update","ts":1732406400000,"after":{"amount":290.43,"n":7,"s":"Zoë",)"
    R"("items":[{"sku":"P1","qty":2},{"sku":"P2"}],"none":null,"big":123456789012345678901234567890,)"
    R"("esc":"a\"b\u00e9","o":{"k":[1,{"x":null}]}}})",
    R"({"a":[],"b":{},"c":"","d":-0.0,"e":1e999,"f":true})",
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  sluice::expr::Expression e;
  sluice::expr::ParseError error;
  if (!sluice::expr::Expression::parse(text, &e, &error)) {
    (void)sluice::expr::format_parse_error("--where", text, error);
    return 0;
  }
  e.resolve_env([](const std::string &) { return std::optional<std::string>("x"); });
  sluice::core::PathSet set;
  e.bind(set);
  sluice::expr::Evaluator evaluator;
  for (const char *event : k_events) {
    simdjson::padded_string padded{std::string(event)};
    simdjson::ondemand::parser parser;
    simdjson::ondemand::document doc;
    if (parser.iterate(padded).get(doc)) {
      continue;
    }
    sluice::core::PathValues values;
    if (values.extract(set, doc, event)) {
      continue;
    }
    evaluator.start_event();
    sluice::expr::EvalContext ctx;
    ctx.values = &values;
    ctx.clock = [] { return int64_t{1732406400000}; };
    sluice::expr::Value v;
    std::string why;
    if (evaluator.evaluate(e, ctx, &v, &why)) {
      std::string json;
      sluice::expr::append_json(&json, v);
    }
  }
  return 0;
}
