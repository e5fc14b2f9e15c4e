// JsonWriter: the one JSON writer of sluice (STYLE 2.5). Every byte of JSON that
// sluice produces itself (control records, generated events, dead letters,
// wrapped lines, store files) goes through it; escaping lives here only.
//
// It appends compact JSON to a caller-owned std::string, inserting commas and
// colons itself. Strings must be valid UTF-8 (check with is_valid_utf8 first);
// control characters, quotes and backslashes are escaped, other bytes are kept.
// Not thread-safe; never throws except std::bad_alloc.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::core {

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : m_out(out) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);
  JsonWriter& string(std::string_view value);
  JsonWriter& number(int64_t value);
  JsonWriter& number(uint64_t value);
  JsonWriter& number(int value) { return number(static_cast<int64_t>(value)); }
  // Shortest text that reads back as the same double; non-finite values become null.
  JsonWriter& number(double value);
  JsonWriter& boolean(bool value);
  JsonWriter& null();
  // A value that is already valid JSON text, copied as is.
  JsonWriter& raw(std::string_view json);

 private:
  void before_value();

  std::string* m_out;
  // One entry per open container: true once it holds a member.
  std::vector<bool> m_has_member;
  bool m_after_key = false;
};

// Appends `value` as a quoted, escaped JSON string.
void append_json_string(std::string* out, std::string_view value);

bool is_valid_utf8(std::string_view text);

} // namespace sluice::core
