// MessageBuilder: how `sluice sink kafka` turns one event into one Kafka
// message (DESIGN §2).
//
// By default the value is the event's line as it came, the key the value at
// --key PATH (a string's text, other JSON as its text; none when the path is
// missing or null), the headers the object or array at --headers PATH, the
// topic -t or the string at --topic-from PATH. With --format envelope the
// input is what `capture kafka --format envelope` (or --meta) writes: the
// value is rebuilt from "data" and "encoding", and the key, headers and
// timestamp from "kafka", so a topic can be mirrored.
// The views in a Message point into the line or into the builder: valid until
// the next build(). Not thread-safe; never throws (bad_alloc aside).
#pragma once

#include "core/json_path.hpp"

#include <cstdint>
#include <optional>
#include <simdjson.h>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::connectors::kafka {

struct OutgoingHeader {
  std::string name;
  std::optional<std::string> value; // none: a null header value
};

struct Message {
  std::string_view topic;
  std::optional<std::string_view> key;
  std::optional<std::string_view> value; // none: a null value (tombstone)
  const std::vector<OutgoingHeader>* headers = nullptr;
  std::optional<int64_t> ts; // epoch ms; none: the producer's clock
};

struct MessageBuilderOptions {
  std::string topic;                        // -t
  std::optional<core::JsonPath> topic_from; // --topic-from
  std::optional<core::JsonPath> key;        // --key
  std::optional<core::JsonPath> headers;    // --headers
  bool envelope = false;                    // --format envelope
};

class MessageBuilder {
 public:
  explicit MessageBuilder(MessageBuilderOptions options) : m_options(std::move(options)) {}

  // Builds the message of `line` (whose document is `doc`); false with a
  // reason when the event cannot be one (bad data).
  bool build(std::string_view line, simdjson::ondemand::document& doc, Message* out,
             std::string* why);

 private:
  bool build_topic(simdjson::ondemand::document& doc, Message* out, std::string* why);
  bool build_key(simdjson::ondemand::document& doc, Message* out, std::string* why);
  bool build_headers(simdjson::ondemand::value value, std::string* why);
  bool build_envelope(simdjson::ondemand::document& doc, Message* out, std::string* why);
  bool text_of(simdjson::ondemand::value value, std::string_view what, std::string* text,
               std::optional<std::string_view> encoding, std::string* why);

  MessageBuilderOptions m_options;
  std::string m_topic;
  std::string m_key;
  std::string m_value;
  std::vector<OutgoingHeader> m_headers;
};

} // namespace sluice::connectors::kafka
