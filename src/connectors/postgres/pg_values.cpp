#include "connectors/postgres/pg_values.hpp"

#include "connectors/postgres/pg_array.hpp"

#include "core/json_writer.hpp"

#include <chrono>
#include <charconv>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <simdjson.h>

namespace sluice::connectors::postgres {

namespace {

bool is_special_number(std::string_view t) {
  return t == "NaN" || t == "Infinity" || t == "-Infinity";
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits (n > 0) or, with n == 0, one or more.
bool read_digits(std::string_view t, size_t* pos, size_t n, int64_t* out) {
  size_t start = *pos;
  size_t end = start;
  while (end < t.size() && is_digit(t[end]) && (n == 0 || end - start < n)) {
    ++end;
  }
  if (end == start || (n != 0 && end - start != n)) {
    return false;
  }
  auto res = std::from_chars(t.data() + start, t.data() + end, *out);
  *pos = end;
  return res.ec == std::errc();
}

bool expect(std::string_view t, size_t* pos, char c) {
  if (*pos < t.size() && t[*pos] == c) {
    ++*pos;
    return true;
  }
  return false;
}

// [+-]HH[:MM[:SS]] as seconds east of UTC.
bool read_offset(std::string_view t, size_t* pos, int64_t* seconds) {
  if (*pos >= t.size() || (t[*pos] != '+' && t[*pos] != '-')) {
    return false;
  }
  int64_t sign = t[(*pos)++] == '-' ? -1 : 1;
  int64_t h = 0;
  int64_t m = 0;
  int64_t s = 0;
  if (!read_digits(t, pos, 2, &h)) {
    return false;
  }
  if (expect(t, pos, ':') && !read_digits(t, pos, 2, &m)) {
    return false;
  }
  if (expect(t, pos, ':') && !read_digits(t, pos, 2, &s)) {
    return false;
  }
  *seconds = sign * (h * 3600 + m * 60 + s);
  return true;
}

// "HH:MM:SS[.ffffff]" as microseconds since midnight.
bool read_time_of_day(std::string_view t, size_t* pos, int64_t* us) {
  int64_t h = 0;
  int64_t m = 0;
  int64_t s = 0;
  if (!read_digits(t, pos, 2, &h) || !expect(t, pos, ':') || !read_digits(t, pos, 2, &m) ||
      !expect(t, pos, ':') || !read_digits(t, pos, 2, &s)) {
    return false;
  }
  int64_t frac = 0;
  if (expect(t, pos, '.')) {
    size_t start = *pos;
    if (!read_digits(t, pos, 0, &frac) || *pos - start > 6) {
      return false;
    }
    for (size_t n = *pos - start; n < 6; ++n) {
      frac *= 10;
    }
  }
  *us = ((h * 60 + m) * 60 + s) * 1000000 + frac;
  return true;
}

void append_base64(std::string* out, std::string_view bytes) {
  size_t at = out->size();
  out->resize(at + 4 * ((bytes.size() + 2) / 3) + 1);
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out->data() + at),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out->resize(at + static_cast<size_t>(n));
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

bool is_text_kind(TypeKind k) {
  return k == TypeKind::text || k == TypeKind::time || k == TypeKind::timetz;
}

} // namespace

bool pg_time_to_us(std::string_view t, bool has_offset, int64_t* out) {
  size_t pos = 0;
  int64_t y = 0;
  int64_t mo = 0;
  int64_t d = 0;
  if (!read_digits(t, &pos, 0, &y) || pos < 4 || !expect(t, &pos, '-') ||
      !read_digits(t, &pos, 2, &mo) || !expect(t, &pos, '-') || !read_digits(t, &pos, 2, &d)) {
    return false;
  }
  using namespace std::chrono;
  year_month_day ymd{year{static_cast<int>(y)}, month{static_cast<unsigned>(mo)},
                     day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) {
    return false;
  }
  int64_t us = static_cast<int64_t>(sys_days(ymd).time_since_epoch().count()) * 86400000000;
  if (pos < t.size()) {
    int64_t tod = 0;
    if (!expect(t, &pos, ' ') || !read_time_of_day(t, &pos, &tod)) {
      return false;
    }
    us += tod;
    int64_t offset = 0;
    if (has_offset && !read_offset(t, &pos, &offset)) {
      return false;
    }
    us -= offset * 1000000;
  }
  if (pos != t.size()) {
    return false; // " BC" or something unexpected
  }
  *out = us;
  return true;
}

bool pg_time_to_ms(std::string_view t, bool has_offset, int64_t* ms) {
  int64_t us = 0;
  if (!pg_time_to_us(t, has_offset, &us)) {
    return false;
  }
  *ms = us >= 0 ? us / 1000 : -((-us + 999) / 1000);
  return true;
}

std::string rfc3339_of_pg(std::string_view t, bool has_offset) {
  int64_t ms = 0;
  if (t.size() < 19 || !pg_time_to_ms(t, has_offset, &ms)) {
    return std::string(t);
  }
  size_t space = t.find(' ');
  std::string out(t);
  out[space] = 'T';
  if (!has_offset) {
    return out;
  }
  size_t sign = out.find_last_of("+-");
  std::string_view offset = std::string_view(out).substr(sign);
  if (offset == "+00" || offset == "+00:00") {
    out.replace(sign, std::string::npos, "Z");
  } else if (offset.size() == 3) {
    out += ":00";
  }
  return out;
}

bool ValueMapper::append(std::string* out, const TypeInfo& type, std::string_view text,
                         std::string* why) {
  if (type.kind == TypeKind::array) {
    size_t at = out->size();
    if (!append_array(out, type, text, why)) {
      out->resize(at);
      return false;
    }
    return true;
  }
  return append_scalar(out, type, text, why);
}

bool ValueMapper::append_scalar(std::string* out, const TypeInfo& type, std::string_view text,
                                std::string* why) {
  switch (type.kind) {
  case TypeKind::integer:
    out->append(text);
    return true;
  case TypeKind::numeric:
  case TypeKind::floating:
    if (is_special_number(text)) {
      core::append_json_string(out, text);
    } else {
      out->append(text);
    }
    return true;
  case TypeKind::boolean:
    if (text != "t" && text != "f") {
      *why = fmt::format("\"{}\" is not a boolean", text);
      return false;
    }
    out->append(text == "t" ? "true" : "false");
    return true;
  case TypeKind::json:
  case TypeKind::jsonb:
    return append_json(out, text, why);
  case TypeKind::bytea:
    return append_bytea(out, text, why);
  case TypeKind::date:
  case TypeKind::timestamp:
  case TypeKind::timestamptz:
    return append_time_value(out, type.kind, text);
  case TypeKind::timetz: {
    size_t sign = text.find_last_of("+-");
    bool short_offset = sign != std::string_view::npos && text.size() - sign == 3;
    m_scratch.assign(text);
    if (short_offset) {
      m_scratch += ":00";
    }
    core::append_json_string(out, m_scratch);
    return true;
  }
  default:
    if (m_options.check_utf8 && is_text_kind(type.kind) && !core::is_valid_utf8(text)) {
      *why = fmt::format("a value of type {} is not valid UTF-8", type.name);
      return false;
    }
    core::append_json_string(out, text);
    return true;
  }
}

bool ValueMapper::append_time_value(std::string* out, TypeKind kind, std::string_view text) {
  int64_t ms = 0;
  bool offset = kind == TypeKind::timestamptz;
  if (m_options.epoch_ms && pg_time_to_ms(text, offset, &ms)) {
    fmt::format_to(std::back_inserter(*out), "{}", ms);
    return true;
  }
  if (kind == TypeKind::date) {
    core::append_json_string(out, text);
    return true;
  }
  core::append_json_string(out, rfc3339_of_pg(text, offset));
  return true;
}

bool ValueMapper::append_json(std::string* out, std::string_view text, std::string* why) {
  m_scratch.resize(text.size());
  size_t n = 0;
  if (simdjson::minify(text.data(), text.size(), m_scratch.data(), n) != simdjson::SUCCESS) {
    *why = "a json value could not be minified";
    return false;
  }
  out->append(m_scratch.data(), n);
  return true;
}

bool ValueMapper::append_bytea(std::string* out, std::string_view text, std::string* why) {
  if (text.size() < 2 || text[0] != '\\' || text[1] != 'x' || text.size() % 2 != 0) {
    *why = "a bytea value is not in hex format (bytea_output=hex)";
    return false;
  }
  m_scratch.clear();
  for (size_t i = 2; i < text.size(); i += 2) {
    int hi = hex_value(text[i]);
    int lo = hex_value(text[i + 1]);
    if (hi < 0 || lo < 0) {
      *why = "a bytea value holds a non-hex digit";
      return false;
    }
    m_scratch.push_back(static_cast<char>(hi * 16 + lo));
  }
  out->push_back('"');
  append_base64(out, m_scratch);
  out->push_back('"');
  return true;
}

bool ValueMapper::append_array(std::string* out, const TypeInfo& type, std::string_view text,
                               std::string* why) {
  std::vector<ArrayItem> items;
  const TypeInfo& element = m_types.get(type.element);
  if (!split_pg_array(text, type.delimiter, &items, why)) {
    *why = fmt::format("{}: {}", type.name, *why);
    return false;
  }
  bool first = true;
  for (const auto& item : items) {
    if (item.kind == ArrayItem::Kind::close) {
      out->push_back(']');
      first = false;
      continue;
    }
    if (!first) {
      out->push_back(',');
    }
    first = item.kind == ArrayItem::Kind::open;
    if (item.kind == ArrayItem::Kind::open) {
      out->push_back('[');
    } else if (item.kind == ArrayItem::Kind::null) {
      out->append("null");
    } else if (element.kind == TypeKind::array || !append_scalar(out, element, item.text, why)) {
      if (element.kind == TypeKind::array) {
        *why = fmt::format("{}: nested array element type", type.name);
      }
      return false;
    }
  }
  return true;
}

} // namespace sluice::connectors::postgres
