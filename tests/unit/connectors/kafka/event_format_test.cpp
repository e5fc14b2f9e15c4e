#include "connectors/kafka/event_format.hpp"

#include <catch2/catch.hpp>
#include <simdjson.h>

namespace sluice::connectors::kafka {
namespace {

// A message whose value is padded as the capture pads it.
struct Message {
  std::string value_storage;
  MessageView view;
  std::vector<HeaderView> headers;

  explicit Message(std::optional<std::string> value, int64_t offset = 7) {
    view.topic = "orders";
    view.partition = 2;
    view.offset = offset;
    view.ts = 1732406400123;
    if (value) {
      value_storage = *value;
      value_storage.append(simdjson::SIMDJSON_PADDING, '\0');
      view.value = std::string_view(value_storage.data(), value->size());
    }
  }
  void set_headers(std::vector<HeaderView> h) {
    headers = std::move(h);
    view.headers = headers.data();
    view.header_count = headers.size();
  }
};

std::string format(const Message& m, EventFormatOptions o = {}, std::string* why_out = nullptr) {
  EventFormat f(o);
  std::string out = "prefix:";
  std::string why;
  bool ok = f.append(m.view, &out, &why);
  if (why_out != nullptr) {
    *why_out = why;
  }
  if (!ok) {
    CHECK(out == "prefix:");
    return "BAD: " + why;
  }
  REQUIRE(out.substr(0, 7) == "prefix:");
  std::string line = out.substr(7);
  // Every line is one valid JSON object.
  std::string padded = line + std::string(simdjson::SIMDJSON_PADDING, '\0');
  core::JsonChecker checker;
  core::LineShape shape;
  std::string reason;
  CHECK(checker.check(simdjson::padded_string_view(padded.data(), line.size(), padded.size()),
                      core::CheckLevel::full, &shape, &reason));
  return line;
}

TEST_CASE("kafka event format passes a single-line object as is",
          "[connectors][kafka][event_format]") {
  CHECK(format(Message(R"({"id":"x","n":[1,2.5e3,{"a":null}]})")) ==
        R"({"id":"x","n":[1,2.5e3,{"a":null}]})");
  CHECK(format(Message(R"( {"a":1} )")) == R"( {"a":1} )");
}

TEST_CASE("kafka event format treats a control record value as bad data",
          "[connectors][kafka][event_format]") {
  CHECK(format(Message(R"({"$sluice":{"checkpoint":1,"source":"s","run":"r","pos":null}})")) ==
        "BAD: a control record from outside sluice (only its stages make them)");
  EventFormatOptions envelope;
  envelope.envelope = true;
  // Inside an envelope it is data, not a control record.
  CHECK(format(Message(R"({"$sluice":{"end":{"checkpoint":1}}})"), envelope).find("\"data\":{") !=
        std::string::npos);
}

TEST_CASE("kafka event format wraps arrays scalars and minifies pretty-printed JSON",
          "[connectors][kafka][event_format]") {
  CHECK(format(Message("[1, 2]")) == R"({"data":[1, 2]})");
  CHECK(format(Message("42")) == R"({"data":42})");
  CHECK(format(Message("\"hi\"")) == R"({"data":"hi"})");
  CHECK(format(Message("null")) == R"({"data":null})");
  CHECK(format(Message("{\n  \"a\": [1,\n 2],\r\n  \"b\": \"x y\"\n}\n")) ==
        R"({"data":{"a":[1,2],"b":"x y"}})");
  CHECK(format(Message("[\n1\n]")) == R"({"data":[1]})");
}

TEST_CASE("kafka event format wraps text and binary with their encoding",
          "[connectors][kafka][event_format]") {
  CHECK(format(Message("GET /index 200")) == R"({"data":"GET /index 200","encoding":"text"})");
  CHECK(format(Message("")) == R"({"data":"","encoding":"text"})");
  CHECK(format(Message(std::string("a\0b", 3))) == R"({"data":"a\u0000b","encoding":"text"})");
  CHECK(format(Message("\xff\xfe\x01")) == R"({"data":"//4B","encoding":"base64"})");
  CHECK(format(Message(std::nullopt)) == "{}");
}

TEST_CASE("kafka event format treats broken JSON as text, never as bad data",
          "[connectors][kafka][event_format]") {
  CHECK(format(Message(R"({"a":)")) == R"({"data":"{\"a\":","encoding":"text"})");
  CHECK(format(Message(R"({"a":1} x)")) == R"({"data":"{\"a\":1} x","encoding":"text"})");
  CHECK(format(Message("{\"a\":\"\xff\"}")) == R"({"data":"eyJhIjoi/yJ9","encoding":"base64"})");
  CHECK(format(Message("\xef\xbb\xbf{\"a\":1}")) ==
        "{\"data\":\"\xef\xbb\xbf{\\\"a\\\":1}\",\"encoding\":\"text\"}");
  CHECK(format(Message("{\"a\":1}\r\n")) == R"({"data":{"a":1}})");
  std::string deep = "{\"a\":" + std::string(5000, '[') + std::string(5000, ']') + "}";
  CHECK(format(Message(deep)).find("\"encoding\":\"text\"") != std::string::npos);
  CHECK(format(Message("{\"big\":123456789012345678901234567890}")) ==
        "{\"big\":123456789012345678901234567890}");
}

TEST_CASE("kafka event format meta adds the message and sets id and ts only where missing",
          "[connectors][kafka][event_format]") {
  EventFormatOptions meta;
  meta.meta = true;
  Message m(R"({"a":1})");
  m.view.key = "k1";
  CHECK(
      format(m, meta) ==
      R"({"a":1,"kafka":{"topic":"orders","partition":2,"offset":7,"key":"k1","ts":1732406400123},"id":"orders/2/7","ts":1732406400123})");
  Message cdc(R"({"id":"abc","ts":5,"op":"insert"} )");
  CHECK(
      format(cdc, meta) ==
      R"({"id":"abc","ts":5,"op":"insert","kafka":{"topic":"orders","partition":2,"offset":7,"key":null,"ts":1732406400123}})");
  Message empty("{ }");
  empty.view.ts.reset();
  CHECK(format(empty, meta) ==
        R"({ "kafka":{"topic":"orders","partition":2,"offset":7,"key":null},"id":"orders/2/7"})");
  Message nested(R"({"x":{"id":1,"ts":2}})");
  CHECK(format(nested, meta).find(R"("id":"orders/2/7","ts":1732406400123})") != std::string::npos);
}

TEST_CASE("kafka event format meta carries headers and binary keys losslessly",
          "[connectors][kafka][event_format]") {
  EventFormatOptions meta;
  meta.meta = true;
  Message m("plain");
  m.view.key = std::string_view("\x80", 1);
  m.set_headers({{"trace", std::string_view("t1")},
                 {"trace", std::string_view("t2")},
                 {"bin", std::string_view("\x00\xff", 2)},
                 {"none", std::nullopt}});
  CHECK(
      format(m, meta) ==
      R"({"data":"plain","encoding":"text","kafka":{"topic":"orders","partition":2,"offset":7,"key":"gA==","key_encoding":"base64","ts":1732406400123,"headers":[{"key":"trace","value":"t1"},{"key":"trace","value":"t2"},{"key":"bin","value":"AP8=","encoding":"base64"},{"key":"none","value":null}]},"id":"orders/2/7","ts":1732406400123})");
}

TEST_CASE("kafka event format envelope always wraps and keeps the value's bytes",
          "[connectors][kafka][event_format]") {
  EventFormatOptions envelope;
  envelope.envelope = true;
  std::string meta =
      R"("kafka":{"topic":"orders","partition":2,"offset":7,"key":null,"ts":1732406400123},"id":"orders/2/7","ts":1732406400123})";
  CHECK(format(Message(R"({"id":"abc"})"), envelope) == R"({"data":{"id":"abc"},)" + meta);
  CHECK(format(Message("{\n\"a\": 1\n}"), envelope) ==
        R"({"data":"{\n\"a\": 1\n}","encoding":"text",)" + meta);
  CHECK(format(Message(std::nullopt), envelope) == "{" + meta);
}

TEST_CASE("kafka event format handles a 100 MB value", "[connectors][kafka][event_format]") {
  std::string big = "{\"blob\":\"" + std::string(100u << 20, 'x') + "\"}";
  Message m(big);
  EventFormat f({});
  std::string out;
  std::string why;
  REQUIRE(f.append(m.view, &out, &why));
  CHECK(out.size() == big.size());
}

} // namespace
} // namespace sluice::connectors::kafka
