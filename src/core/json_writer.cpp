#include "core/json_writer.hpp"

#include <array>
#include <cmath>
#include <fmt/format.h>
#include <simdjson.h>

namespace sluice::core {
namespace {

// 0: copy as is; 'u': \u00XX; otherwise the character after the backslash.
constexpr std::array<char, 256> make_escape_table() {
  std::array<char, 256> t{};
  for (int c = 0; c < 0x20; ++c) {
    t[c] = 'u';
  }
  t['\b'] = 'b';
  t['\f'] = 'f';
  t['\n'] = 'n';
  t['\r'] = 'r';
  t['\t'] = 't';
  t['"'] = '"';
  t['\\'] = '\\';
  return t;
}
constexpr std::array<char, 256> k_escape = make_escape_table();

} // namespace

void append_json_string(std::string* out, std::string_view value) {
  out->push_back('"');
  size_t run = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    char e = k_escape[static_cast<unsigned char>(value[i])];
    if (e == 0) {
      continue;
    }
    out->append(value.data() + run, i - run);
    run = i + 1;
    if (e == 'u') {
      fmt::format_to(std::back_inserter(*out), "\\u{:04x}", static_cast<unsigned char>(value[i]));
    } else {
      out->push_back('\\');
      out->push_back(e);
    }
  }
  out->append(value.data() + run, value.size() - run);
  out->push_back('"');
}

bool is_valid_utf8(std::string_view text) { return simdjson::validate_utf8(text.data(), text.size()); }

void JsonWriter::before_value() {
  if (m_after_key) {
    m_after_key = false;
    return;
  }
  if (!m_has_member.empty()) {
    if (m_has_member.back()) {
      m_out->push_back(',');
    }
    m_has_member.back() = true;
  }
}

JsonWriter& JsonWriter::begin_object() {
  before_value();
  m_out->push_back('{');
  m_has_member.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  m_out->push_back('}');
  m_has_member.pop_back();
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  before_value();
  m_out->push_back('[');
  m_has_member.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  m_out->push_back(']');
  m_has_member.pop_back();
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  before_value();
  append_json_string(m_out, name);
  m_out->push_back(':');
  m_after_key = true;
  return *this;
}

JsonWriter& JsonWriter::string(std::string_view value) {
  before_value();
  append_json_string(m_out, value);
  return *this;
}

JsonWriter& JsonWriter::number(int64_t value) {
  before_value();
  fmt::format_to(std::back_inserter(*m_out), "{}", value);
  return *this;
}

JsonWriter& JsonWriter::number(uint64_t value) {
  before_value();
  fmt::format_to(std::back_inserter(*m_out), "{}", value);
  return *this;
}

JsonWriter& JsonWriter::number(double value) {
  before_value();
  if (!std::isfinite(value)) {
    m_out->append("null");
  } else {
    fmt::format_to(std::back_inserter(*m_out), "{}", value);
  }
  return *this;
}

JsonWriter& JsonWriter::boolean(bool value) {
  before_value();
  m_out->append(value ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::null() {
  before_value();
  m_out->append("null");
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  before_value();
  m_out->append(json);
  return *this;
}

} // namespace sluice::core
