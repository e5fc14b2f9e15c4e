#include "ops/transform/transform.hpp"

#include "core/error.hpp"

#include <catch2/catch.hpp>

namespace sluice::ops::transform {
namespace {

using Kind = StepSpec::Kind;

// Collects what the operator emits.
struct Collect : core::Emit {
  std::vector<std::string> lines;
  std::string building;
  void event(std::string_view text) override { lines.emplace_back(text); }
  std::string &buffer() override { return building; }
  void end_event() override {
    lines.push_back(building);
    building.clear();
  }
  void control(std::string_view text, const core::control::Record &) override {
    lines.emplace_back(text);
  }
};

struct Result {
  bool ok = true;
  std::string out; // the emitted lines joined by \n, or the reason
};

TransformOptions options(std::vector<StepSpec> steps) {
  TransformOptions o;
  o.steps = std::move(steps);
  o.hash_key = "key";
  o.clock = [] { return int64_t{1732406460000}; };
  o.env = [](const std::string &name) -> std::optional<std::string> {
    return name == "HOME_TEAM" ? std::optional<std::string>("blue") : std::nullopt;
  };
  return o;
}

Result run(Transform &t, const std::string &line) {
  simdjson::padded_string padded(line);
  core::Line l;
  l.text = std::string_view(padded.data(), padded.size());
  l.capacity = padded.size() + simdjson::SIMDJSON_PADDING;
  l.number = 1;
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  REQUIRE(parser.iterate(l.padded()).get(doc) == simdjson::SUCCESS);
  Collect c;
  std::string why;
  Result r;
  r.ok = t.on_event(l, doc, nullptr, c, &why);
  if (!r.ok) {
    r.out = why;
    return r;
  }
  for (const auto &s : c.lines) {
    r.out += r.out.empty() ? s : "\n" + s;
  }
  return r;
}

std::string apply(std::vector<StepSpec> steps, const std::string &line) {
  Transform t(options(std::move(steps)));
  Result r = run(t, line);
  return r.ok ? r.out : "bad: " + r.out;
}

const std::string k_event =
    R"({"id":"e1","op":"update","ts":1732406400000,"key":{"order_id":7},"before":null,)"
    R"("after":{"order_id":7,"customer":{"name":"Zo\u00eb","email":"zoe@web.de"},"amount":64.0,)"
    R"("items":[{"sku":"P1","card":"4111 1111 1111 1111"},{"sku":"P2"}]}})";

TEST_CASE("transform with no steps passes events through unchanged", "[ops][transform]") {
  CHECK(apply({}, k_event) == k_event);
}

TEST_CASE("transform where keeps or drops and writes the line as it came", "[ops][transform]") {
  CHECK(apply({{Kind::where, {"after.amount >= 64"}}}, k_event) == k_event);
  CHECK(apply({{Kind::where, {"after.amount > 64"}}}, k_event).empty());
  CHECK(apply({{Kind::where, {"op != \"delete\""}}, {Kind::where, {"exists(after.items)"}}},
              k_event) == k_event);
}

TEST_CASE("transform assert refuses an event with the expression", "[ops][transform]") {
  CHECK(apply({{Kind::assert_, {"after.amount < 10"}}}, k_event) ==
        "bad: assertion failed: after.amount < 10");
  CHECK(apply({{Kind::where, {"after.amount * \"x\" > 1"}}}, k_event) ==
        "bad: --where after.amount * \"x\" > 1: cannot multiply a number and a string (column 14)");
}

TEST_CASE("transform select builds objects in the order given", "[ops][transform]") {
  CHECK(
      apply({{Kind::select,
              {"ts", "id", "amount=after.amount", "c.mail=after.customer.email", "nope",
               "after.order_id"}}},
            k_event) ==
      R"({"ts":1732406400000,"id":"e1","amount":64.0,"c":{"mail":"zoe@web.de"},"after":{"order_id":7}})");
  CHECK(apply({{Kind::select, {"skus=after.items[*].sku", "cards=after.items[*].card"}}},
              k_event) == R"({"skus":["P1","P2"],"cards":["4111 1111 1111 1111"]})");
  CHECK(apply({{Kind::select, {"x.y", "z"}}}, k_event) == "{}");
  CHECK_THROWS_AS(Transform(options({{Kind::select, {"items[*].sku"}}})), core::Error);
  CHECK_THROWS_AS(Transform(options({{Kind::select, {"id", "id"}}})), core::Error);
}

TEST_CASE("transform drop takes fields out with their commas", "[ops][transform]") {
  CHECK(apply({{Kind::drop, {"id"}}}, R"({"id":1,"b":2})") == R"({"b":2})");
  CHECK(apply({{Kind::drop, {"b"}}}, R"({"id":1,"b":2})") == R"({"id":1})");
  CHECK(apply({{Kind::drop, {"a", "b"}}}, R"({"a":1, "b":2 , "c":3})") == R"({"c":3})");
  CHECK(apply({{Kind::drop, {"a", "c"}}}, R"({"a":1,"b":2,"c":3})") == R"({"b":2})");
  CHECK(apply({{Kind::drop, {"a", "b", "c"}}}, R"({"a":1,"b":2,"c":3})") == R"({})");
  CHECK(apply({{Kind::drop, {"a", "a.b"}}}, R"({"a":{"b":1},"c":3})") == R"({"c":3})");
  CHECK(apply({{Kind::drop, {"items[*].card"}}},
              R"({"items":[{"card":1,"x":2},{"x":3},{"card":4}]})") ==
        R"({"items":[{"x":2},{"x":3},{}]})");
  CHECK(apply({{Kind::drop, {"items[0]"}}}, R"({"items":[1,2,3]})") == R"({"items":[2,3]})");
  CHECK(apply({{Kind::drop, {"nope"}}}, k_event) == k_event);
}

TEST_CASE("transform rename moves keys in place or elsewhere", "[ops][transform]") {
  CHECK(apply({{Kind::rename, {"a=b"}}}, R"({"a":1,"c":2})") == R"({"b":1,"c":2})");
  CHECK(apply({{Kind::rename, {"a=c"}}}, R"({"a":1,"c":2})") == R"({"c":1})");
  CHECK(apply({{Kind::rename, {"c=a"}}}, R"({"a":1,"c":2})") == R"({"a":2})");
  CHECK(apply({{Kind::rename, {"x.a=y.b"}}}, R"({"x":{"a":1},"z":0})") ==
        R"({"x":{},"z":0,"y":{"b":1}})");
  CHECK(apply({{Kind::rename, {"x.a=x.q.r"}}}, R"({"x":{"a":1}})") == R"({"x":{"q":{"r":1}}})");
  CHECK(apply({{Kind::rename, {"nope=x"}}}, R"({"a":1})") == R"({"a":1})");
  CHECK_THROWS_AS(Transform(options({{Kind::rename, {"a=a.b"}}})), core::Error);
  CHECK_THROWS_AS(Transform(options({{Kind::rename, {"a[*]=b"}}})), core::Error);
}

TEST_CASE("transform set writes values in place or creates the path", "[ops][transform]") {
  CHECK(apply({{Kind::set, {"after.amount=after.amount * 2"}}},
              R"({"after":{"amount":64.0,"x":1}})") == R"({"after":{"amount":128,"x":1}})");
  CHECK(apply({{Kind::set, {"a.b.c=concat(\"x\", 1)"}}}, R"({"z":1})") ==
        R"({"z":1,"a":{"b":{"c":"x1"}}})");
  CHECK(apply({{Kind::set, {"a.b=1"}}}, R"({"a":null})") == R"({"a":{"b":1}})");
  CHECK(apply({{Kind::set, {"a.b=1"}}}, R"({"a":{}})") == R"({"a":{"b":1}})");
  CHECK(apply({{Kind::set, {"x=y"}}}, R"({})") == R"({"x":null})");
  CHECK(apply({{Kind::set, {"x=\"tab\\there\""}}}, R"({})") == R"({"x":"tab\there"})");
  CHECK(apply({{Kind::set, {"team=env(\"HOME_TEAM\")"}}, {Kind::set, {"t=now()"}}}, R"({})") ==
        R"({"team":"blue","t":1732406460000})");
  CHECK(apply({{Kind::set, {"a.b=1"}}}, R"({"a":"s"})") ==
        "bad: --set: cannot set a.b: a is a string");
  CHECK(apply({{Kind::set, {"a[3]=1"}}}, R"({"a":[1]})") ==
        "bad: --set: cannot set a[3]: a has no such element");
}

TEST_CASE("transform hash mask null and redact replace values", "[ops][transform]") {
  std::string hashed = apply({{Kind::hash, {"after.customer.email", "after.none"}}}, k_event);
  // HMAC-SHA256("key", "zoe@web.de"), as openssl dgst -sha256 -hmac key prints it.
  CHECK(hashed.find(R"("email":"7f8f6f2d)") == std::string::npos);
  CHECK(hashed.size() == k_event.size() - 10 + 64);
  CHECK(apply({{Kind::mask, {"s", "n:keep-last=2", "o"}}},
              R"({"s":"Zoë Mü","n":123456,"o":{"a":"xy","b":[1,true,null]},"z":null})") ==
        R"({"s":"******","n":"****56","o":{"a":"**","b":["*",true,null]},"z":null})");
  CHECK(apply({{Kind::null, {"a", "b[*].c"}}}, R"({"a":1,"b":[{"c":2},{"d":3}]})") ==
        R"({"a":null,"b":[{"c":null},{"d":3}]})");
  CHECK(apply({{Kind::redact, {"card"}}}, k_event).find("\"card\":\"[card]\"") !=
        std::string::npos);
  CHECK(apply({{Kind::redact, {"email"}}, {Kind::redact, {"ipv4"}}},
              R"({"m":"mail a.b@x.org from 10.0.0.1, not 999.1.1.1","k":["c@d.io"]})") ==
        R"({"m":"mail [email] from [ipv4], not 999.1.1.1","k":["[email]"]})");
  CHECK(apply({{Kind::redact, {"phone"}}}, R"({"m":"call +49 555 1234 or 12"})") ==
        R"({"m":"call [phone] or 12"})");
  CHECK(apply({{Kind::redact, {"\\bsecret\\w*"}}}, R"({"m":"a secrets\nb"})") ==
        R"({"m":"a [redacted]\nb"})");
}

TEST_CASE("transform unwrap and flatten reshape the event", "[ops][transform]") {
  CHECK(apply({{Kind::unwrap, {"after"}}}, R"({"id":"e","after":{"a":1}})") == R"({"a":1})");
  TransformOptions meta = options({{Kind::unwrap, {"after"}}});
  meta.keep_meta = true;
  Transform t(meta);
  CHECK(run(t, R"({"id":"e","op":"insert","ts":5,"after":{"a":1,"id":9}})").out ==
        R"({"op":"insert","ts":5,"a":1,"id":9})");
  CHECK(run(t, R"({"id":"e","op":"delete","after":null})").out ==
        "--unwrap after: after is null, not an object");
  CHECK(apply({{Kind::flatten, {}}}, R"({"a":{"b":{"c":1},"d":[{"e":2}]},"f":{},"g":"x"})") ==
        R"({"a.b.c":1,"a.d":[{"e":2}],"f":{},"g":"x"})");
  CHECK(apply({{Kind::flatten, {}}}, R"({"a":{"b":1},"a.b":2})") ==
        "bad: --flatten: two fields flatten to the same name \"a.b\"");
}

TEST_CASE("transform steps see the result of the steps before", "[ops][transform]") {
  CHECK(apply({{Kind::set, {"n=1"}},
               {Kind::set, {"m=n + 1"}},
               {Kind::where, {"m == 2"}},
               {Kind::select, {"m"}}},
              R"({"a":0})") == R"({"m":2})");
  CHECK(apply({{Kind::rename, {"a=b"}}, {Kind::where, {"exists(a)"}}}, R"({"a":0})").empty());
}

TEST_CASE("transform refuses paths and expressions that cannot work", "[ops][transform]") {
  CHECK_THROWS_AS(Transform(options({{Kind::where, {"a >"}}})), core::Error);
  CHECK_THROWS_AS(Transform(options({{Kind::set, {"a"}}})), core::Error);
  CHECK_THROWS_AS(Transform(options({{Kind::set, {"a[*]=1"}}})), core::Error);
  CHECK_THROWS_AS(Transform(options({{Kind::drop, {"a..b"}}})), core::Error);
  CHECK_THROWS_AS(Transform(options({{Kind::mask, {"a:keep-last=x"}}})), core::Error);
  CHECK_THROWS_AS(Transform(options({{Kind::redact, {"("}}})), core::Error);
  try {
    Transform t(options({{Kind::where, {"after.amount > )"}}}));
    FAIL("no error");
  } catch (const core::Error &e) {
    CHECK(e.code() == core::ExitCode::usage);
    CHECK(std::string(e.what()) == "--where: expected a value, found ')' at column 16\n  "
                                   "after.amount > )\n                 ^");
  }
}

TEST_CASE("transform rewrites schema records step by step", "[ops][transform]") {
  std::string schema =
      R"({"source":"s","table":"t","columns":[{"name":"id","type":"bigint","key":true},{"name":"email","type":"text"}]})";
  std::string line = R"({"$sluice":{"schema":)" + schema + "}}";
  auto rewrite = [&](std::vector<StepSpec> steps) {
    Transform t(options(std::move(steps)));
    Collect c;
    core::Line l;
    l.text = line;
    t.on_control(l, core::control::Schema{schema}, c);
    return c.lines.at(0);
  };
  CHECK(rewrite({{Kind::where, {"true"}}}) == line);
  CHECK(
      rewrite({{Kind::hash, {"after.id"}}}) ==
      R"({"$sluice":{"schema":{"source":"s","table":"t","columns":[{"name":"id","type":"text","key":true},{"name":"email","type":"text"}]}}})");
  CHECK(
      rewrite({{Kind::unwrap, {"after"}},
               {Kind::rename, {"email=mail"}},
               {Kind::set, {"n=len(mail)"}}}) ==
      R"({"$sluice":{"schema":{"source":"s","table":"t","columns":[{"name":"id","type":"bigint","key":true},{"name":"mail","type":"text"},{"name":"n","type":"bigint"}]}}})");
}

TEST_CASE("transform redact retypes the columns whose strings it may change", "[ops][transform]") {
  std::string schema =
      R"x({"table":"t","columns":[{"name":"id","type":"uuid"},{"name":"ip","type":"inet"},)x"
      R"x({"name":"at","type":"timestamp with time zone"},{"name":"name","type":"character varying(20)"},)x"
      R"x({"name":"n","type":"numeric(10,2)"},{"name":"tags","type":"text[]"}]})x";
  auto types = [&](const std::string &pattern) {
    Transform t(options({{Kind::redact, {pattern}}}));
    Collect c;
    core::Line l;
    std::string line = R"x({"$sluice":{"schema":)x" + schema + "}}";
    l.text = line;
    t.on_control(l, core::control::Schema{schema}, c);
    std::string out;
    for (const char *name : {"id", "ip", "at", "name", "n", "tags"}) {
      size_t at = c.lines.at(0).find(std::string("\"name\":\"") + name + "\",\"type\":");
      REQUIRE(at != std::string::npos);
      size_t begin = c.lines.at(0).find(':', at + 8) + 1;
      out += c.lines.at(0).substr(begin, c.lines.at(0).find('}', begin) - begin) + " ";
    }
    return out;
  };
  CHECK(types("email") ==
        R"x("uuid" "inet" "timestamp with time zone" "character varying(20)" "numeric(10,2)" "text[]" )x");
  CHECK(types("ipv4") ==
        R"x("uuid" "text" "timestamp with time zone" "character varying(20)" "numeric(10,2)" "text[]" )x");
  CHECK(types("[0-9]+") ==
        R"x("text" "text" "text" "character varying(20)" "numeric(10,2)" "text[]" )x");
}

} // namespace
} // namespace sluice::ops::transform
