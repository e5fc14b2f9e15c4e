// The record format of a state journal (core/state_journal.hpp): one saved
// version of an operator's state, tagged with the barrier it belongs to.
//
//   fixed header, 40 bytes, little-endian:
//     magic "SLJ1" | kind u8 (1 snapshot, 2 delta) | 3 zero bytes |
//     run length u32 | sides length u32 | payload length u64 | seq u64 | checkpoint u64
//   run id bytes | sides (per side file: path length u32, path, size u64)
//   XXH64 of everything above (u64)
//   payload | XXH64 of the payload (u64)
//
// The header has its own checksum, so a scan can trust a payload length and skip
// the payload without reading it. Pure functions; thread-safe; never throw
// except bad_alloc.
#pragma once

#include "core/control.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::core {

// A side file's size at a barrier, by absolute path.
struct SideSize {
  std::string path;
  uint64_t size = 0;
  bool operator==(const SideSize&) const = default;
};

struct RecordHeader {
  bool snapshot = false;
  uint64_t seq = 0; // position in the journal, counting up across segments
  control::BarrierId barrier;
  std::vector<SideSize> sides;
  uint64_t payload_size = 0;
};

constexpr size_t k_record_fixed_size = 40;

// The header bytes (fixed part, run, sides, header checksum) of a record.
std::string encode_record_header(const RecordHeader& header);
// A whole record.
std::string encode_record(const RecordHeader& header, std::string_view payload);
uint64_t payload_checksum(std::string_view payload);

enum class RecordRead {
  ok,        // *header and *header_size are set
  truncated, // `data` ends inside the record (a torn write at the end of a segment)
  corrupt,   // not a record: bad magic, kind or checksum
};

// Reads the header of the record at the start of `data`.
RecordRead decode_record_header(std::string_view data, RecordHeader* header, size_t* header_size);

// Bytes of a record with this header size and payload: header + payload + checksum.
inline uint64_t record_size(size_t header_size, uint64_t payload_size) {
  return header_size + payload_size + 8;
}

void put_u32(std::string* out, uint32_t v);
void put_u64(std::string* out, uint64_t v);
uint32_t get_u32(const char* p);
uint64_t get_u64(const char* p);

} // namespace sluice::core
