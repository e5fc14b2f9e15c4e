#include "expr/lexer.hpp"

#include <fmt/format.h>
#include <simdjson.h>

namespace sluice::expr {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' || c == '@' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool is_name_char(char c) {
  return is_name_start(c) || is_digit(c);
}

struct Lexer {
  std::string_view s;
  size_t i = 0;
  size_t error_column = 0;
  std::string why;

  bool fail(size_t column, std::string reason) {
    error_column = column;
    why = std::move(reason);
    return false;
  }

  // A quoted string starting at s[i]; its end (after the closing quote) in *end.
  bool skip_quoted(size_t start, size_t *end) {
    char quote = s[start];
    for (size_t k = start + 1; k < s.size(); ++k) {
      if (s[k] == '\\') {
        ++k;
      } else if (s[k] == quote) {
        *end = k + 1;
        return true;
      }
    }
    return fail(start, "unterminated string");
  }

  bool decode_string(size_t start, size_t end, std::string *out) {
    std::string_view body = s.substr(start + 1, end - start - 2);
    if (s[start] == '\'') {
      for (size_t k = 0; k < body.size(); ++k) {
        if (body[k] == '\\' && k + 1 < body.size() && body[k + 1] == '\'') {
          ++k;
        }
        out->push_back(body[k]);
      }
      return true;
    }
    // JSON escapes: simdjson decodes them.
    simdjson::padded_string padded(s.substr(start, end - start));
    simdjson::ondemand::parser parser;
    simdjson::ondemand::document doc;
    std::string_view decoded;
    if (parser.iterate(padded).get(doc) || doc.get_string().get(decoded)) {
      return fail(start, "invalid escape in string (JSON escapes: \\\" \\\\ \\n \\t \\uXXXX)");
    }
    out->assign(decoded);
    return true;
  }

  bool path(Token *t) {
    size_t start = i;
    if (s[i] == '.') {
      ++i;
    }
    while (i < s.size() && is_name_char(s[i])) {
      ++i;
    }
    t->kind = keyword(s.substr(start, i - start));
    if (t->kind != Tok::path) {
      t->text = s.substr(start, i - start);
      return true;
    }
    for (;;) {
      if (i < s.size() && is_name_char(s[i])) {
        ++i;
      } else if (i + 1 < s.size() && s[i] == '.' && (is_name_start(s[i + 1]) || s[i + 1] == '[')) {
        ++i;
      } else if (i < s.size() && s[i] == '[') {
        size_t k = i + 1;
        if (k < s.size() && (s[k] == '"' || s[k] == '\'')) {
          if (!skip_quoted(k, &k)) {
            return false;
          }
        } else {
          while (k < s.size() && (is_digit(s[k]) || s[k] == '*')) {
            ++k;
          }
        }
        if (k >= s.size() || s[k] != ']') {
          return fail(i, "expected ']' in path");
        }
        i = k + 1;
      } else {
        break;
      }
    }
    t->text = s.substr(start, i - start);
    return true;
  }

  void number(Token *t) {
    size_t start = i;
    while (i < s.size() && is_digit(s[i])) {
      ++i;
    }
    if (i + 1 < s.size() && s[i] == '.' && is_digit(s[i + 1])) {
      for (++i; i < s.size() && is_digit(s[i]); ++i) {
      }
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
      size_t k = i + 1;
      if (k < s.size() && (s[k] == '+' || s[k] == '-')) {
        ++k;
      }
      if (k < s.size() && is_digit(s[k])) {
        for (i = k; i < s.size() && is_digit(s[i]); ++i) {
        }
      }
    }
    t->kind = Tok::number;
    size_t unit = i;
    while (i < s.size() && is_name_char(s[i])) {
      ++i;
    }
    if (i > unit) {
      t->kind = Tok::duration;
    }
    t->text = s.substr(start, i - start);
  }

  bool symbol(Token *t) {
    static constexpr struct {
      const char *text;
      Tok kind;
    } k_symbols[] = {
        {"==", Tok::eq},      {"!=", Tok::ne},    {"<=", Tok::le},    {">=", Tok::ge},
        {"&&", Tok::kw_and},  {"||", Tok::kw_or}, {"<", Tok::lt},     {">", Tok::gt},
        {"+", Tok::plus},     {"-", Tok::minus},  {"*", Tok::star},   {"/", Tok::slash},
        {"%", Tok::percent},  {"(", Tok::lparen}, {")", Tok::rparen}, {"[", Tok::lbracket},
        {"]", Tok::rbracket}, {",", Tok::comma},  {"!", Tok::kw_not}, {"=", Tok::eq}};
    for (const auto &sym : k_symbols) {
      std::string_view text(sym.text);
      if (s.substr(i, text.size()) == text) {
        t->kind = sym.kind;
        t->text = s.substr(i, text.size());
        i += text.size();
        return true;
      }
    }
    return fail(i, fmt::format("unexpected '{}'", s[i]));
  }

  static Tok keyword(std::string_view w) {
    static constexpr struct {
      const char *text;
      Tok kind;
    } k_words[] = {{"and", Tok::kw_and},  {"or", Tok::kw_or},     {"not", Tok::kw_not},
                   {"in", Tok::kw_in},    {"true", Tok::kw_true}, {"false", Tok::kw_false},
                   {"null", Tok::kw_null}};
    for (const auto &k : k_words) {
      if (w == k.text) {
        return k.kind;
      }
    }
    return Tok::path;
  }

  bool next(Token *t) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) {
      ++i;
    }
    t->column = i;
    if (i >= s.size()) {
      t->kind = Tok::end;
      return true;
    }
    char c = s[i];
    if (is_digit(c)) {
      number(t);
      return true;
    }
    if (c == '"' || c == '\'') {
      size_t end = 0;
      if (!skip_quoted(i, &end) || !decode_string(i, end, &t->value)) {
        return false;
      }
      t->kind = Tok::string;
      t->text = s.substr(i, end - i);
      i = end;
      return true;
    }
    if (is_name_start(c) ||
        (c == '.' && i + 1 < s.size() && (is_name_start(s[i + 1]) || s[i + 1] == '['))) {
      if (!path(t)) {
        return false;
      }
      if (t->kind == Tok::path && i < s.size() && s[i] == '(' &&
          t->text.find_first_of(".[") == std::string_view::npos) {
        t->kind = Tok::name;
      }
      return true;
    }
    return symbol(t);
  }
};

} // namespace

bool tokenize(std::string_view text, std::vector<Token> *out, size_t *error_column,
              std::string *why) {
  Lexer lx;
  lx.s = text;
  out->clear();
  for (;;) {
    Token t;
    if (!lx.next(&t)) {
      *error_column = lx.error_column;
      *why = lx.why;
      return false;
    }
    bool end = t.kind == Tok::end;
    out->push_back(std::move(t));
    if (end) {
      return true;
    }
  }
}

} // namespace sluice::expr
