// EventFormat: how `sluice capture kafka` turns one Kafka message into one
// event line (DESIGN §2, §3).
//
// A value that is a single-line JSON object is the event as is (validated
// fully; a sluice control record is bad data). Any other value is wrapped as
// {"data":…}: JSON arrays and scalars, and pretty-printed JSON re-minified,
// as JSON; other UTF-8 text as a string with "encoding":"text"; other bytes
// as base64 with "encoding":"base64"; a null value (a tombstone) has no
// "data". --meta adds "kafka":{"topic","partition","offset","key","ts",
// "headers"} and sets "id" (topic/partition/offset) and "ts" (the message
// timestamp) where the value has none. --format envelope always wraps (with
// the metadata) and keeps the value's bytes exactly: JSON with line breaks is
// kept as text there, so a mirror reproduces it.
// Not thread-safe (owns parsers); never throws (bad_alloc aside).
#pragma once

#include "core/json_check.hpp"
#include "core/json_writer.hpp"

#include <cstdint>
#include <optional>
#include <simdjson.h>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::connectors::kafka {

struct HeaderView {
  std::string_view name;
  std::optional<std::string_view> value; // none: a null header value
};

// A message as the capture received it. `value` must be followed by
// simdjson::SIMDJSON_PADDING readable bytes.
struct MessageView {
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::optional<int64_t> ts; // epoch ms, when the message has one
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  const HeaderView* headers = nullptr;
  size_t header_count = 0;
};

struct EventFormatOptions {
  bool meta = false;     // --meta
  bool envelope = false; // --format envelope
};

class EventFormat {
 public:
  explicit EventFormat(EventFormatOptions options) : m_options(options) {}

  // Appends the event line (no newline) to `out`; false with a reason when the
  // value is bad data (then `out` is unchanged).
  bool append(const MessageView& m, std::string* out, std::string* why);

 private:
  enum class Kind { object, json, text, binary, null };
  Kind classify(const MessageView& m, bool* has_line_break);
  bool is_json(std::string_view value);
  void write_data(core::JsonWriter& w, const MessageView& m, Kind kind, bool has_line_break);
  void write_meta(core::JsonWriter& w, const MessageView& m, bool id, bool ts);
  bool append_object(const MessageView& m, std::string* out, std::string* why);
  void top_level_names(std::string_view value, bool* has_id, bool* has_ts);

  EventFormatOptions m_options;
  core::JsonChecker m_checker;
  core::LineShape m_shape; // of the value classify() found to be an object
  simdjson::ondemand::parser m_parser;
  std::string m_scratch; // the value wrapped for validation
  std::string m_minified;
  std::string m_members; // metadata members added to an object value
};

} // namespace sluice::connectors::kafka
