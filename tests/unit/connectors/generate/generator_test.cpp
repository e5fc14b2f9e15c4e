#include "connectors/generate/generator.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <optional>
#include <set>
#include <simdjson.h>
#include <string>
#include <unordered_map>
#include <vector>

namespace sluice::connectors::generate {
namespace {

std::vector<std::string> generate_lines(const GeneratorOptions& options, size_t n) {
  Generator g(options);
  std::vector<std::string> lines;
  lines.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    std::string line;
    g.write_next(&line);
    lines.push_back(std::move(line));
  }
  return lines;
}

// What the checks need from one line; parse() fails the test on bad JSON.
struct Event {
  std::string id;
  std::string table;
  std::string op;
  std::string pos;
  int64_t ts = 0;
  uint64_t key = 0;
  std::optional<uint64_t> version; // after.version, when after is an object
  std::vector<std::string> fields;
};

Event parse(const std::string& line) {
  static simdjson::dom::parser parser;
  simdjson::dom::object o;
  REQUIRE(parser.parse(line).get(o) == simdjson::SUCCESS);
  Event e;
  for (auto field : o) {
    e.fields.emplace_back(field.key);
  }
  std::string_view text;
  REQUIRE(o["id"].get(text) == simdjson::SUCCESS);
  e.id = text;
  REQUIRE(o["table"].get(text) == simdjson::SUCCESS);
  e.table = text;
  REQUIRE(o["op"].get(text) == simdjson::SUCCESS);
  e.op = text;
  REQUIRE(o["pos"].get(text) == simdjson::SUCCESS);
  e.pos = text;
  REQUIRE(o["ts"].get(e.ts) == simdjson::SUCCESS);
  simdjson::dom::object key;
  REQUIRE(o["key"].get(key) == simdjson::SUCCESS);
  REQUIRE(key.size() == 1);
  REQUIRE((*key.begin()).value.get(e.key) == simdjson::SUCCESS);
  uint64_t version = 0;
  if (o["after"]["version"].get(version) == simdjson::SUCCESS) {
    e.version = version;
  }
  return e;
}

GeneratorOptions messy_options() {
  GeneratorOptions o;
  o.seed = 42;
  o.keys = 300;
  o.tables = {"public.orders", "public.customers"};
  o.dup_rate = 0.1;
  o.disorder = 0.3;
  o.lateness_ms = 500;
  return o;
}

TEST_CASE("the same seed gives the same bytes and another seed other bytes",
          "[connectors][generate]") {
  GeneratorOptions o = messy_options();
  auto a = generate_lines(o, 5000);
  CHECK(a == generate_lines(o, 5000));
  o.seed = 43;
  auto b = generate_lines(o, 5000);
  size_t same = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    same += a[i] == b[i] ? 1 : 0;
  }
  CHECK(same == 0);
}

TEST_CASE("every line is one JSON object with the envelope fields in order",
          "[connectors][generate]") {
  const std::vector<std::string> envelope{"id",  "source", "table",  "op",   "ts",
                                          "pos", "key",    "before", "after"};
  std::set<std::string> ops;
  for (const auto& line : generate_lines(messy_options(), 20000)) {
    Event e = parse(line);
    REQUIRE(e.fields == envelope);
    REQUIRE(e.id.size() == 16);
    REQUIRE(e.id.find_first_not_of("0123456789abcdef") == std::string::npos);
    REQUIRE(e.key >= 1);
    REQUIRE(e.key <= 300);
    REQUIRE(e.version.has_value() == (e.op != "delete"));
    ops.insert(e.op);
  }
  CHECK(ops == std::set<std::string>{"delete", "insert", "update"});
}

