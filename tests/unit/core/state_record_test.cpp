#include "core/state_record.hpp"

#include <catch2/catch.hpp>

namespace sluice::core {
namespace {

RecordHeader sample(bool snapshot) {
  RecordHeader h;
  h.snapshot = snapshot;
  h.seq = 42;
  h.barrier = {"8f3c", 17};
  h.sides = {{"/tmp/dups.ndjson", 1234}, {"/tmp/late", 0}};
  return h;
}

TEST_CASE("state record header reads back what was written", "[core][state_record]") {
  std::string record = encode_record(sample(true), "payload bytes");
  RecordHeader h;
  size_t header_size = 0;
  REQUIRE(decode_record_header(record, &h, &header_size) == RecordRead::ok);
  CHECK(h.snapshot);
  CHECK(h.seq == 42);
  CHECK(h.barrier == control::BarrierId{"8f3c", 17});
  CHECK(h.sides == sample(true).sides);
  CHECK(h.payload_size == 13);
  CHECK(record_size(header_size, h.payload_size) == record.size());
  std::string_view payload(record.data() + header_size, h.payload_size);
  CHECK(payload == "payload bytes");
  CHECK(payload_checksum(payload) == get_u64(record.data() + header_size + h.payload_size));
}

TEST_CASE("state record tells a torn end from damage", "[core][state_record]") {
  std::string record = encode_record(sample(false), "x");
  RecordHeader h;
  size_t n = 0;
  CHECK(decode_record_header(std::string_view(record).substr(0, 3), &h, &n) == RecordRead::truncated);
  CHECK(decode_record_header(std::string_view(record).substr(0, 50), &h, &n) == RecordRead::truncated);
  std::string bad = record;
  bad[30] ^= 1; // the seq: the header checksum no longer matches
  CHECK(decode_record_header(bad, &h, &n) == RecordRead::corrupt);
  bad = record;
  bad[0] = 'X';
  CHECK(decode_record_header(bad, &h, &n) == RecordRead::corrupt);
  bad = record;
  bad[4] = 9; // unknown kind
  CHECK(decode_record_header(bad, &h, &n) == RecordRead::corrupt);
}

TEST_CASE("state record integers are little-endian", "[core][state_record]") {
  std::string out;
  put_u32(&out, 0x01020304);
  put_u64(&out, 0x0102030405060708ull);
  CHECK(out.substr(0, 4) == std::string("\x04\x03\x02\x01", 4));
  CHECK(get_u32(out.data()) == 0x01020304u);
  CHECK(get_u64(out.data() + 4) == 0x0102030405060708ull);
}

} // namespace
} // namespace sluice::core
