#include "connectors/postgres/pgoutput.hpp"

#include "pg_test_support.hpp"

#include <catch2/catch.hpp>

namespace sluice::connectors::postgres {
namespace {

using test::PgMessage;

Message decode_ok(Decoder& d, const PgMessage& m) {
  Message out;
  std::string why;
  INFO(why);
  REQUIRE(d.decode(m.str(), &out, &why));
  return out;
}

TEST_CASE("pgoutput decodes begin and commit", "[connectors][postgres][pgoutput]") {
  Decoder d;
  Message b = decode_ok(d, PgMessage('B').u64(0x16B3748).u64(100).u32(731));
  CHECK(b.kind == MessageKind::begin);
  CHECK(b.lsn == 0x16B3748);
  CHECK(b.time_us == 100);
  CHECK(b.xid == 731);
  Message c = decode_ok(d, PgMessage('C').u8(0).u64(0x16B3748).u64(0x16B3790).u64(100));
  CHECK(c.kind == MessageKind::commit);
  CHECK(c.lsn == 0x16B3748);
  CHECK(c.end_lsn == 0x16B3790);
}

TEST_CASE("pgoutput decodes a relation with its key columns", "[connectors][postgres][pgoutput]") {
  Decoder d;
  Message r = decode_ok(d, test::relation_message(16384, "orders", 'd',
                                                  {{true, "id", 23}, {false, "note", 25}}));
  CHECK(r.kind == MessageKind::relation);
  CHECK(r.rel.oid == 16384);
  CHECK(r.rel.schema == "public");
  CHECK(r.rel.name == "orders");
  CHECK(r.rel.replica_identity == 'd');
  REQUIRE(r.rel.columns.size() == 2);
  CHECK(r.rel.columns[0].key);
  CHECK(r.rel.columns[1].name == "note");
  CHECK(r.rel.columns[1].type_oid == 25);
  CHECK(r.rel.columns[1].typmod == -1);
}

TEST_CASE("pgoutput decodes inserts updates and deletes with their tuples",
          "[connectors][postgres][pgoutput]") {
  Decoder d;
  // Values are views into the message: it must outlive them.
  PgMessage insert = PgMessage('I').u32(7).u8('N').u16(3).text("1").null().text("x");
  Message i = decode_ok(d, insert);
  CHECK(i.kind == MessageKind::insert);
  CHECK(i.relation == 7);
  REQUIRE(i.new_tuple.size() == 3);
  CHECK(i.new_tuple[0].kind == 't');
  CHECK(i.new_tuple[0].data == "1");
  CHECK(i.new_tuple[1].kind == 'n');

  PgMessage update =
      PgMessage('U').u32(7).u8('K').u16(2).text("1").null().u8('N').u16(2).text("2").unchanged();
  Message u = decode_ok(d, update);
  CHECK(u.kind == MessageKind::update);
  CHECK(u.old_kind == 'K');
  CHECK(u.old_tuple[0].data == "1");
  CHECK(u.new_tuple[1].kind == 'u');

  Message plain = decode_ok(d, PgMessage('U').u32(7).u8('N').u16(1).text("3"));
  CHECK(plain.old_kind == 0);
  CHECK(plain.old_tuple.empty());

  Message del = decode_ok(d, PgMessage('D').u32(7).u8('O').u16(1).text("3"));
  CHECK(del.kind == MessageKind::remove);
  CHECK(del.old_kind == 'O');
  CHECK(del.new_tuple.empty());
}

TEST_CASE("pgoutput decodes truncates of several relations", "[connectors][postgres][pgoutput]") {
  Decoder d;
  Message t = decode_ok(d, PgMessage('T').u32(2).u8(1).u32(7).u32(8));
  CHECK(t.kind == MessageKind::truncate);
  CHECK(t.truncate_options == 1);
  CHECK(t.relations == std::vector<uint32_t>{7, 8});
}

TEST_CASE("pgoutput reads the xid of changes inside a streamed block",
          "[connectors][postgres][pgoutput]") {
  Decoder d;
  Message s = decode_ok(d, PgMessage('S').u32(900).u8(1));
  CHECK(s.kind == MessageKind::stream_start);
  CHECK(s.first_segment);
  CHECK(d.in_stream());
  Message i = decode_ok(d, PgMessage('I').u32(901).u32(7).u8('N').u16(1).text("1"));
  CHECK(i.xid == 901);
  CHECK(i.relation == 7);
  decode_ok(d, PgMessage('E'));
  CHECK_FALSE(d.in_stream());
  Message c = decode_ok(d, PgMessage('c').u32(900).u8(0).u64(10).u64(20).u64(30));
  CHECK(c.kind == MessageKind::stream_commit);
  CHECK(c.end_lsn == 20);
  Message a = decode_ok(d, PgMessage('A').u32(900).u32(901));
  CHECK(a.kind == MessageKind::stream_abort);
  CHECK(a.subxid == 901);
}

TEST_CASE("pgoutput reports truncated unknown and padded messages",
          "[connectors][postgres][pgoutput]") {
  Decoder d;
  Message out;
  std::string why;
  CHECK_FALSE(d.decode("", &out, &why));
  CHECK_FALSE(d.decode(PgMessage('B').u64(1).str(), &out, &why));
  CHECK(why.find("truncated") != std::string::npos);
  CHECK_FALSE(d.decode(PgMessage('Z').str(), &out, &why));
  CHECK(why.find("unknown") != std::string::npos);
  CHECK_FALSE(d.decode(PgMessage('I').u32(7).u8('N').u16(1).u8('x').str(), &out, &why));
  CHECK_FALSE(d.decode(PgMessage('I').u32(7).u8('N').u16(1).u8('t').u32(10).str(), &out, &why));
  CHECK_FALSE(d.decode(PgMessage('E').u8(1).str(), &out, &why));
  CHECK(why.find("trailing") != std::string::npos);
  CHECK_FALSE(d.decode(PgMessage('R').u32(1).str() + "public", &out, &why));
}

TEST_CASE("pgoutput commit times convert to epoch milliseconds", "[connectors][postgres][pgoutput]") {
  CHECK(pg_time_to_epoch_ms(0) == 946684800000);
  CHECK(pg_time_to_epoch_ms(1500) == 946684800001);
  CHECK(pg_time_to_epoch_ms(-946684800000000 - 1500) == -2);
}

} // namespace
} // namespace sluice::connectors::postgres