TEST_CASE("rows carry the nested order or customer fields and deletes carry the key",
          "[connectors][generate]") {
  simdjson::dom::parser parser;
  bool seen_order = false;
  bool seen_customer = false;
  bool seen_delete = false;
  for (const auto& line : generate_lines(messy_options(), 3000)) {
    simdjson::dom::object o;
    REQUIRE(parser.parse(line).get(o) == simdjson::SUCCESS);
    std::string_view table;
    std::string_view op;
    REQUIRE(o["table"].get(table) == simdjson::SUCCESS);
    REQUIRE(o["op"].get(op) == simdjson::SUCCESS);
    std::string column = table == "public.orders" ? "order_id" : "customer_id";
    uint64_t key = 0;
    REQUIRE(o["key"][column].get(key) == simdjson::SUCCESS);
    if (op == "delete") {
      seen_delete = true;
      uint64_t before = 0;
      REQUIRE(o["before"][column].get(before) == simdjson::SUCCESS);
      CHECK(before == key);
      CHECK(o["after"].is_null());
      continue;
    }
    CHECK(o["before"].is_null());
    simdjson::dom::object after;
    REQUIRE(o["after"].get(after) == simdjson::SUCCESS);
    uint64_t row_key = 0;
    REQUIRE(after[column].get(row_key) == simdjson::SUCCESS);
    CHECK(row_key == key);
    std::string_view text;
    CHECK(after["version"].is_uint64());
    if (table == "public.orders") {
      seen_order = true;
      CHECK(after["customer"]["name"].get(text) == simdjson::SUCCESS);
      CHECK(after["customer"]["email"].get(text) == simdjson::SUCCESS);
      CHECK(after["amount"].is_double());
      REQUIRE(after["status"].get(text) == simdjson::SUCCESS);
      const std::set<std::string_view> statuses{"pending", "paid", "shipped", "delivered",
                                                "cancelled"};
      CHECK(statuses.count(text) == 1);
      simdjson::dom::array items;
      REQUIRE(after["items"].get(items) == simdjson::SUCCESS);
      CHECK(items.size() >= 1);
      CHECK(items.size() <= 3);
      CHECK(items.at(0)["sku"].get(text) == simdjson::SUCCESS);
      CHECK(items.at(0)["qty"].is_uint64());
    } else {
      seen_customer = true;
      for (const char* field : {"name", "email", "country", "phone"}) {
        CHECK(after[field].get(text) == simdjson::SUCCESS);
      }
    }
  }
  CHECK(seen_order);
  CHECK(seen_customer);
  CHECK(seen_delete);
}

TEST_CASE("names carry unicode and strings that need escapes", "[connectors][generate]") {
  GeneratorOptions o;
  std::string all;
  for (const auto& line : generate_lines(o, 2000)) {
    all += line;
    all += '\n';
  }
  // As written in the JSON text: escaped where they must be, raw UTF-8 otherwise.
  for (const char* raw : {"Zoë Müller", "José Álvarez", "李雷", "Ольга Иванова", "🌻",
                          "Dana \\\"DJ\\\" Jones", "ACME\\\\jdoe", "Mary\\nAnn",
                          "Lee\\tChang\\u0001"}) {
    INFO(raw);
    CHECK(all.find(raw) != std::string::npos);
  }
  simdjson::dom::parser parser;
  size_t start = all.find("Lee\\tChang");
  start = all.rfind('\n', start) + 1;
  std::string line = all.substr(start, all.find('\n', start) - start);
  std::string_view name;
  REQUIRE(parser.parse(line)["after"]["customer"]["name"].get(name) == simdjson::SUCCESS);
  CHECK(name == "Lee\tChang\x01");
}

TEST_CASE("ids are unique except duplicates which repeat their original byte for byte",
          "[connectors][generate]") {
  GeneratorOptions o = messy_options();
  o.tables = {"public.orders"};
  o.keys = 10000;
  std::unordered_map<std::string, std::string> by_id;
  uint64_t duplicates = 0;
  for (const auto& line : generate_lines(o, 100000)) {
    std::string id = line.substr(7, 16);
    auto [it, fresh] = by_id.emplace(id, line);
    if (!fresh) {
      ++duplicates;
      REQUIRE(it->second == line);
    }
  }
  double rate = static_cast<double>(duplicates) / static_cast<double>(by_id.size());
  INFO("duplicates per original: " << rate);
  CHECK(rate > 0.09);
  CHECK(rate < 0.11);
}

struct KeyHistory {
  uint64_t version = 0;
  std::string op;
};

