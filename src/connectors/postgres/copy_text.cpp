#include "connectors/postgres/copy_text.hpp"

#include "connectors/postgres/pg_array.hpp"
#include "core/event_time.hpp"
#include "core/json_path.hpp"
#include "core/json_writer.hpp"

#include <chrono>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <simdjson.h>

namespace sluice::connectors::postgres {

namespace od = simdjson::ondemand;

namespace {

bool decode_base64(std::string_view text, std::string* out) {
  if (text.size() % 4 != 0) {
    return false;
  }
  std::string bytes(text.size() / 4 * 3 + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(bytes.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) {
    return false;
  }
  size_t size = static_cast<size_t>(n);
  // EVP_DecodeBlock counts the bytes the padding stands for.
  for (size_t i = text.size(); i > 0 && text[i - 1] == '=' && size > 0; --i) {
    --size;
  }
  static const char* k_hex = "0123456789abcdef";
  out->append("\\x");
  for (size_t i = 0; i < size; ++i) {
    auto b = static_cast<unsigned char>(bytes[i]);
    out->push_back(k_hex[b >> 4]);
    out->push_back(k_hex[b & 15]);
  }
  return true;
}

void append_epoch(std::string* out, int64_t ms) {
  using namespace std::chrono;
  auto days = floor<std::chrono::days>(milliseconds(ms));
  year_month_day ymd{sys_days(days)};
  int64_t rest = ms - duration_cast<milliseconds>(days).count();
  fmt::format_to(std::back_inserter(*out), "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}+00",
                 static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                 static_cast<unsigned>(ymd.day()), rest / 3600000, rest / 60000 % 60,
                 rest / 1000 % 60, rest % 1000);
}

bool append_array(od::array array, std::string* out, int depth);

bool append_element(od::value v, std::string* out, int depth) {
  od::json_type type;
  if (v.type().get(type)) {
    return false;
  }
  std::string_view text;
  switch (type) {
  case od::json_type::array: {
    od::array nested;
    return v.get_array().get(nested) == simdjson::SUCCESS && append_array(nested, out, depth + 1);
  }
  case od::json_type::null:
    out->append("NULL");
    return true;
  case od::json_type::string:
    if (v.get_string().get(text)) {
      return false;
    }
    append_array_element(out, text);
    return true;
  case od::json_type::object:
    if (core::raw_json(v, &text)) {
      return false;
    }
    append_array_element(out, text);
    return true;
  default:
    if (core::raw_json(v, &text)) {
      return false;
    }
    out->append(text);
    return true;
  }
}

bool append_array(od::array array, std::string* out, int depth) {
  if (depth > 6) {
    return false;
  }
  out->push_back('{');
  bool first = true;
  for (auto item : array) {
    od::value v;
    if (item.get(v)) {
      return false;
    }
    if (!first) {
      out->push_back(',');
    }
    first = false;
    if (!append_element(v, out, depth)) {
      return false;
    }
  }
  out->push_back('}');
  return true;
}

} // namespace

bool json_array_to_pg(std::string_view json, std::string* out) {
  simdjson::padded_string padded(json);
  od::parser parser;
  od::document doc;
  od::array array;
  if (parser.iterate(padded).get(doc) || doc.get_array().get(array)) {
    return false;
  }
  size_t at = out->size();
  if (!append_array(array, out, 0)) {
    out->resize(at);
    return false;
  }
  return true;
}

void append_pg_text(std::string* out, const SinkValue& v, ColumnClass column) {
  using K = SinkValue::Kind;
  switch (column) {
  case ColumnClass::json:
    if (v.kind == K::string) {
      core::append_json_string(out, v.text);
    } else {
      out->append(v.text);
    }
    return;
  case ColumnClass::array:
    if (v.kind == K::array && json_array_to_pg(v.text, out)) {
      return;
    }
    break;
  case ColumnClass::bytea:
    if (v.kind == K::string && decode_base64(v.text, out)) {
      return;
    }
    break;
  case ColumnClass::time:
    if (v.kind == K::number) {
      int64_t ms = 0;
      char* end = nullptr;
      double d = std::strtod(v.text.c_str(), &end);
      if (core::event_time_from_number(d, &ms)) {
        append_epoch(out, ms);
        return;
      }
    }
    break;
  default:
    break;
  }
  out->append(v.text);
}

void append_copy_escaped(std::string* out, std::string_view text) {
  size_t run = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    char e = c == '\\' ? '\\' : c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : 0;
    if (e == 0) {
      continue;
    }
    out->append(text.data() + run, i - run);
    out->push_back('\\');
    out->push_back(e);
    run = i + 1;
  }
  out->append(text.data() + run, text.size() - run);
}

void append_copy_field(std::string* out, const SinkValue& v, ColumnClass column,
                       std::string* scratch) {
  if (v.kind == SinkValue::Kind::null) {
    out->append("\\N");
    return;
  }
  if (column == ColumnClass::plain) {
    append_copy_escaped(out, v.text);
    return;
  }
  scratch->clear();
  append_pg_text(scratch, v, column);
  append_copy_escaped(out, *scratch);
}

} // namespace sluice::connectors::postgres
