#include "connectors/kafka/event_format.hpp"

#include "core/base64.hpp"
#include "core/json_writer.hpp"

#include <cstring>
#include <fmt/format.h>

namespace sluice::connectors::kafka {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

char first_non_space(std::string_view s) {
  for (char c : s) {
    if (!is_space(c)) {
      return c;
    }
  }
  return '\0';
}

bool has_line_break(std::string_view s) {
  return std::memchr(s.data(), '\n', s.size()) != nullptr ||
         std::memchr(s.data(), '\r', s.size()) != nullptr;
}

// A string member whose bytes may not be UTF-8: as text, or base64 with a
// marker member `encoding_key` next to it.
void text_or_base64(core::JsonWriter& w, std::string_view name, std::string_view bytes,
                    std::string_view encoding_key) {
  if (core::is_valid_utf8(bytes)) {
    w.key(name).string(bytes);
    return;
  }
  w.key(name).string(core::base64_encode(bytes));
  w.key(encoding_key).string("base64");
}

} // namespace

bool EventFormat::is_json(std::string_view value) {
  // Any JSON value is valid exactly when it is as the member of an object.
  m_scratch.assign("{\"d\":");
  m_scratch.append(value);
  m_scratch.push_back('}');
  size_t size = m_scratch.size();
  m_scratch.resize(size + simdjson::SIMDJSON_PADDING);
  core::LineShape shape;
  std::string why;
  return m_checker.check(simdjson::padded_string_view(m_scratch.data(), size, m_scratch.size()),
                         core::CheckLevel::full, &shape, &why);
}

EventFormat::Kind EventFormat::classify(const MessageView& m, bool* line_break) {
  *line_break = false;
  m_shape = core::LineShape();
  if (!m.value) {
    return Kind::null;
  }
  std::string_view v = *m.value;
  *line_break = has_line_break(v);
  if (!*line_break && first_non_space(v) == '{') {
    std::string why;
    if (m_checker.check(
            simdjson::padded_string_view(v.data(), v.size(), v.size() + simdjson::SIMDJSON_PADDING),
            core::CheckLevel::full, &m_shape, &why)) {
      return Kind::object;
    }
  } else if (is_json(v)) {
    return Kind::json;
  }
  return core::is_valid_utf8(v) ? Kind::text : Kind::binary;
}

void EventFormat::top_level_names(std::string_view value, bool* has_id, bool* has_ts) {
  *has_id = *has_ts = false;
  simdjson::ondemand::document doc;
  simdjson::ondemand::object object;
  // The value passed full validation: these calls cannot fail on it.
  if (m_parser
          .iterate(simdjson::padded_string_view(value.data(), value.size(),
                                                value.size() + simdjson::SIMDJSON_PADDING))
          .get(doc) ||
      doc.get_object().get(object)) {
    return;
  }
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key)) {
      return;
    }
    *has_id = *has_id || key == "id";
    *has_ts = *has_ts || key == "ts";
  }
}

void EventFormat::write_data(core::JsonWriter& w, const MessageView& m, Kind kind,
                             bool line_break) {
  std::string_view v = m.value.value_or(std::string_view());
  if (kind == Kind::json && line_break && m_options.envelope) {
    kind = Kind::text; // the envelope keeps the bytes exactly
  }
  switch (kind) {
  case Kind::null:
    return;
  case Kind::object:
  case Kind::json:
    if (!line_break) {
      w.key("data").raw(v);
      return;
    }
    m_minified.resize(v.size());
    {
      size_t n = 0;
      if (simdjson::minify(v.data(), v.size(), m_minified.data(), n) != simdjson::SUCCESS) {
        n = 0; // not reached: the value is valid JSON
      }
      m_minified.resize(n);
    }
    w.key("data").raw(m_minified);
    return;
  case Kind::text:
    w.key("data").string(v);
    w.key("encoding").string("text");
    return;
  case Kind::binary:
    w.key("data").string(core::base64_encode(v));
    w.key("encoding").string("base64");
    return;
  }
}

// "kafka":{…}, then "id" and "ts" when asked for.
void EventFormat::write_meta(core::JsonWriter& w, const MessageView& m, bool id, bool ts) {
  w.key("kafka").begin_object();
  w.key("topic").string(m.topic).key("partition").number(static_cast<int64_t>(m.partition));
  w.key("offset").number(m.offset);
  if (m.key) {
    text_or_base64(w, "key", *m.key, "key_encoding");
  } else {
    w.key("key").null();
  }
  if (m.ts) {
    w.key("ts").number(*m.ts);
  }
  if (m.header_count > 0) {
    w.key("headers").begin_array();
    for (size_t i = 0; i < m.header_count; ++i) {
      const HeaderView& h = m.headers[i];
      w.begin_object();
      text_or_base64(w, "key", h.name, "key_encoding");
      if (h.value) {
        text_or_base64(w, "value", *h.value, "encoding");
      } else {
        w.key("value").null();
      }
      w.end_object();
    }
    w.end_array();
  }
  w.end_object();
  if (id) {
    w.key("id").string(fmt::format("{}/{}/{}", m.topic, m.partition, m.offset));
  }
  if (ts && m.ts) {
    w.key("ts").number(*m.ts);
  }
}

bool EventFormat::append_object(const MessageView& m, std::string* out, std::string* why) {
  std::string_view v = *m.value;
  if (m_shape.is_control) {
    *why = "a control record from outside sluice (only its stages make them)";
    return false;
  }
  if (!m_options.meta) {
    out->append(v);
    return true;
  }
  bool has_id = false;
  bool has_ts = false;
  top_level_names(v, &has_id, &has_ts);
  // The value's members as they are, then the metadata members: written into
  // an object of their own, whose '{' is dropped.
  size_t close = v.find_last_of('}');
  bool empty = first_non_space(v.substr(v.find('{') + 1)) == '}';
  out->append(v.substr(0, close));
  if (!empty) {
    out->push_back(',');
  }
  m_members.clear();
  core::JsonWriter w(&m_members);
  w.begin_object();
  write_meta(w, m, !has_id, !has_ts);
  w.end_object();
  out->append(std::string_view(m_members).substr(1));
  return true;
}

bool EventFormat::append(const MessageView& m, std::string* out, std::string* why) {
  bool line_break = false;
  Kind kind = classify(m, &line_break);
  if (kind == Kind::object && !m_options.envelope) {
    return append_object(m, out, why);
  }
  core::JsonWriter w(out);
  w.begin_object();
  write_data(w, m, kind, line_break);
  if (m_options.meta || m_options.envelope) {
    write_meta(w, m, true, true);
  }
  w.end_object();
  return true;
}

} // namespace sluice::connectors::kafka