TEST_CASE("with disorder each key's versions arrive in order and ts stays within the lateness",
          "[connectors][generate]") {
  GeneratorOptions o = messy_options();
  auto rate = GENERATE(0.0, 50000.0);
  o.rate = rate;
  std::set<std::string> ids;
  std::map<std::pair<std::string, uint64_t>, KeyHistory> keys;
  int64_t max_ts = 0;
  uint64_t late = 0;
  uint64_t reinserts = 0;
  for (const auto& line : generate_lines(o, 100000)) {
    Event e = parse(line);
    REQUIRE(e.ts >= max_ts - o.lateness_ms);
    late += e.ts < max_ts ? 1 : 0;
    max_ts = std::max(max_ts, e.ts);
    if (!ids.insert(e.id).second) {
      continue; // a duplicate
    }
    KeyHistory& h = keys[{e.table, e.key}];
    if (h.op.empty() || h.op == "delete") {
      REQUIRE(e.op == "insert");
    } else {
      REQUIRE(e.op != "insert");
    }
    if (h.op == "delete") {
      ++reinserts;
      REQUIRE(*e.version == h.version + 2); // the delete took one version
    }
    if (e.version) {
      REQUIRE(*e.version > h.version);
      h.version = *e.version;
    }
    h.op = e.op;
  }
  CHECK(late > 1000);
  CHECK(reinserts > 100);
}

TEST_CASE("without disorder or duplicates ts never decreases and pos counts the events",
          "[connectors][generate]") {
  GeneratorOptions o;
  o.tables = {"a", "b.customers"};
  o.rate = GENERATE(0.0, 0.5, 3000.0);
  o.t0_ms = 1000;
  int64_t last = 0;
  uint64_t n = 0;
  for (const auto& line : generate_lines(o, 5000)) {
    Event e = parse(line);
    REQUIRE(e.ts >= last);
    REQUIRE(e.pos == "1000:" + std::to_string(++n));
    last = e.ts;
  }
  int64_t expected = 1000 + (o.rate == 0 ? 4999 : static_cast<int64_t>(4999 * 1000.0 / o.rate));
  CHECK(last == expected);
}

TEST_CASE("the mean line length of the default data is 250 to 350 bytes",
          "[connectors][generate]") {
  GeneratorOptions o;
  o.dup_rate = 0.05;
  o.disorder = 0.1;
  uint64_t bytes = 0;
  const size_t n = 100000;
  for (const auto& line : generate_lines(o, n)) {
    bytes += line.size() + 1;
  }
  double mean = static_cast<double>(bytes) / n;
  INFO("mean line length " << mean);
  CHECK(mean >= 250);
  CHECK(mean <= 350);
}

TEST_CASE("skipping events leaves the generator where writing them would",
          "[connectors][generate]") {
  GeneratorOptions o = messy_options();
  auto full = generate_lines(o, 6000);
  for (size_t skip : {0, 1, 2, 999, 4321}) {
    Generator g(o);
    for (size_t i = 0; i < skip; ++i) {
      g.skip_next();
    }
    CHECK(g.emitted() == skip);
    for (size_t i = skip; i < full.size(); ++i) {
      std::string line;
      g.write_next(&line);
      REQUIRE(line == full[i]);
    }
  }
}

TEST_CASE("many keys follow the same rules as few", "[connectors][generate]") {
  GeneratorOptions o = messy_options();
  o.keys = 3000000; // past the flat array: key states in a hash map
  o.tables = {"public.orders"};
  auto lines = generate_lines(o, 20000);
  CHECK(lines == generate_lines(o, 20000));
  std::set<std::string> ids;
  std::map<uint64_t, std::string> last_op;
  for (const auto& line : lines) {
    Event e = parse(line);
    if (!ids.insert(e.id).second) {
      continue;
    }
    auto [it, first] = last_op.emplace(e.key, e.op);
    REQUIRE((first || it->second == "delete") == (e.op == "insert"));
    it->second = e.op;
  }
  CHECK(last_op.size() > 15000);
}

TEST_CASE("key columns come from the table name", "[connectors][generate]") {
  CHECK(key_column("public.orders") == "order_id");
  CHECK(key_column("customers") == "customer_id");
  CHECK(key_column("shop.stock") == "stock_id");
  CHECK(key_column("a.b.line_items") == "line_item_id");
  CHECK(key_column("s") == "s_id");
}

TEST_CASE("ids differ for every event of a seed", "[connectors][generate]") {
  std::set<uint64_t> ids;
  for (uint64_t g = 0; g < 100000; ++g) {
    ids.insert(change_id(7, g));
  }
  CHECK(ids.size() == 100000);
  CHECK(change_id(7, 1) != change_id(8, 1));
}

} // namespace
} // namespace sluice::connectors::generate
