#include "connectors/postgres/sink_batch.hpp"

#include <catch2/catch.hpp>

namespace sluice::connectors::postgres {
namespace {

SinkEvent event(SinkOp op, int id, std::vector<std::pair<std::string, std::string>> fields = {},
                std::optional<int> order = std::nullopt) {
  SinkEvent e;
  e.op = op;
  e.table = "t";
  e.keys.push_back({"id", {SinkValue::Kind::number, std::to_string(id)}});
  for (auto& [name, value] : fields) {
    e.fields.push_back({name, {SinkValue::Kind::string, value}});
  }
  if (order) {
    e.order = OrderValue{std::to_string(*order), static_cast<long double>(*order)};
  }
  return e;
}

std::string cell(const TableBatch& b, const BatchRow& row, const std::string& column) {
  for (size_t c = 0; c < b.columns().size(); ++c) {
    if (b.columns()[c] == column && c < row.present.size() && row.present[c]) {
      return row.cells[c].text;
    }
  }
  return "-";
}

TEST_CASE("sink batch merges the columns of upserts per key", "[connectors][postgres][sink_batch]") {
  TableBatch b("t", DeleteMode::remove);
  std::optional<Decision> skipped;
  std::string why;
  auto e1 = event(SinkOp::insert, 1, {{"a", "1"}, {"b", "1"}});
  auto e2 = event(SinkOp::update, 1, {{"b", "2"}});
  auto e3 = event(SinkOp::insert, 2, {{"a", "x"}});
  REQUIRE(b.add(e1, 0, &skipped, &why));
  REQUIRE(b.add(e2, 1, &skipped, &why));
  REQUIRE(b.add(e3, 2, &skipped, &why));
  REQUIRE(b.rows().size() == 2);
  const BatchRow& r = b.rows()[0];
  CHECK(r.op == 'u');
  CHECK(r.key_json == R"({"id":1})");
  CHECK(cell(b, r, "a") == "1");
  CHECK(cell(b, r, "b") == "2");
  CHECK(r.events == std::vector<uint32_t>{0, 1});
  CHECK_FALSE(skipped);
}

TEST_CASE("sink batch lets a delete win and replaces after a delete", "[connectors][postgres][sink_batch]") {
  TableBatch b("t", DeleteMode::remove);
  std::optional<Decision> skipped;
  std::string why;
  auto e1 = event(SinkOp::insert, 1, {{"a", "1"}, {"b", "1"}});
  auto e2 = event(SinkOp::remove, 1);
  REQUIRE(b.add(e1, 0, &skipped, &why));
  REQUIRE(b.add(e2, 1, &skipped, &why));
  CHECK(b.rows()[0].op == 'd');
  auto e3 = event(SinkOp::insert, 1, {{"b", "new"}});
  REQUIRE(b.add(e3, 2, &skipped, &why));
  const BatchRow& r = b.rows()[0];
  CHECK(r.op == 'r');
  CHECK(cell(b, r, "a") == "-"); // the deleted row's columns are gone
  CHECK(cell(b, r, "b") == "new");
}

TEST_CASE("sink batch applies soft deletes and ignores deletes as asked",
          "[connectors][postgres][sink_batch]") {
  std::optional<Decision> skipped;
  std::string why;
  TableBatch soft("t", DeleteMode::soft);
  auto d = event(SinkOp::remove, 1);
  REQUIRE(soft.add(d, 0, &skipped, &why));
  CHECK(soft.rows()[0].op == 's');
  auto u = event(SinkOp::update, 1, {{"a", "1"}});
  REQUIRE(soft.add(u, 1, &skipped, &why));
  CHECK(soft.rows()[0].op == 'u');
  TableBatch ignore("t", DeleteMode::ignore);
  auto d2 = event(SinkOp::remove, 1);
  REQUIRE(ignore.add(d2, 0, &skipped, &why));
  CHECK(skipped == Decision::skip_deletes);
  CHECK(ignore.empty());
}

TEST_CASE("sink batch drops changes older than the key's newest", "[connectors][postgres][sink_batch]") {
  TableBatch b("t", DeleteMode::remove);
  std::optional<Decision> skipped;
  std::string why;
  auto e1 = event(SinkOp::remove, 1, {}, 30);
  auto e2 = event(SinkOp::update, 1, {{"a", "old"}}, 20);
  REQUIRE(b.add(e1, 0, &skipped, &why));
  REQUIRE(b.add(e2, 1, &skipped, &why));
  CHECK(skipped == Decision::skip_older);
  CHECK(b.rows()[0].op == 'd');
  CHECK(b.rows()[0].order->text == "30");
}

TEST_CASE("sink batch appends events without keys and refuses mixed key columns",
          "[connectors][postgres][sink_batch]") {
  TableBatch b("t", DeleteMode::remove);
  std::optional<Decision> skipped;
  std::string why;
  SinkEvent plain;
  plain.op = SinkOp::other;
  plain.fields.push_back({"a", {SinkValue::Kind::number, "1"}});
  SinkEvent plain2 = plain;
  REQUIRE(b.add(plain, 0, &skipped, &why));
  REQUIRE(b.add(plain2, 1, &skipped, &why));
  CHECK(b.rows().size() == 2);
  CHECK(b.rows()[0].op == 'a');
  auto keyed = event(SinkOp::insert, 1);
  REQUIRE(b.add(keyed, 2, &skipped, &why));
  SinkEvent other = event(SinkOp::insert, 2);
  other.keys[0].name = "other";
  CHECK_FALSE(b.add(other, 3, &skipped, &why));
  SinkEvent keyless;
  keyless.op = SinkOp::remove;
  CHECK_FALSE(b.add(keyless, 4, &skipped, &why));
  CHECK(why.find("a delete without a key") != std::string::npos);
}

} // namespace
} // namespace sluice::connectors::postgres
