// Evaluator: computes an Expression for one event from the values a PathSet
// walk extracted (slots bound by Expression::bind), with the clock given by the
// caller (now() reads it at most once per evaluation).
//
// Evaluation errors (a type mismatch in arithmetic, division by zero) return
// false with a reason: the caller treats the event as bad data. Results may
// point into the evaluator's scratch storage, valid until the next evaluate().
// One Evaluator per thread; never throws except bad_alloc.
#pragma once

#include "core/path_set.hpp"
#include "expr/expression.hpp"

#include <cstdint>
#include <functional>

namespace sluice::expr {

struct EvalContext {
  const core::PathValues *values = nullptr;
  // Epoch milliseconds; called only by now().
  std::function<int64_t()> clock;
};

class Evaluator {
public:
  // Call once per event before evaluating its expressions: forgets scratch values.
  void start_event() {
    m_scratch.reset();
    m_have_now = false;
  }
  bool evaluate(const Expression &e, const EvalContext &ctx, Value *out, std::string *why);

private:
  bool eval(const Expression &e, size_t node, Value *out, std::string *why);
  bool path_value(const Expression &e, const Node &n, Value *out, std::string *why);
  bool binary(const Expression &e, const Node &n, Value *out, std::string *why);
  bool arith(const Node &n, const Value &a, const Value &b, Value *out, std::string *why);
  bool in_list(const Value &needle, const Value &haystack, bool *found, std::string *why);
  bool call(const Expression &e, const Node &n, Value *out, std::string *why);
  bool call_text(const Expression &e, const Node &n, const Value *args, Value *out,
                 std::string *why);

  Scratch m_scratch;
  const EvalContext *m_ctx = nullptr;
  bool m_have_now = false;
  int64_t m_now = 0;
};

} // namespace sluice::expr
