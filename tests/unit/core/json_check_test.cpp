#include "core/json_check.hpp"

#include <catch2/catch.hpp>
#include <string>

namespace sluice::core {
namespace {

struct Result {
  bool ok;
  std::string why;
  bool is_control;
};

Result check(const std::string& line, CheckLevel level) {
  static JsonChecker checker;
  simdjson::padded_string padded(line);
  LineShape shape;
  std::string why;
  bool ok = checker.check(padded, level, &shape, &why);
  return {ok, why, shape.is_control};
}

std::string nested(int depth) {
  std::string s = "{\"a\":";
  for (int i = 1; i < depth; ++i) {
    s += "[";
  }
  s += "1";
  for (int i = 1; i < depth; ++i) {
    s += "]";
  }
  return s + "}";
}

const CheckLevel k_levels[] = {CheckLevel::object, CheckLevel::full};

TEST_CASE("json check accepts one object at both levels", "[core][json_check]") {
  for (auto level : k_levels) {
    for (std::string line :
         {"{}", "{\"a\":1}", " {\"a\":[1,{\"b\":null}],\"c\":\"d\"} ", "{\"a\":1}\r",
          "{\"big\":123456789012345678901234567890}", "{\"huge\":1e999}", "{\"n\":-0.5e+3}",
          "{\"s\":\"\\u00e9\\n\\\"\\\\\\/\"}", "{\"u\":\"h\xC3\xA9 \xF0\x9F\x98\x80\"}",
          "{\"t\":true,\"f\":false,\"z\":null}", "{\"e\":{},\"a\":[]}"}) {
      CAPTURE(line, level == CheckLevel::full);
      auto r = check(line, level);
      CHECK(r.ok);
      CHECK(r.why.empty());
      CHECK_FALSE(r.is_control);
    }
  }
}

TEST_CASE("json check names trailing content after the object", "[core][json_check]") {
  for (auto level : k_levels) {
    for (std::string line : {"{\"a\":1} x", "{\"a\":1}}", "{\"a\":1} {\"b\":2}", "{\"a\":{}}x",
                             "{\"a\":1}]", "{\"a\":1} \"x\"", "{\"a\":\"}\"} 1"}) {
      CAPTURE(line, level == CheckLevel::full);
      auto r = check(line, level);
      CHECK_FALSE(r.ok);
      CHECK(r.why == "trailing content after the object");
    }
  }
}

TEST_CASE("json check names a cut-off object", "[core][json_check]") {
  for (auto level : k_levels) {
    for (std::string line :
         {"{\"a\":1", "{\"a\":{\"b\":1}", "{\"a\":[1,2", "{\"a\":", "{", "{\"a\":{\"b\":\"}\"}"}) {
      CAPTURE(line, level == CheckLevel::full);
      auto r = check(line, level);
      CHECK_FALSE(r.ok);
      CHECK(r.why == "incomplete object (cut off)");
    }
    auto r = check("{\"a\":\"abc", level);
    CHECK_FALSE(r.ok);
    CHECK(r.why == "unterminated string");
  }
}

TEST_CASE("json check rejects malformed JSON at both levels", "[core][json_check]") {
  for (auto level : k_levels) {
    for (std::string line : {"{\"a\":}", "{\"a\" 1}", "{\"a\":1,}", "{a:1}", "{\"a\":1 2}",
                             "{\"a\":[}", "{,}", "{\"a\":1,,\"b\":2}", "{1:2}"}) {
      CAPTURE(line, level == CheckLevel::full);
      auto r = check(line, level);
      CHECK_FALSE(r.ok);
      CHECK_FALSE(r.why.empty());
    }
  }
}

TEST_CASE("json check rejects a line that is not an object", "[core][json_check]") {
  for (auto level : k_levels) {
    for (std::string line : {"[1]", "1", "\"x\"", "null", "true", "x{\"a\":1}"}) {
      CAPTURE(line, level == CheckLevel::full);
      auto r = check(line, level);
      CHECK_FALSE(r.ok);
      CHECK(r.why == "not a JSON object");
    }
    auto r = check("", level);
    CHECK_FALSE(r.ok);
    CHECK(r.why == "empty line");
  }
}

TEST_CASE("json check rejects invalid UTF-8 anywhere at both levels", "[core][json_check]") {
  for (auto level : k_levels) {
    for (std::string line :
         {"{\"a\":\"\xff\"}", "{\"\xC3\":1}", "{\"a\":\"\xED\xA0\x80\"}", "{\"a\":\"\xC0\xAF\"}",
          "{\"a\":1,\"b\":[\"ok\",\"\xF5\x80\x80\x80\"]}"}) {
      CAPTURE(level == CheckLevel::full);
      auto r = check(line, level);
      CHECK_FALSE(r.ok);
      CHECK(r.why == "invalid UTF-8");
    }
  }
}

TEST_CASE("json check rejects NUL bytes", "[core][json_check]") {
  for (auto level : k_levels) {
    CAPTURE(level == CheckLevel::full);
    auto in_string = check(std::string("{\"a\":\"x\0y\"}", 11), level);
    CHECK_FALSE(in_string.ok);
    CHECK(in_string.why == "unescaped control character in a string");
    auto after = check(std::string("{\"a\":1}\0", 8), level);
    CHECK_FALSE(after.ok);
    CHECK(after.why == "trailing content after the object");
    auto as_key = check(std::string("{\"a\":1,\0:2}", 11), level);
    CHECK_FALSE(as_key.ok);
    CHECK_FALSE(as_key.why.empty());
    auto alone = check(std::string("\0", 1), level);
    CHECK_FALSE(alone.ok);
  }
}

TEST_CASE("json check rejects a BOM (the line reader drops it first)", "[core][json_check]") {
  auto r = check("\xEF\xBB\xBF{}", CheckLevel::object);
  CHECK_FALSE(r.ok);
}

TEST_CASE("json check rejects deep nesting as bad data without crashing", "[core][json_check]") {
  for (auto level : k_levels) {
    CAPTURE(level == CheckLevel::full);
    CHECK(check(nested(1023), level).ok);
    for (int depth : {1024, 2000, 100000}) {
      CAPTURE(depth);
      auto r = check(nested(depth), level);
      CHECK_FALSE(r.ok);
      CHECK(r.why == "nesting too deep");
    }
    // Unbalanced and huge: must neither crash nor pass.
    auto r = check("{\"a\":" + std::string(1000000, '['), level);
    CHECK_FALSE(r.ok);
  }
}

TEST_CASE("json check does not count brackets inside strings as nesting", "[core][json_check]") {
  std::string line = "{\"s\":\"" + std::string(5000, '[') + "\",\"t\":\"\\\"{{{{\"}";
  for (auto level : k_levels) {
    CHECK(check(line, level).ok);
  }
}

TEST_CASE("json check at full level rejects bad escapes numbers and literals",
          "[core][json_check]") {
  struct Case {
    std::string line;
    std::string why;
  };
  const Case cases[] = {
      {"{\"a\":\"\\x\"}", "invalid string (bad escape or control character)"},
      {"{\"a\":\"\\u12\"}", "invalid string (bad escape or control character)"},
      {"{\"a\":\"\\ud800\"}", "invalid string (bad escape or control character)"},
      {"{\"a\\q\":1}", "invalid string (bad escape or control character)"},
      {"{\"a\":01}", "invalid number"},
      {"{\"a\":1.}", "invalid number"},
      {"{\"a\":-}", "invalid number"},
      {"{\"a\":1e}", "invalid number"},
      {"{\"a\":1e+}", "invalid number"},
      {"{\"a\":0x1}", "invalid number"},
      {"{\"a\":-01}", "invalid number"},
      {"{\"a\":[1,2,01]}", "invalid number"},
      {"{\"a\":tru}", "invalid literal"},
      {"{\"a\":truex}", "invalid literal"},
      {"{\"a\":fals}", "invalid literal"},
      {"{\"a\":nul}", "invalid literal"},
      {"{\"a\":nullx}", "invalid literal"},
      {"{\"a\":{\"b\":[true,nul]}}", "invalid literal"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.line);
    auto full = check(c.line, CheckLevel::full);
    CHECK_FALSE(full.ok);
    CHECK(full.why == c.why);
  }
  for (std::string line : {"{\"a\":+1}", "{\"a\":.5}", "{\"a\":[1,2,]}", "{\"a\":[1 2]}",
                           "{\"a\":Infinity}", "{\"a\":NaN}", "{\"a\":'x'}"}) {
    CAPTURE(line);
    CHECK_FALSE(check(line, CheckLevel::full).ok);
  }
}

TEST_CASE("json check at object level skips the grammar of values", "[core][json_check]") {
  // What operators accept without --strict (DESIGN §5): one balanced object.
  for (std::string line : {"{\"a\":tru}", "{\"a\":01}", "{\"a\":\"\\x\"}", "{\"a\":[1 2]}"}) {
    CAPTURE(line);
    CHECK(check(line, CheckLevel::object).ok);
  }
}

TEST_CASE("json check accepts big integers and huge exponents at full level",
          "[core][json_check]") {
  for (std::string n :
       {"123456789012345678901234567890", "-123456789012345678901234567890", "1e999", "-1E-999",
        "18446744073709551616", "0", "-0", "0.0e0", "1.5E+10"}) {
    CAPTURE(n);
    CHECK(check("{\"n\":" + n + "}", CheckLevel::full).ok);
    CHECK(check("{\"n\":[" + n + "," + n + "]}", CheckLevel::full).ok);
  }
}

TEST_CASE("json check tells control records by their single key", "[core][json_check]") {
  for (auto level : k_levels) {
    CHECK(check("{\"$sluice\":{\"end\":{\"checkpoint\":1}}}", level).is_control);
    CHECK(check("{ \"$sluice\" : {} }", level).is_control);
    CHECK(check("{\"\\u0024sluice\":{}}", level).is_control);
    CHECK_FALSE(check("{\"$sluice\":{},\"x\":1}", level).is_control);
    CHECK_FALSE(check("{\"x\":1,\"$sluice\":{}}", level).is_control);
    CHECK_FALSE(check("{\"$sluicex\":{}}", level).is_control);
  }
}

TEST_CASE("json check document variant leaves the document for rewinding", "[core][json_check]") {
  simdjson::ondemand::parser parser;
  simdjson::padded_string line(std::string("{\"a\":{\"b\":7},\"c\":\"x\"}"));
  simdjson::ondemand::document doc;
  REQUIRE(parser.iterate(line).get(doc) == simdjson::SUCCESS);
  LineShape shape;
  std::string why;
  REQUIRE(check_document(doc, line, CheckLevel::full, &shape, &why));
  doc.rewind();
  int64_t b = 0;
  REQUIRE(doc["a"]["b"].get_int64().get(b) == simdjson::SUCCESS);
  CHECK(b == 7);
}

TEST_CASE("json number grammar follows RFC 8259", "[core][json_check]") {
  for (std::string ok : {"0", "-0", "1", "-1", "10", "1.5", "0.25", "1e5", "1E5", "1e+5", "1e-5",
                         "123456789012345678901234567890", "1e999"}) {
    CAPTURE(ok);
    CHECK(is_json_number(ok));
  }
  for (std::string bad : {"", "-", "+1", "01", "00", "1.", ".5", "1e", "1e+", "0x10", "1.5.5", "1 ",
                          " 1", "NaN", "--1", "1e5e5"}) {
    CAPTURE(bad);
    CHECK_FALSE(is_json_number(bad));
  }
}

TEST_CASE("json errors are described in sluice words", "[core][json_check]") {
  CHECK(describe_json_error(simdjson::UTF8_ERROR) == "invalid UTF-8");
  CHECK(describe_json_error(simdjson::DEPTH_ERROR) == "nesting too deep");
  CHECK(describe_json_error(simdjson::INCOMPLETE_ARRAY_OR_OBJECT) == "incomplete object (cut off)");
  CHECK(describe_json_error(simdjson::T_ATOM_ERROR) == "invalid literal");
  CHECK(describe_json_error(simdjson::TAPE_ERROR).rfind("invalid JSON (", 0) == 0);
}

} // namespace
} // namespace sluice::core
