// libFuzzer target: the line reader and the line check of every stage that
// reads NDJSON (`make fuzz`). The first byte picks the read size and the line
// limit; every line must be reported (as a line or as too long) and checked
// at both levels without a crash.
#include "core/line_reader.hpp"
#include "core/json_check.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace {

class FuzzSource : public sluice::core::ByteSource {
public:
  FuzzSource(const uint8_t *data, size_t size, size_t chunk)
      : m_data(data), m_size(size), m_chunk(chunk) {}
  size_t read(char *buf, size_t size) override {
    size_t n = std::min({size, m_chunk, m_size - m_pos});
    std::memcpy(buf, m_data + m_pos, n);
    m_pos += n;
    return n;
  }

private:
  const uint8_t *m_data;
  size_t m_size;
  size_t m_chunk;
  size_t m_pos = 0;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) {
    return 0;
  }
  size_t chunk = 1 + data[0] % 97;
  uint64_t limit = 16 + (data[0] >> 2) * 8;
  FuzzSource source(data + 1, size - 1, chunk);
  sluice::core::LineReader reader(source, limit, 64);
  sluice::core::JsonChecker checker;
  sluice::core::Line line;
  uint64_t consumed = 0;
  for (;;) {
    auto status = reader.next(&line);
    if (status == sluice::core::ReadStatus::end) {
      break;
    }
    if (status == sluice::core::ReadStatus::need_more) {
      reader.fill();
      continue;
    }
    if (line.end_offset < consumed || line.end_offset > size - 1) {
      __builtin_trap(); // offsets only grow and stay inside the input
    }
    consumed = line.end_offset;
    if (status == sluice::core::ReadStatus::line) {
      std::string why;
      sluice::core::LineShape shape;
      checker.check(line.padded(), sluice::core::CheckLevel::object, &shape, &why);
      checker.check(line.padded(), sluice::core::CheckLevel::full, &shape, &why);
    }
  }
  return 0;
}
