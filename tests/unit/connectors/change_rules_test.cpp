#include "connectors/change_rules.hpp"

#include <catch2/catch.hpp>

namespace sluice::connectors {
namespace {

bool order_of(const std::string& json, OrderValue* out, std::string* why) {
  simdjson::padded_string padded(json);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  REQUIRE(parser.iterate(padded).get(doc) == simdjson::SUCCESS);
  core::JsonPath path;
  std::string ignored;
  REQUIRE(core::JsonPath::parse("o", &path, &ignored));
  return read_order(doc, path, out, why);
}

TEST_CASE("change rules parse the delete modes", "[connectors][change_rules]") {
  DeleteMode m = DeleteMode::ignore;
  std::string why;
  CHECK(parse_delete_mode("delete", &m, &why));
  CHECK(m == DeleteMode::remove);
  CHECK(parse_delete_mode("soft", &m, &why));
  CHECK(m == DeleteMode::soft);
  CHECK(parse_delete_mode("ignore", &m, &why));
  CHECK(m == DeleteMode::ignore);
  CHECK_FALSE(parse_delete_mode("hard", &m, &why));
  CHECK(why == "invalid --delete-mode \"hard\" (expected delete, soft or ignore)");
}

TEST_CASE("change rules read numbers times and LSNs as ordering values",
          "[connectors][change_rules]") {
  OrderValue v;
  std::string why;
  REQUIRE(order_of(R"({"o":42})", &v, &why));
  CHECK(v.text == "42");
  REQUIRE(order_of(R"({"o":1.5e3})", &v, &why));
  CHECK(v.text == "1.5e3");
  CHECK(v.number == 1500);
  REQUIRE(order_of(R"({"o":"2024-11-24T00:00:01Z"})", &v, &why));
  CHECK(v.text == "1732406401000");
  REQUIRE(order_of(R"({"o":"1/0"})", &v, &why));
  CHECK(v.text == "4294967296");
  CHECK_FALSE(order_of(R"({"o":"soon"})", &v, &why));
  CHECK(why.find("not a number, an RFC 3339 time or an LSN") != std::string::npos);
  CHECK_FALSE(order_of(R"({"o":true})", &v, &why));
  CHECK_FALSE(order_of(R"({"p":1})", &v, &why));
  CHECK(why == "--if-newer field \"o\" is missing");
}

TEST_CASE("change rules apply a change unless it is older or an ignored delete",
          "[connectors][change_rules]") {
  OrderValue old{"10", 10};
  OrderValue mid{"20", 20};
  CHECK(decide(ChangeKind::upsert, DeleteMode::remove, &mid, &old) == Decision::apply);
  CHECK(decide(ChangeKind::upsert, DeleteMode::remove, &old, &mid) == Decision::skip_older);
  CHECK(decide(ChangeKind::remove, DeleteMode::remove, &old, &old) == Decision::apply);
  CHECK(decide(ChangeKind::remove, DeleteMode::ignore, &mid, &old) == Decision::skip_deletes);
  CHECK(decide(ChangeKind::upsert, DeleteMode::soft, &old, nullptr) == Decision::apply);
  CHECK(decide(ChangeKind::upsert, DeleteMode::soft, nullptr, &mid) == Decision::apply);
  CHECK(compare_order(old, mid) < 0);
  CHECK(compare_order(mid, mid) == 0);
}

} // namespace
} // namespace sluice::connectors
