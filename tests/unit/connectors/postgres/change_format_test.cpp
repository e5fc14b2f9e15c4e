#include "connectors/postgres/change_format.hpp"

#include "core/json_check.hpp"

#include <catch2/catch.hpp>

namespace sluice::connectors::postgres {
namespace {

RelationInfo orders() {
  RelationInfo rel;
  rel.oid = 7;
  rel.schema = "public";
  rel.name = "orders";
  rel.columns = {{"id", "", 23, -1, "integer", true},
                 {"status", "", 25, -1, "text", false},
                 {"note", "", 25, -1, "text", false}};
  finish_relation(&rel, "postgres://h:5432/shop");
  return rel;
}

TxnContext txn() { return {0x16B3748, "0/16B3748", 1732400000123, 731}; }

bool is_json(const std::string& s) {
  core::JsonChecker checker;
  simdjson::padded_string padded(s);
  core::LineShape shape;
  std::string why;
  return checker.check(padded, core::CheckLevel::full, &shape, &why);
}

TEST_CASE("change format writes the schema record of a relation", "[connectors][postgres][change_format]") {
  RelationInfo rel = orders();
  CHECK(rel.table == "public.orders");
  CHECK(rel.key_columns == std::vector<size_t>{0});
  CHECK(rel.schema_json ==
        R"({"source":"postgres://h:5432/shop","table":"public.orders","columns":[)"
        R"({"name":"id","type":"integer","key":true},{"name":"status","type":"text","key":false},)"
        R"({"name":"note","type":"text","key":false}]})");
}

TEST_CASE("change format writes an update with its key before after and unchanged values",
          "[connectors][postgres][change_format]") {
  TypeRegistry types;
  ChangeWriter w(types, {}, "postgres://h:5432/shop");
  RelationInfo rel = orders();
  Message m;
  m.kind = MessageKind::update;
  m.old_kind = 'K';
  m.old_tuple = {{'t', "7"}, {'n', {}}, {'n', {}}};
  m.new_tuple = {{'t', "7"}, {'t', "paid"}, {'u', {}}};
  std::string out;
  std::string why;
  REQUIRE(w.write_change(&out, rel, m, txn(), 2, &why));
  CHECK(out == R"({"id":"0/16B3748:2","source":"postgres://h:5432/shop","table":"public.orders",)"
               R"("op":"update","ts":1732400000123,"pos":"0/16B3748","txid":731,"key":{"id":7},)"
               R"("before":{"id":7},"after":{"id":7,"status":"paid"},"unchanged":["note"]})");
  CHECK(is_json(out));
}

TEST_CASE("change format writes inserts deletes and truncates", "[connectors][postgres][change_format]") {
  TypeRegistry types;
  ChangeWriter w(types, {}, "src");
  RelationInfo rel = orders();
  Message ins;
  ins.kind = MessageKind::insert;
  ins.new_tuple = {{'t', "1"}, {'t', "new"}, {'n', {}}};
  std::string out;
  std::string why;
  REQUIRE(w.write_change(&out, rel, ins, txn(), 0, &why));
  CHECK(out.find(R"("op":"insert")") != std::string::npos);
  CHECK(out.find(R"("before":null,"after":{"id":1,"status":"new","note":null})") !=
        std::string::npos);
  out.clear();
  Message del;
  del.kind = MessageKind::remove;
  del.old_kind = 'O';
  del.old_tuple = {{'t', "1"}, {'t', "new"}, {'t', "n"}};
  REQUIRE(w.write_change(&out, rel, del, txn(), 1, &why));
  CHECK(out.find(R"("key":{"id":1},"before":{"id":1,"status":"new","note":"n"},"after":null})") !=
        std::string::npos);
  out.clear();
  w.write_truncate(&out, rel, txn(), 3);
  CHECK(out == R"({"id":"0/16B3748:3","source":"src","table":"public.orders","op":"truncate",)"
               R"("ts":1732400000123,"pos":"0/16B3748","txid":731,"key":null,"before":null,)"
               R"("after":null})");
}

TEST_CASE("change format writes snapshot reads with hashed ids", "[connectors][postgres][change_format]") {
  TypeRegistry types;
  ChangeWriter w(types, {}, "src");
  RelationInfo rel = orders();
  std::string a;
  std::string b;
  std::string why;
  std::vector<TupleValue> row = {{'t', "1"}, {'t', "x"}, {'n', {}}};
  REQUIRE(w.write_read(&a, rel, row, "0/10", R"({"snapshot":"0/10"})", 5, &why));
  REQUIRE(w.write_read(&b, rel, row, "0/10", R"({"snapshot":"0/10"})", 5, &why));
  CHECK(a == b);
  CHECK(a.rfind(R"({"id":"0/10:r:)", 0) == 0);
  CHECK(a.find(R"("op":"read","ts":5,"pos":{"snapshot":"0/10"},"key":{"id":1},"before":null,)") !=
        std::string::npos);
  row[0].data = "2";
  std::string c;
  REQUIRE(w.write_read(&c, rel, row, "0/10", R"({"snapshot":"0/10"})", 5, &why));
  CHECK(c.substr(0, 45) != a.substr(0, 45));
  CHECK(is_json(c));
}

TEST_CASE("change format refuses a tuple of the wrong width", "[connectors][postgres][change_format]") {
  TypeRegistry types;
  ChangeWriter w(types, {}, "src");
  Message m;
  m.kind = MessageKind::insert;
  m.new_tuple = {{'t', "1"}};
  std::string out;
  std::string why;
  CHECK_FALSE(w.write_change(&out, orders(), m, txn(), 0, &why));
  CHECK(why == "a row of public.orders has 1 values for 3 columns");
}

} // namespace
} // namespace sluice::connectors::postgres
