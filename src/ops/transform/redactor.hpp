// Redactor: finds sensitive text inside strings and replaces it with a marker:
// the built-in patterns `email`, `card` (12 to 19 digits, optionally grouped by
// spaces or dashes, that pass the Luhn check), `phone` (an optional +, then 7
// to 15 digits grouped by spaces, dots, dashes or parentheses — a bare run of
// digits is not taken — not part of a longer word or number, and not shaped
// like a date, a decimal number or an IPv4 address) and `ipv4`,
// or any other RE2 regular expression. Matches become "[email]", "[card]",
// "[phone]", "[ipv4]" or "[redacted]".
//
// Immutable after construction (RE2 objects are thread-safe). create() returns
// false with a reason for a bad pattern; never throws except bad_alloc.
#pragma once

#include <memory>
#include <re2/re2.h>
#include <string>
#include <string_view>

namespace sluice::ops::transform {

class Redactor {
public:
  static bool create(std::string_view pattern, std::unique_ptr<Redactor> *out, std::string *why);

  // True (with the redacted text appended to *out) when `text` holds a match.
  bool redact(std::string_view text, std::string *out) const;
  const std::string &pattern() const { return m_pattern; }

private:
  Redactor() = default;

  std::string m_pattern;
  std::string m_marker;
  std::unique_ptr<RE2> m_regex;
  bool m_luhn = false;
};

// True when the digits of `text` (other characters ignored) pass the Luhn check.
bool passes_luhn(std::string_view text);

} // namespace sluice::ops::transform
