#include "connectors/kafka/message_builder.hpp"

#include "core/base64.hpp"
#include "core/json_check.hpp"

#include <fmt/format.h>

namespace sluice::connectors::kafka {

namespace od = simdjson::ondemand;
using simdjson::error_code;

namespace {

const core::JsonPath& path_of(const char* text) {
  // Fixed paths of the envelope, parsed once.
  static const auto make = [](const char* t) {
    core::JsonPath p;
    std::string why;
    core::JsonPath::parse(t, &p, &why);
    return p;
  };
  static const core::JsonPath data = make("data");
  static const core::JsonPath encoding = make("encoding");
  static const core::JsonPath key = make("kafka.key");
  static const core::JsonPath key_encoding = make("kafka.key_encoding");
  static const core::JsonPath headers = make("kafka.headers");
  static const core::JsonPath ts = make("kafka.ts");
  std::string_view t = text;
  if (t == "data") {
    return data;
  }
  if (t == "encoding") {
    return encoding;
  }
  if (t == "kafka.key") {
    return key;
  }
  if (t == "kafka.key_encoding") {
    return key_encoding;
  }
  if (t == "kafka.headers") {
    return headers;
  }
  return ts;
}

// Looks up `path`: SUCCESS with the value, NO_SUCH_FIELD when it is missing
// or null, another error when the line is broken.
error_code find_present(od::document& doc, const core::JsonPath& path, od::value* out) {
  error_code e = core::find_path(doc, path, out);
  if (e) {
    return e;
  }
  bool null = false;
  if (out->is_null().get(null) == simdjson::SUCCESS && null) {
    return simdjson::NO_SUCH_FIELD;
  }
  return simdjson::SUCCESS;
}

// The string at `path` (the view dies with the next lookup), or none.
bool string_at(od::document& doc, const core::JsonPath& path, std::optional<std::string_view>* out,
               std::string* why) {
  od::value v;
  error_code e = find_present(doc, path, &v);
  out->reset();
  if (e == simdjson::NO_SUCH_FIELD) {
    return true;
  }
  std::string_view s;
  if (e || v.get_string().get(s)) {
    *why = fmt::format("{} is not a string", path.text());
    return false;
  }
  *out = s;
  return true;
}

} // namespace

bool MessageBuilder::text_of(od::value value, std::string_view what, std::string* text,
                             std::optional<std::string_view> encoding, std::string* why) {
  od::json_type type;
  if (value.type().get(type)) {
    *why = fmt::format("{}: broken JSON", what);
    return false;
  }
  if (type == od::json_type::string) {
    std::string_view s;
    if (value.get_string().get(s)) {
      *why = fmt::format("{}: broken string", what);
      return false;
    }
    if (encoding && *encoding == "base64") {
      if (!core::base64_decode(s, text)) {
        *why = fmt::format("{}: not base64", what);
        return false;
      }
      return true;
    }
    if (encoding && *encoding != "text") {
      *why = fmt::format("{}: unknown encoding \"{}\" (expected text or base64)", what, *encoding);
      return false;
    }
    text->assign(s);
    return true;
  }
  std::string_view raw;
  if (core::raw_json(value, &raw)) {
    *why = fmt::format("{}: broken JSON", what);
    return false;
  }
  text->assign(raw);
  return true;
}

bool MessageBuilder::build_topic(od::document& doc, Message* out, std::string* why) {
  if (!m_options.topic_from) {
    out->topic = m_options.topic;
    return true;
  }
  std::optional<std::string_view> topic;
  if (!string_at(doc, *m_options.topic_from, &topic, why)) {
    *why = "--topic-from: " + *why;
    return false;
  }
  if (!topic || topic->empty()) {
    *why = fmt::format("--topic-from: {} is missing", m_options.topic_from->text());
    return false;
  }
  m_topic.assign(*topic);
  out->topic = m_topic;
  return true;
}

bool MessageBuilder::build_key(od::document& doc, Message* out, std::string* why) {
  od::value v;
  error_code e = find_present(doc, *m_options.key, &v);
  if (e == simdjson::NO_SUCH_FIELD) {
    return true;
  }
  if (e || !text_of(v, "--key", &m_key, std::nullopt, why)) {
    if (e) {
      *why = "--key: " + core::describe_json_error(e);
    }
    return false;
  }
  out->key = m_key;
  return true;
}

bool MessageBuilder::build_headers(od::value value, std::string* why) {
  od::object object;
  if (value.get_object().get(object) == simdjson::SUCCESS) {
    for (auto field : object) {
      std::string_view name;
      od::value v;
      if (field.unescaped_key().get(name) || field.value().get(v)) {
        *why = "headers: broken JSON";
        return false;
      }
      OutgoingHeader h{std::string(name), std::nullopt};
      bool null = false;
      if (!(v.is_null().get(null) == simdjson::SUCCESS && null)) {
        h.value.emplace();
        if (!text_of(v, "headers", &*h.value, std::nullopt, why)) {
          return false;
        }
      }
      m_headers.push_back(std::move(h));
    }
    return true;
  }
  od::array array;
  if (value.get_array().get(array)) {
    *why = "headers: not an object or an array of {\"key\",\"value\"}";
    return false;
  }
  for (auto element : array) {
    od::object item;
    if (element.get_object().get(item)) {
      *why = "headers: an element is not an object {\"key\",\"value\"}";
      return false;
    }
    // Members in any order: collect them first (views die with the item).
    OutgoingHeader h;
    std::string raw_value;
    bool has_value = false;
    bool has_key = false;
    std::optional<std::string> encoding;
    for (auto field : item) {
      std::string_view name;
      od::value v;
      if (field.unescaped_key().get(name) || field.value().get(v)) {
        *why = "headers: broken JSON";
        return false;
      }
      bool null = false;
      bool is_null = v.is_null().get(null) == simdjson::SUCCESS && null;
      std::string text;
      if (!is_null && !text_of(v, "headers", &text, std::nullopt, why)) {
        return false;
      }
      if (name == "key") {
        h.name = std::move(text);
        has_key = true;
      } else if (name == "value") {
        has_value = !is_null;
        raw_value = std::move(text);
      } else if (name == "encoding") {
        encoding = std::move(text);
      }
    }
    if (!has_key) {
      *why = "headers: an element has no \"key\"";
      return false;
    }
    if (has_value) {
      h.value.emplace();
      if (encoding && *encoding == "base64") {
        if (!core::base64_decode(raw_value, &*h.value)) {
          *why = "headers: a value is not base64";
          return false;
        }
      } else {
        *h.value = std::move(raw_value);
      }
    }
    m_headers.push_back(std::move(h));
  }
  return true;
}

bool MessageBuilder::build_envelope(od::document& doc, Message* out, std::string* why) {
  std::optional<std::string_view> found;
  if (!string_at(doc, path_of("encoding"), &found, why)) {
    return false;
  }
  std::optional<std::string> encoding(found);
  od::value v;
  error_code e = find_present(doc, path_of("data"), &v);
  if (e && e != simdjson::NO_SUCH_FIELD) {
    *why = "data: " + core::describe_json_error(e);
    return false;
  }
  if (!e) {
    if (!encoding) {
      std::string_view raw;
      if (core::raw_json(v, &raw)) {
        *why = "data: broken JSON";
        return false;
      }
      out->value = raw; // the value's bytes, exactly as in the line
    } else {
      if (!text_of(v, "data", &m_value, *encoding, why)) {
        return false;
      }
      out->value = m_value;
    }
  }
  if (!m_options.key) {
    if (!string_at(doc, path_of("kafka.key_encoding"), &found, why)) {
      return false;
    }
    std::optional<std::string> key_encoding(found);
    e = find_present(doc, path_of("kafka.key"), &v);
    if (!e) {
      if (!text_of(v, "kafka.key", &m_key, key_encoding, why)) {
        return false;
      }
      out->key = m_key;
    }
  }
  if (!m_options.headers && !find_present(doc, path_of("kafka.headers"), &v) &&
      !build_headers(v, why)) {
    return false;
  }
  int64_t ts = 0;
  if (!find_present(doc, path_of("kafka.ts"), &v) && !v.get_int64().get(ts)) {
    out->ts = ts;
  }
  return true;
}

bool MessageBuilder::build(std::string_view line, od::document& doc, Message* out,
                           std::string* why) {
  *out = Message();
  m_headers.clear();
  out->headers = &m_headers;
  if (!build_topic(doc, out, why)) {
    return false;
  }
  if (m_options.envelope) {
    if (!build_envelope(doc, out, why)) {
      return false;
    }
  } else {
    out->value = line;
  }
  if (m_options.key && !build_key(doc, out, why)) {
    return false;
  }
  if (m_options.headers) {
    od::value v;
    error_code e = find_present(doc, *m_options.headers, &v);
    if (e && e != simdjson::NO_SUCH_FIELD) {
      *why = "--headers: " + core::describe_json_error(e);
      return false;
    }
    if (!e && !build_headers(v, why)) {
      *why = "--" + *why;
      return false;
    }
  }
  return true;
}

} // namespace sluice::connectors::kafka
