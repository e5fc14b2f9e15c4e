#include "connectors/kafka/message_builder.hpp"

#include <catch2/catch.hpp>

namespace sluice::connectors::kafka {
namespace {

core::JsonPath path(const char* text) {
  core::JsonPath p;
  std::string why;
  REQUIRE(core::JsonPath::parse(text, &p, &why));
  return p;
}

// Builds the message of one line; the result's views are copied out.
struct Built {
  bool ok = false;
  std::string why;
  std::string topic;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<OutgoingHeader> headers;
  std::optional<int64_t> ts;
};

Built build(MessageBuilder& b, const std::string& line) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(line);
  simdjson::ondemand::document doc;
  REQUIRE(parser.iterate(padded).get(doc) == simdjson::SUCCESS);
  Message m;
  Built out;
  out.ok = b.build(std::string_view(padded.data(), line.size()), doc, &m, &out.why);
  if (out.ok) {
    out.topic = std::string(m.topic);
    if (m.key) {
      out.key = std::string(*m.key);
    }
    if (m.value) {
      out.value = std::string(*m.value);
    }
    out.headers = *m.headers;
    out.ts = m.ts;
  }
  return out;
}

TEST_CASE("kafka message builder sends the line as the value with key and headers from paths",
          "[connectors][kafka][message_builder]") {
  MessageBuilderOptions o;
  o.topic = "orders";
  o.key = path("key.order_id");
  o.headers = path("meta");
  MessageBuilder b(o);
  std::string line = R"({"key":{"order_id":7},"meta":{"trace":"t1","n":5,"none":null},"x":"é"})";
  Built m = build(b, line);
  REQUIRE(m.ok);
  CHECK(m.topic == "orders");
  CHECK(m.value == line);
  CHECK(m.key == std::optional<std::string>("7"));
  REQUIRE(m.headers.size() == 3);
  CHECK(m.headers[0].name == "trace");
  CHECK(m.headers[0].value == std::optional<std::string>("t1"));
  CHECK(m.headers[1].value == std::optional<std::string>("5"));
  CHECK_FALSE(m.headers[2].value);
  CHECK_FALSE(m.ts);
}

TEST_CASE("kafka message builder takes a string key as its text and a missing key as none",
          "[connectors][kafka][message_builder]") {
  MessageBuilderOptions o;
  o.topic = "t";
  o.key = path("id");
  MessageBuilder b(o);
  CHECK(build(b, R"({"id":"a\"b\u00e9"})").key == std::optional<std::string>("a\"bé"));
  CHECK_FALSE(build(b, R"({"other":1})").key);
  CHECK_FALSE(build(b, R"({"id":null})").key);
  CHECK(build(b, R"({"id":{"a":[1, 2]}})").key == std::optional<std::string>(R"({"a":[1, 2]})"));
}

TEST_CASE("kafka message builder routes by --topic-from and refuses events without a topic",
          "[connectors][kafka][message_builder]") {
  MessageBuilderOptions o;
  o.topic_from = path("table");
  MessageBuilder b(o);
  CHECK(build(b, R"({"table":"public.orders"})").topic == "public.orders");
  Built missing = build(b, R"({"x":1})");
  CHECK_FALSE(missing.ok);
  CHECK(missing.why == "--topic-from: table is missing");
  Built number = build(b, R"({"table":5})");
  CHECK_FALSE(number.ok);
  CHECK(number.why.find("not a string") != std::string::npos);
}

TEST_CASE("kafka message builder rebuilds an envelope exactly",
          "[connectors][kafka][message_builder]") {
  MessageBuilderOptions o;
  o.topic = "mirror";
  o.envelope = true;
  MessageBuilder b(o);
  Built json = build(
      b,
      R"({"data":{"a": [1,2.50]},"kafka":{"topic":"t","partition":1,"offset":9,"key":"k","ts":1732406400123,"headers":[{"key":"h","value":"v"},{"key":"b","value":"AP8=","encoding":"base64"},{"key":"n","value":null}]},"id":"t/1/9","ts":1732406400123})");
  REQUIRE(json.ok);
  CHECK(json.value == std::optional<std::string>(R"({"a": [1,2.50]})"));
  CHECK(json.key == std::optional<std::string>("k"));
  CHECK(json.ts == std::optional<int64_t>(1732406400123));
  REQUIRE(json.headers.size() == 3);
  CHECK(json.headers[1].value == std::optional<std::string>(std::string("\0\xff", 2)));
  CHECK_FALSE(json.headers[2].value);

  Built text = build(b, R"({"data":"line\none","encoding":"text","kafka":{"key":null}})");
  CHECK(text.value == std::optional<std::string>("line\none"));
  CHECK_FALSE(text.key);
  Built binary = build(
      b, R"({"data":"//4B","encoding":"base64","kafka":{"key":"gA==","key_encoding":"base64"}})");
  CHECK(binary.value == std::optional<std::string>("\xff\xfe\x01"));
  CHECK(binary.key == std::optional<std::string>("\x80"));
  Built tombstone = build(b, R"({"kafka":{"key":"k"}})");
  CHECK_FALSE(tombstone.value);
  // Without an encoding, data is the value's JSON: a JSON string keeps its quotes.
  CHECK(build(b, R"({"data":"x"})").value == std::optional<std::string>("\"x\""));
}

TEST_CASE("kafka message builder refuses envelopes it cannot decode",
          "[connectors][kafka][message_builder]") {
  MessageBuilderOptions o;
  o.topic = "t";
  o.envelope = true;
  MessageBuilder b(o);
  CHECK_FALSE(build(b, R"({"data":"!!","encoding":"base64"})").ok);
  Built unknown = build(b, R"({"data":"x","encoding":"rot13"})");
  CHECK_FALSE(unknown.ok);
  CHECK(unknown.why.find("rot13") != std::string::npos);
  CHECK_FALSE(build(b, R"({"data":1,"encoding":7})").ok);
  CHECK_FALSE(build(b, R"({"data":"x","kafka":{"headers":5}})").ok);
  CHECK_FALSE(build(b, R"({"data":"x","kafka":{"headers":[{"value":"v"}]}})").ok);
}

} // namespace
} // namespace sluice::connectors::kafka
