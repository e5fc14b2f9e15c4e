#include "ops/transform/redactor.hpp"

namespace sluice::ops::transform {
namespace {

struct Builtin {
  const char *name;
  const char *regex;
};

constexpr Builtin k_builtins[] = {
    {"email", R"([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"},
    {"card", R"(\b\d(?:[ -]?\d){11,18}\b)"},
    {"phone", R"((?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{1,4}){1,6})"},
    {"ipv4",
     R"(\b(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\b)"},
};

size_t count_digits(std::string_view s) {
  size_t n = 0;
  for (char c : s) {
    n += c >= '0' && c <= '9';
  }
  return n;
}

bool is_word(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

// Digit runs that the phone pattern finds but are not phone numbers: dates
// (2024-11-24), IPv4 addresses, parts of longer words, bare digit runs,
// decimal numbers and times.
bool plausible_phone(std::string_view text, size_t begin, size_t end) {
  static const RE2 k_date(R"(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{4})");
  static const RE2 k_ipv4(R"(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})");
  std::string_view found = text.substr(begin, end - begin);
  size_t digits = count_digits(found);
  if (digits < 7 || digits > 15) {
    return false;
  }
  if (begin > 0 && (is_word(text[begin - 1]) || text[begin - 1] == '.')) {
    return false;
  }
  if (end < text.size() && (is_word(text[end]) || text[end] == ':' ||
                            ((text[end] == '.' || text[end] == ',') && end + 1 < text.size() &&
                             text[end + 1] >= '0' && text[end + 1] <= '9'))) {
    return false;
  }
  // A bare run of digits is an id, an amount or a timestamp more often than a
  // phone number, and a single dot makes a decimal number.
  size_t dots = 0;
  size_t other = 0;
  for (char c : found) {
    dots += c == '.';
    other += c == ' ' || c == '-' || c == '(' || c == '+';
  }
  if (other == 0 && dots <= 1) {
    return false;
  }
  re2::StringPiece piece(found.data(), found.size());
  return !RE2::PartialMatch(piece, k_date) && !RE2::FullMatch(piece, k_ipv4);
}

} // namespace

bool passes_luhn(std::string_view text) {
  int sum = 0;
  bool twice = false;
  size_t digits = 0;
  for (auto it = text.rbegin(); it != text.rend(); ++it) {
    if (*it < '0' || *it > '9') {
      continue;
    }
    int d = *it - '0';
    if (twice) {
      d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    }
    sum += d;
    twice = !twice;
    ++digits;
  }
  return digits > 0 && sum % 10 == 0;
}

bool Redactor::create(std::string_view pattern, std::unique_ptr<Redactor> *out, std::string *why) {
  std::unique_ptr<Redactor> r(new Redactor());
  r->m_pattern = std::string(pattern);
  std::string regex = r->m_pattern;
  r->m_marker = "[redacted]";
  for (const auto &b : k_builtins) {
    if (pattern == b.name) {
      regex = b.regex;
      r->m_marker = std::string("[") + b.name + "]";
      r->m_luhn = pattern == "card";
    }
  }
  RE2::Options options;
  options.set_log_errors(false);
  r->m_regex = std::make_unique<RE2>(regex, options);
  if (!r->m_regex->ok()) {
    *why = "invalid regular expression: " + r->m_regex->error();
    return false;
  }
  *out = std::move(r);
  return true;
}

bool Redactor::redact(std::string_view text, std::string *out) const {
  re2::StringPiece input(text.data(), text.size());
  re2::StringPiece match;
  size_t pos = 0;
  size_t copied = 0;
  bool any = false;
  bool phone = m_marker == "[phone]";
  while (pos <= text.size() &&
         m_regex->Match(input, pos, text.size(), RE2::UNANCHORED, &match, 1)) {
    size_t begin = static_cast<size_t>(match.data() - text.data());
    size_t end = begin + match.size();
    std::string_view found(match.data(), match.size());
    bool accept = !found.empty() && (!m_luhn || passes_luhn(found)) &&
                  (!phone || plausible_phone(text, begin, end));
    if (accept) {
      out->append(text.data() + copied, begin - copied);
      out->append(m_marker);
      copied = end;
      any = true;
    }
    pos = end > begin ? end : begin + 1;
  }
  if (any) {
    out->append(text.data() + copied, text.size() - copied);
  }
  return any;
}

} // namespace sluice::ops::transform
