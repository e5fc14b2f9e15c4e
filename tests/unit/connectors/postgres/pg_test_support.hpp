// Helpers shared by the tests of src/connectors/postgres: building pgoutput
// messages byte by byte, as the server sends them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::test {

class PgMessage {
 public:
  explicit PgMessage(char type) { m_data.push_back(type); }
  PgMessage& u8(uint8_t v) {
    m_data.push_back(static_cast<char>(v));
    return *this;
  }
  PgMessage& u16(uint16_t v) { return be(v, 2); }
  PgMessage& u32(uint32_t v) { return be(v, 4); }
  PgMessage& u64(uint64_t v) { return be(v, 8); }
  PgMessage& cstr(std::string_view s) {
    m_data.append(s);
    m_data.push_back('\0');
    return *this;
  }
  PgMessage& text(std::string_view s) {
    u8('t');
    u32(static_cast<uint32_t>(s.size()));
    m_data.append(s);
    return *this;
  }
  PgMessage& null() { return u8('n'); }
  PgMessage& unchanged() { return u8('u'); }
  const std::string& str() const { return m_data; }

 private:
  PgMessage& be(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) {
      m_data.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    }
    return *this;
  }
  std::string m_data;
};

// A Relation message: oid, public.<name>, replica identity, columns of (key, name, type).
struct TestColumn {
  bool key;
  std::string name;
  uint32_t type;
};

inline PgMessage relation_message(uint32_t oid, const std::string& name, char identity,
                                  const std::vector<TestColumn>& columns) {
  PgMessage m('R');
  m.u32(oid).cstr("public").cstr(name).u8(static_cast<uint8_t>(identity));
  m.u16(static_cast<uint16_t>(columns.size()));
  for (const auto& c : columns) {
    m.u8(c.key ? 1 : 0).cstr(c.name).u32(c.type).u32(0xffffffff);
  }
  return m;
}

} // namespace sluice::test
