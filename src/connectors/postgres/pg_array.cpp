#include "connectors/postgres/pg_array.hpp"

#include <fmt/format.h>

namespace sluice::connectors::postgres {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

class ArrayParser {
 public:
  ArrayParser(std::string_view text, char delimiter, std::vector<ArrayItem>* out)
      : m_text(text), m_delimiter(delimiter), m_out(out) {}

  bool parse(std::string* why) {
    skip_dimensions();
    if (!parse_level(0) || (skip_space(), m_pos != m_text.size())) {
      *why = fmt::format("malformed array literal at byte {}", m_pos);
      return false;
    }
    return true;
  }

 private:
  // "[1:3][0:1]=" before the braces gives lower bounds, which JSON cannot keep.
  void skip_dimensions() {
    skip_space();
    if (m_pos < m_text.size() && m_text[m_pos] == '[') {
      size_t eq = m_text.find('=', m_pos);
      if (eq != std::string_view::npos) {
        m_pos = eq + 1;
      }
    }
    skip_space();
  }

  void skip_space() {
    while (m_pos < m_text.size() && is_space(m_text[m_pos])) {
      ++m_pos;
    }
  }

  bool peek(char c) const { return m_pos < m_text.size() && m_text[m_pos] == c; }

  bool parse_level(int depth) {
    if (depth > 6 || !peek('{')) {
      return false;
    }
    ++m_pos;
    m_out->push_back({ArrayItem::Kind::open, {}});
    skip_space();
    if (peek('}')) {
      ++m_pos;
      m_out->push_back({ArrayItem::Kind::close, {}});
      return true;
    }
    for (;;) {
      skip_space();
      bool ok = peek('{') ? parse_level(depth + 1) : peek('"') ? parse_quoted() : parse_bare();
      if (!ok) {
        return false;
      }
      skip_space();
      if (peek(m_delimiter)) {
        ++m_pos;
        continue;
      }
      if (peek('}')) {
        ++m_pos;
        m_out->push_back({ArrayItem::Kind::close, {}});
        return true;
      }
      return false;
    }
  }

  bool parse_quoted() {
    ++m_pos;
    std::string value;
    while (m_pos < m_text.size() && m_text[m_pos] != '"') {
      if (m_text[m_pos] == '\\' && m_pos + 1 < m_text.size()) {
        ++m_pos;
      }
      value.push_back(m_text[m_pos++]);
    }
    if (!peek('"')) {
      return false;
    }
    ++m_pos;
    m_out->push_back({ArrayItem::Kind::element, std::move(value)});
    return true;
  }

  bool parse_bare() {
    std::string value;
    size_t last_kept = 0; // length of value up to its last escaped or non-space byte
    while (m_pos < m_text.size() && m_text[m_pos] != m_delimiter && m_text[m_pos] != '}') {
      char c = m_text[m_pos];
      if (c == '{' || c == '"') {
        return false;
      }
      if (c == '\\' && m_pos + 1 < m_text.size()) {
        value.push_back(m_text[++m_pos]);
        last_kept = value.size();
      } else {
        value.push_back(c);
        if (!is_space(c)) {
          last_kept = value.size();
        }
      }
      ++m_pos;
    }
    value.resize(last_kept);
    if (value.empty()) {
      return false;
    }
    bool is_null = value.size() == 4 && (value[0] | 0x20) == 'n' && (value[1] | 0x20) == 'u' &&
                   (value[2] | 0x20) == 'l' && (value[3] | 0x20) == 'l';
    m_out->push_back(is_null ? ArrayItem{ArrayItem::Kind::null, {}}
                             : ArrayItem{ArrayItem::Kind::element, std::move(value)});
    return true;
  }

  std::string_view m_text;
  char m_delimiter;
  std::vector<ArrayItem>* m_out;
  size_t m_pos = 0;
};

} // namespace

bool split_pg_array(std::string_view text, char delimiter, std::vector<ArrayItem>* out,
                    std::string* why) {
  out->clear();
  ArrayParser parser(text, delimiter, out);
  return parser.parse(why);
}

void append_array_element(std::string* out, std::string_view value) {
  out->push_back('"');
  for (char c : value) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
    }
    out->push_back(c);
  }
  out->push_back('"');
}

} // namespace sluice::connectors::postgres
