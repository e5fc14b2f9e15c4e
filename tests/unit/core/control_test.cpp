#include "core/control.hpp"

#include "core/json_check.hpp"

#include <catch2/catch.hpp>
#include <set>

namespace sluice::core {
namespace {

using namespace control;

struct Parse {
  Parsed kind;
  Record record;
  std::string why;
};

Parse parse(const std::string& line) {
  static simdjson::ondemand::parser parser;
  simdjson::padded_string padded(line);
  Parse p;
  p.kind = parse_control(parser, padded, &p.record, &p.why);
  return p;
}

// Every record sluice makes is one valid control line.
void check_line(const std::string& line) {
  INFO(line);
  CHECK(line.find('\n') == std::string::npos);
  CHECK(may_be_control(line));
  JsonChecker checker;
  simdjson::padded_string padded(line);
  LineShape shape;
  std::string why;
  CHECK(checker.check(padded, CheckLevel::full, &shape, &why));
  CHECK(shape.is_control);
}

TEST_CASE("control start records round-trip", "[core][control]") {
  Start fresh{"postgres://127.0.0.1:5432/shop", "8f3c00000000abcd", std::nullopt, "null"};
  std::string line = make_start(fresh);
  check_line(line);
  CHECK(
      line ==
      R"({"$sluice":{"start":{"source":"postgres://127.0.0.1:5432/shop","run":"8f3c00000000abcd","resume":null,"pos":null}}})");
  auto p = parse(line);
  REQUIRE(p.kind == Parsed::control);
  auto* s = std::get_if<Start>(&p.record);
  REQUIRE(s != nullptr);
  CHECK(s->source == fresh.source);
  CHECK(s->run == fresh.run);
  CHECK_FALSE(s->resume);
  CHECK(s->pos == "null");

  Start resumed{"file:\"odd\"\\name \xC3\xA9", "r2", BarrierId{"71aa", 16},
                R"({"lsn":"0/16B2000","n":[1,2]})"};
  line = make_start(resumed);
  check_line(line);
  p = parse(line);
  REQUIRE(p.kind == Parsed::control);
  s = std::get_if<Start>(&p.record);
  REQUIRE(s != nullptr);
  CHECK(s->source == resumed.source);
  CHECK(s->run == "r2");
  REQUIRE(s->resume);
  CHECK(*s->resume == BarrierId{"71aa", 16});
  CHECK(s->pos == resumed.pos);
}

TEST_CASE("control checkpoint records round-trip", "[core][control]") {
  Checkpoint c{17, "src", "8f3c", "\"0/16B3748\""};
  std::string line = make_checkpoint(c);
  check_line(line);
  CHECK(line == R"({"$sluice":{"checkpoint":17,"source":"src","run":"8f3c","pos":"0/16B3748"}})");
  auto p = parse(line);
  REQUIRE(p.kind == Parsed::control);
  auto* got = std::get_if<Checkpoint>(&p.record);
  REQUIRE(got != nullptr);
  CHECK(got->checkpoint == 17);
  CHECK(got->source == "src");
  CHECK(got->run == "8f3c");
  CHECK(got->pos == "\"0/16B3748\"");
  CHECK(got->id() == BarrierId{"8f3c", 17});

  Checkpoint max{UINT64_MAX, "s", "r", "{\"p\":0,\"o\":12345678901234567890123}"};
  p = parse(make_checkpoint(max));
  REQUIRE(p.kind == Parsed::control);
  CHECK(std::get<Checkpoint>(p.record).checkpoint == UINT64_MAX);
  CHECK(std::get<Checkpoint>(p.record).pos == max.pos);
}

TEST_CASE("control watermark end and abort records round-trip", "[core][control]") {
  for (int64_t ts : {int64_t{1732400000123}, int64_t{0}, int64_t{-5}, INT64_MAX, INT64_MIN}) {
    std::string line = make_watermark({ts});
    check_line(line);
    auto p = parse(line);
    REQUIRE(p.kind == Parsed::control);
    REQUIRE(std::holds_alternative<Watermark>(p.record));
    CHECK(std::get<Watermark>(p.record).ts_ms == ts);
  }
  std::string end = make_end({42});
  check_line(end);
  CHECK(end == R"({"$sluice":{"end":{"checkpoint":42}}})");
  auto p = parse(end);
  REQUIRE(p.kind == Parsed::control);
  CHECK(std::get<End>(p.record).checkpoint == 42);

  std::string abort = make_abort({65, "transform", "line 3: \"id\" is missing\n"});
  check_line(abort);
  p = parse(abort);
  REQUIRE(p.kind == Parsed::control);
  auto& a = std::get<Abort>(p.record);
  CHECK(a.exit == 65);
  CHECK(a.stage == "transform");
  CHECK(a.reason == "line 3: \"id\" is missing\n");
}

TEST_CASE("control schema and unknown records parse", "[core][control]") {
  std::string schema =
      R"({"source":"s","table":"public.orders","columns":[{"name":"id","type":"bigint","key":true}]})";
  auto p = parse(R"({"$sluice":{"schema":)" + schema + "}}");
  REQUIRE(p.kind == Parsed::control);
  REQUIRE(std::holds_alternative<Schema>(p.record));
  CHECK(std::get<Schema>(p.record).json == schema);

  for (std::string line : {R"({"$sluice":{"future":{"x":1}}})", R"({"$sluice":{}})"}) {
    p = parse(line);
    REQUIRE(p.kind == Parsed::control);
    CHECK(std::holds_alternative<Unknown>(p.record));
  }
}

TEST_CASE("control schema records round-trip through make_schema", "[core][control]") {
  std::string schema =
      R"({"source":"s","table":"public.orders","columns":[{"name":"id","type":"bigint","key":true}]})";
  std::string line = make_schema({schema});
  check_line(line);
  CHECK(line == R"({"$sluice":{"schema":)" + schema + "}}");
  auto p = parse(line);
  REQUIRE(p.kind == Parsed::control);
  REQUIRE(std::holds_alternative<Schema>(p.record));
  CHECK(std::get<Schema>(p.record).json == schema);
}

TEST_CASE("control records tolerate whitespace and key order", "[core][control]") {
  auto p = parse(R"(  { "$sluice" : { "run" : "r", "checkpoint" : 3 , "source":"s"} } )");
  REQUIRE(p.kind == Parsed::control);
  CHECK(std::get<Checkpoint>(p.record).checkpoint == 3);
  CHECK(std::get<Checkpoint>(p.record).source == "s");
  // Fields before the kind count too (a tool may sort the keys).
  CHECK(std::get<Checkpoint>(p.record).run == "r");
  p = parse(R"({"$sluice":{"pos":{"lsn":"0/1"},"run":"r9","source":"s","checkpoint":4}})");
  REQUIRE(p.kind == Parsed::control);
  CHECK(std::get<Checkpoint>(p.record).id() == BarrierId{"r9", 4});
  CHECK(std::get<Checkpoint>(p.record).pos == "{\"lsn\":\"0/1\"}");
  p = parse(R"({"$sluice":{"end":{"extra":[1,2],"checkpoint":5}}})");
  REQUIRE(p.kind == Parsed::control);
  CHECK(std::get<End>(p.record).checkpoint == 5);
}

TEST_CASE("control record beside other keys is an event", "[core][control]") {
  CHECK(parse(R"({"$sluice":{"end":{"checkpoint":1}},"x":1})").kind == Parsed::event);
  CHECK(parse(R"({"$sluice":{"checkpoint":2,"run":"r"},"x":{}})").kind == Parsed::event);
  CHECK(parse(R"({"x":1,"$sluice":{}})").kind == Parsed::event);
  CHECK(parse(R"({"a":1})").kind == Parsed::event);
}

TEST_CASE("control malformed records are reported", "[core][control]") {
  for (std::string line : {
           R"({"$sluice":5})",
           R"({"$sluice":"end"})",
           R"({"$sluice":{"checkpoint":"x"}})",
           R"({"$sluice":{"checkpoint":-1}})",
           R"({"$sluice":{"checkpoint":1.5}})",
           R"({"$sluice":{"checkpoint":1,"run":7}})",
           R"({"$sluice":{"end":5}})",
           R"({"$sluice":{"end":{"checkpoint":"x"}}})",
           R"({"$sluice":{"start":5}})",
           R"({"$sluice":{"start":{"resume":5}}})",
           R"({"$sluice":{"start":{"resume":{"run":1}}}})",
           R"({"$sluice":{"start":{"source":1}}})",
           R"({"$sluice":{"watermark":1.5}})",
           R"({"$sluice":{"watermark":"x"}})",
           R"({"$sluice":{"abort":{"exit":"x"}}})",
           R"({"$sluice":{"abort":7}})",
           R"({"$sluice":{}} x)",
           R"({"$sluice":{}}})",
           R"({"$sluice":)",
           R"({"$sluice")",
           R"({"$sluice":{"end":{"checkpoint":1}})",
           "{\"$sluice\":{\"abort\":{\"reason\":\"\xff\"}}}",
           "",
       }) {
    CAPTURE(line);
    auto p = parse(line);
    CHECK(p.kind == Parsed::malformed);
    CHECK(p.why.rfind("malformed control record: ", 0) == 0);
  }
}

TEST_CASE("control may_be_control looks at the first key only", "[core][control]") {
  CHECK(may_be_control(R"({"$sluice":{}})"));
  CHECK(may_be_control(R"({ "$sluice":{}})"));
  CHECK(may_be_control(" \t{\t \"$sluice\" :{}}"));
  CHECK(may_be_control("{\r\"$sluice\":{}}"));
  CHECK(may_be_control(R"({"$sluice")"));
  CHECK_FALSE(may_be_control(R"({"$sluicex":{}})"));
  CHECK_FALSE(may_be_control(R"({"a":1,"$sluice":{}})"));
  CHECK_FALSE(may_be_control(R"({"$sluic)"));
  CHECK_FALSE(may_be_control(R"(["$sluice"])"));
  CHECK_FALSE(may_be_control(""));
  CHECK_FALSE(may_be_control("   "));
  CHECK_FALSE(may_be_control("{"));
  CHECK_FALSE(may_be_control(R"(x{"$sluice":{}})"));
}

TEST_CASE("control run ids are 16 hex digits and differ", "[core][control]") {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string id = new_run_id();
    REQUIRE(id.size() == 16);
    CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
    seen.insert(id);
  }
  CHECK(seen.size() == 100);
}

} // namespace
} // namespace sluice::core
