#include "core/state_record.hpp"

#include <xxhash.h>

namespace sluice::core {
namespace {

constexpr std::string_view k_magic = "SLJ1";
constexpr uint8_t k_snapshot = 1;
constexpr uint8_t k_delta = 2;
// Sanity bounds for lengths read from disk, so garbage cannot ask for gigabytes.
constexpr uint32_t k_max_run = 1024;
constexpr uint32_t k_max_sides = 1 << 20;

} // namespace

void put_u32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}

void put_u64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) {
    out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}

uint32_t get_u32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) {
    v = (v << 8) | static_cast<unsigned char>(p[i]);
  }
  return v;
}

uint64_t get_u64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) {
    v = (v << 8) | static_cast<unsigned char>(p[i]);
  }
  return v;
}

uint64_t payload_checksum(std::string_view payload) {
  return XXH64(payload.data(), payload.size(), 0);
}

std::string encode_record_header(const RecordHeader& h) {
  std::string sides;
  for (const auto& s : h.sides) {
    put_u32(&sides, static_cast<uint32_t>(s.path.size()));
    sides += s.path;
    put_u64(&sides, s.size);
  }
  std::string out(k_magic);
  out.push_back(static_cast<char>(h.snapshot ? k_snapshot : k_delta));
  out.append(3, '\0');
  put_u32(&out, static_cast<uint32_t>(h.barrier.run.size()));
  put_u32(&out, static_cast<uint32_t>(sides.size()));
  put_u64(&out, h.payload_size);
  put_u64(&out, h.seq);
  put_u64(&out, h.barrier.checkpoint);
  out += h.barrier.run;
  out += sides;
  put_u64(&out, XXH64(out.data(), out.size(), 0));
  return out;
}

std::string encode_record(const RecordHeader& header, std::string_view payload) {
  RecordHeader h = header;
  h.payload_size = payload.size();
  std::string out = encode_record_header(h);
  out.append(payload);
  put_u64(&out, payload_checksum(payload));
  return out;
}

RecordRead decode_record_header(std::string_view data, RecordHeader* h, size_t* header_size) {
  if (data.size() < k_record_fixed_size) {
    return data.substr(0, std::min(data.size(), k_magic.size())) ==
                   k_magic.substr(0, std::min(data.size(), k_magic.size()))
               ? RecordRead::truncated
               : RecordRead::corrupt;
  }
  const char* p = data.data();
  auto kind = static_cast<uint8_t>(p[4]);
  if (data.substr(0, 4) != k_magic || (kind != k_snapshot && kind != k_delta)) {
    return RecordRead::corrupt;
  }
  uint32_t run_size = get_u32(p + 8);
  uint32_t sides_size = get_u32(p + 12);
  if (run_size > k_max_run || sides_size > k_max_sides) {
    return RecordRead::corrupt;
  }
  size_t size = k_record_fixed_size + run_size + sides_size + 8;
  if (data.size() < size) {
    return RecordRead::truncated;
  }
  if (XXH64(p, size - 8, 0) != get_u64(p + size - 8)) {
    return RecordRead::corrupt;
  }
  h->snapshot = kind == k_snapshot;
  h->payload_size = get_u64(p + 16);
  h->seq = get_u64(p + 24);
  h->barrier.checkpoint = get_u64(p + 32);
  h->barrier.run.assign(p + k_record_fixed_size, run_size);
  h->sides.clear();
  const char* s = p + k_record_fixed_size + run_size;
  const char* end = s + sides_size;
  while (s < end) {
    if (end - s < 4) {
      return RecordRead::corrupt;
    }
    uint32_t n = get_u32(s);
    if (static_cast<size_t>(end - s) < 4 + static_cast<size_t>(n) + 8) {
      return RecordRead::corrupt;
    }
    h->sides.push_back({std::string(s + 4, n), get_u64(s + 4 + n)});
    s += 4 + n + 8;
  }
  *header_size = size;
  return RecordRead::ok;
}

} // namespace sluice::core
