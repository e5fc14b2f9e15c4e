#include "connectors/postgres/change_stream.hpp"

#include "core/error.hpp"
#include "core/line_writer.hpp"
#include "pg_test_support.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>

namespace sluice::connectors::postgres {
namespace {

using test::PgMessage;

WalMessage wal(const PgMessage& m, uint64_t lsn = 0) {
  WalMessage w;
  w.wal_start = lsn;
  w.size = static_cast<int>(m.str().size() + 25);
  char* p = static_cast<char*>(std::malloc(static_cast<size_t>(w.size)));
  std::memset(p, 0, 25);
  p[0] = 'w';
  std::memcpy(p + 25, m.str().data(), m.str().size());
  w.buffer.reset(p);
  return w;
}

WalMessage keepalive(uint64_t end) {
  WalMessage w;
  w.keepalive = true;
  w.wal_end = end;
  return w;
}

// Collects what the stream emits: events and control records, one string each.
struct Harness {
  TypeRegistry types;
  ChangeWriter writer{types, {}, "src"};
  std::vector<std::string> schemas;
  ChangeStream stream{writer,
                      [](const RelationMessage& m) {
                        RelationInfo rel;
                        rel.oid = m.oid;
                        rel.schema = m.schema;
                        rel.name = m.name;
                        for (const auto& c : m.columns) {
                          rel.columns.push_back({c.name, "", c.type_oid, c.typmod, "t", c.key});
                        }
                        finish_relation(&rel, "src");
                        return rel;
                      },
                      [this](const RelationInfo& rel, core::Emitter&) {
                        schemas.push_back(rel.table);
                      }};
  core::Log log{"test", true};
  core::BadData bad{core::ErrorPolicy{}, log};
  core::LineWriter out{-1, "test"};
  core::Emitter emitter{out, bad};

  bool apply(WalMessage w) { return stream.apply(w, emitter); }
  std::vector<std::string> lines() {
    std::vector<std::string> v;
    std::string buffer = out.buffer();
    size_t start = 0;
    for (size_t nl; (nl = buffer.find('\n', start)) != std::string::npos; start = nl + 1) {
      v.push_back(buffer.substr(start, nl - start));
    }
    return v;
  }
};

PgMessage rel7() { return test::relation_message(7, "t", 'd', {{true, "id", 23}, {false, "v", 25}}); }
PgMessage insert7(const char* id) { return PgMessage('I').u32(7).u8('N').u16(2).text(id).text("x"); }

TEST_CASE("change stream emits changes and moves its position at commits",
          "[connectors][postgres][change_stream]") {
  Harness h;
  h.stream.reset(0x100, std::nullopt);
  REQUIRE(h.apply(wal(PgMessage('B').u64(0x200).u64(0).u32(5))));
  CHECK(h.stream.in_transaction());
  REQUIRE(h.apply(wal(rel7())));
  REQUIRE(h.apply(wal(insert7("1"))));
  REQUIRE(h.apply(keepalive(0x500))); // inside a transaction: no move
  CHECK(h.stream.position() == 0x100);
  REQUIRE(h.apply(wal(PgMessage('C').u8(0).u64(0x200).u64(0x230).u64(0))));
  CHECK_FALSE(h.stream.in_transaction());
  CHECK(h.stream.position() == 0x230);
  REQUIRE(h.apply(keepalive(0x500)));
  CHECK(h.stream.position() == 0x500);
  CHECK(h.schemas == std::vector<std::string>{"public.t"});
  auto lines = h.lines();
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].rfind(R"({"id":"0/200:0")", 0) == 0);
}

TEST_CASE("change stream stops before a transaction committed at or after the stop LSN",
          "[connectors][postgres][change_stream]") {
  Harness h;
  h.stream.reset(0x100, 0x300);
  REQUIRE(h.apply(wal(PgMessage('B').u64(0x200).u64(0).u32(5))));
  REQUIRE(h.apply(wal(rel7())));
  REQUIRE(h.apply(wal(insert7("1"))));
  REQUIRE(h.apply(wal(PgMessage('C').u8(0).u64(0x200).u64(0x230).u64(0))));
  CHECK_FALSE(h.apply(wal(PgMessage('B').u64(0x300).u64(0).u32(6))));
  CHECK(h.stream.is_done());
  CHECK(h.stream.position() == 0x230);
  CHECK(h.lines().size() == 1);

  Harness idle;
  idle.stream.reset(0x100, 0x300);
  REQUIRE(idle.apply(keepalive(0x2ff)));
  CHECK_FALSE(idle.apply(keepalive(0x300)));
  CHECK(idle.stream.is_done());
}

TEST_CASE("change stream buffers streamed transactions until their commit and drops aborts",
          "[connectors][postgres][change_stream]") {
  Harness h;
  h.stream.reset(0x100, std::nullopt);
  REQUIRE(h.apply(wal(PgMessage('S').u32(900).u8(1))));
  // Inside a streamed block the Relation message carries the xid too.
  REQUIRE(h.apply(wal(PgMessage('R').u32(900).u32(7).cstr("public").cstr("t").u8('d').u16(2)
                          .u8(1).cstr("id").u32(23).u32(0xffffffff).u8(0).cstr("v").u32(25)
                          .u32(0xffffffff))));
  REQUIRE(h.apply(wal(PgMessage('I').u32(900).u32(7).u8('N').u16(2).text("1").text("a"))));
  REQUIRE(h.apply(wal(PgMessage('I').u32(901).u32(7).u8('N').u16(2).text("2").text("b"))));
  REQUIRE(h.apply(wal(PgMessage('E'))));
  REQUIRE(h.apply(keepalive(0x900))); // a transaction is buffered: no move
  CHECK(h.stream.position() == 0x100);
  CHECK(h.stream.buffered_bytes() > 0);
  CHECK(h.lines().empty());
  REQUIRE(h.apply(wal(PgMessage('A').u32(900).u32(901)))); // the subtransaction aborted
  REQUIRE(h.apply(wal(PgMessage('c').u32(900).u8(0).u64(0x400).u64(0x430).u64(0))));
  CHECK(h.stream.position() == 0x430);
  CHECK(h.stream.buffered_bytes() == 0);
  auto lines = h.lines();
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find(R"("key":{"id":1})") != std::string::npos);
  CHECK(lines[0].find(R"("txid":900)") != std::string::npos);
}

TEST_CASE("change stream refuses a change before its relation", "[connectors][postgres][change_stream]") {
  Harness h;
  h.stream.reset(0, std::nullopt);
  REQUIRE(h.apply(wal(PgMessage('B').u64(0x200).u64(0).u32(5))));
  CHECK_THROWS_AS(h.apply(wal(insert7("1"))), core::Error);
}

} // namespace
} // namespace sluice::connectors::postgres
