#include "core/json_writer.hpp"

#include "core/json_check.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <simdjson.h>

namespace sluice::core {
namespace {

bool is_valid_json(const std::string& text) {
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  return parser.parse(text).get(e) == simdjson::SUCCESS;
}

std::string json_quoted(std::string_view s) {
  std::string out;
  append_json_string(&out, s);
  return out;
}

// Parses a written string back and returns its decoded value.
std::string decoded(const std::string& json) {
  simdjson::dom::parser parser;
  std::string_view s;
  REQUIRE(parser.parse(json).get_string().get(s) == simdjson::SUCCESS);
  return std::string(s);
}

TEST_CASE("json writer escapes quotes backslashes and control characters", "[core][json_writer]") {
  CHECK(json_quoted("plain") == "\"plain\"");
  CHECK(json_quoted("") == "\"\"");
  CHECK(json_quoted("a\"b") == "\"a\\\"b\"");
  CHECK(json_quoted("a\\b") == "\"a\\\\b\"");
  CHECK(json_quoted("\b\f\n\r\t") == "\"\\b\\f\\n\\r\\t\"");
  CHECK(json_quoted(std::string("\0", 1)) == "\"\\u0000\"");
  CHECK(json_quoted("\x01\x1f") == "\"\\u0001\\u001f\"");
  CHECK(json_quoted("\x7f") == "\"\x7f\"");
  CHECK(json_quoted("a/b") == "\"a/b\"");
}

TEST_CASE("json writer keeps unicode as it is", "[core][json_writer]") {
  CHECK(json_quoted("h\xC3\xA9 \xF0\x9F\x98\x80 \xE2\x82\xAC") ==
        "\"h\xC3\xA9 \xF0\x9F\x98\x80 \xE2\x82\xAC\"");
}

TEST_CASE("json writer strings read back as the same bytes", "[core][json_writer]") {
  std::string every_ascii;
  for (int c = 0; c < 128; ++c) {
    every_ascii.push_back(static_cast<char>(c));
  }
  for (std::string s : {every_ascii, std::string("\xC3\xA9\"\\\n"), std::string()}) {
    std::string json = json_quoted(s);
    CHECK(is_valid_json(json));
    CHECK(decoded(json) == s);
  }
}

TEST_CASE("json writer writes integers at their limits", "[core][json_writer]") {
  std::string out;
  JsonWriter w(&out);
  w.begin_array()
      .number(std::numeric_limits<int64_t>::min())
      .number(std::numeric_limits<int64_t>::max())
      .number(std::numeric_limits<uint64_t>::max())
      .number(0)
      .number(-1)
      .end_array();
  CHECK(out == "[-9223372036854775808,9223372036854775807,18446744073709551615,0,-1]");
  CHECK(is_valid_json(out));
}

TEST_CASE("json writer writes the shortest double that reads back the same",
          "[core][json_writer]") {
  for (double d : {0.1, 1.0 / 3.0, 1.5, -2.25, 1e300, 1e-300, 5e-324, 1.7976931348623157e308,
                   123456789.125, 0.0, -0.0, 100.0, 2.5e-7}) {
    CAPTURE(d);
    std::string out;
    JsonWriter(&out).number(d);
    CHECK(is_json_number(out));
    CHECK(std::strtod(out.c_str(), nullptr) == d);
    CHECK(std::signbit(std::strtod(out.c_str(), nullptr)) == std::signbit(d));
  }
  std::string out;
  JsonWriter(&out).number(0.1);
  CHECK(out == "0.1");
}

TEST_CASE("json writer writes non-finite doubles as null", "[core][json_writer]") {
  std::string out;
  JsonWriter w(&out);
  w.begin_array()
      .number(std::nan(""))
      .number(std::numeric_limits<double>::infinity())
      .number(-std::numeric_limits<double>::infinity())
      .end_array();
  CHECK(out == "[null,null,null]");
}

TEST_CASE("json writer inserts commas and colons in nested containers", "[core][json_writer]") {
  std::string out;
  JsonWriter w(&out);
  w.begin_object()
      .key("a")
      .begin_array()
      .number(1)
      .begin_object()
      .end_object()
      .begin_array()
      .end_array()
      .string("x")
      .end_array()
      .key("b")
      .null()
      .key("c")
      .begin_object()
      .key("d")
      .boolean(true)
      .key("e")
      .boolean(false)
      .key("")
      .raw("{\"r\":[1,2]}")
      .end_object()
      .key("f")
      .raw("7")
      .end_object();
  CHECK(out ==
        "{\"a\":[1,{},[],\"x\"],\"b\":null,\"c\":{\"d\":true,\"e\":false,\"\":{\"r\":[1,2]}},"
        "\"f\":7}");
  CHECK(is_valid_json(out));
}

TEST_CASE("json writer escapes keys", "[core][json_writer]") {
  std::string out;
  JsonWriter(&out).begin_object().key("a\"b\n").number(1).end_object();
  CHECK(out == "{\"a\\\"b\\n\":1}");
}

TEST_CASE("json writer appends to what the string holds", "[core][json_writer]") {
  std::string out = "prefix ";
  JsonWriter(&out).begin_array().number(1).end_array();
  CHECK(out == "prefix [1]");
  JsonWriter(&out).begin_array().number(2).end_array();
  CHECK(out == "prefix [1][2]");
}

TEST_CASE("json writer checks UTF-8", "[core][json_writer]") {
  CHECK(is_valid_utf8(""));
  CHECK(is_valid_utf8("plain"));
  CHECK(is_valid_utf8("h\xC3\xA9 \xF0\x9F\x98\x80"));
  CHECK_FALSE(is_valid_utf8("\xff"));
  CHECK_FALSE(is_valid_utf8("\xC3"));
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));
  CHECK_FALSE(is_valid_utf8("\xC0\xAF"));
}

} // namespace
} // namespace sluice::core
