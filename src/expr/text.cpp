#include "expr/text.hpp"

#include <locale.h>
#include <wctype.h>

namespace sluice::expr {
namespace {

bool is_continuation(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

// The C.UTF-8 locale, or a null locale_t when this system lacks it (then only
// ASCII letters change case).
locale_t utf8_locale() {
  static locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  return loc;
}

// Decodes the code point at text[*i] (valid UTF-8) and moves *i past it.
char32_t decode(std::string_view text, size_t *i) {
  auto c = static_cast<unsigned char>(text[*i]);
  int extra = c < 0x80 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
  char32_t cp = extra == 0 ? c : c & (0x3F >> extra);
  ++*i;
  for (int k = 0; k < extra && *i < text.size(); ++k, ++*i) {
    cp = (cp << 6) | (static_cast<unsigned char>(text[*i]) & 0x3F);
  }
  return cp;
}

void encode(std::string *out, char32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

template <class Map> void append_mapped(std::string *out, std::string_view text, Map map) {
  locale_t loc = utf8_locale();
  for (size_t i = 0; i < text.size();) {
    char32_t cp = decode(text, &i);
    encode(out, static_cast<char32_t>(map(static_cast<wint_t>(cp), loc)));
  }
}

} // namespace

size_t count_code_points(std::string_view text) {
  size_t n = 0;
  for (char c : text) {
    n += !is_continuation(static_cast<unsigned char>(c));
  }
  return n;
}

void append_lower(std::string *out, std::string_view text) {
  append_mapped(out, text, [](wint_t c, locale_t loc) {
    if (loc == static_cast<locale_t>(nullptr)) {
      return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }
    return towlower_l(c, loc);
  });
}

void append_upper(std::string *out, std::string_view text) {
  append_mapped(out, text, [](wint_t c, locale_t loc) {
    if (loc == static_cast<locale_t>(nullptr)) {
      return c >= 'a' && c <= 'z' ? c - 32 : c;
    }
    return towupper_l(c, loc);
  });
}

std::string_view trim_spaces(std::string_view text) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && space(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && space(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

size_t offset_of_last_code_points(std::string_view text, size_t n) {
  size_t i = text.size();
  while (n > 0 && i > 0) {
    --i;
    while (i > 0 && is_continuation(static_cast<unsigned char>(text[i]))) {
      --i;
    }
    --n;
  }
  return i;
}

} // namespace sluice::expr
