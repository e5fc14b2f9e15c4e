#include "connectors/postgres/pgoutput.hpp"

#include <cstring>
#include <fmt/format.h>

namespace sluice::connectors::postgres {

namespace {

// Microseconds between 1970-01-01 and 2000-01-01.
constexpr int64_t k_pg_epoch_us = 946684800000000;

// Big-endian reads over a message, failing (sticky) past its end.
class Reader {
 public:
  explicit Reader(std::string_view data) : m_data(data) {}

  bool ok() const { return m_ok; }
  bool at_end() const { return m_pos == m_data.size(); }

  uint8_t u8() { return static_cast<uint8_t>(take(1)); }
  uint16_t u16() { return static_cast<uint16_t>(take(2)); }
  uint32_t u32() { return static_cast<uint32_t>(take(4)); }
  uint64_t u64() { return take(8); }
  int64_t i64() { return static_cast<int64_t>(take(8)); }

  std::string_view cstring() {
    if (!m_ok) {
      return {};
    }
    const char* start = m_data.data() + m_pos;
    const void* nul = std::memchr(start, '\0', m_data.size() - m_pos);
    if (nul == nullptr) {
      m_ok = false;
      return {};
    }
    size_t n = static_cast<size_t>(static_cast<const char*>(nul) - start);
    m_pos += n + 1;
    return {start, n};
  }

  std::string_view bytes(size_t n) {
    if (!m_ok || m_data.size() - m_pos < n) {
      m_ok = false;
      return {};
    }
    std::string_view out = m_data.substr(m_pos, n);
    m_pos += n;
    return out;
  }

 private:
  uint64_t take(size_t n) {
    if (!m_ok || m_data.size() - m_pos < n) {
      m_ok = false;
      return 0;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) {
      v = (v << 8) | static_cast<unsigned char>(m_data[m_pos + i]);
    }
    m_pos += n;
    return v;
  }

  std::string_view m_data;
  size_t m_pos = 0;
  bool m_ok = true;
};

bool read_tuple(Reader& r, std::vector<TupleValue>* out) {
  uint16_t n = r.u16();
  out->resize(n);
  for (uint16_t i = 0; i < n && r.ok(); ++i) {
    TupleValue& v = (*out)[i];
    v.kind = static_cast<char>(r.u8());
    v.data = {};
    if (v.kind == 't' || v.kind == 'b') {
      uint32_t len = r.u32();
      v.data = r.bytes(len);
    } else if (v.kind != 'n' && v.kind != 'u') {
      return false;
    }
  }
  return r.ok();
}

bool read_relation(Reader& r, RelationMessage* rel) {
  rel->oid = r.u32();
  rel->schema.assign(r.cstring());
  if (rel->schema.empty()) {
    rel->schema = "pg_catalog";
  }
  rel->name.assign(r.cstring());
  rel->replica_identity = static_cast<char>(r.u8());
  uint16_t n = r.u16();
  rel->columns.clear();
  for (uint16_t i = 0; i < n && r.ok(); ++i) {
    RelationColumn c;
    c.key = (r.u8() & 1) != 0;
    c.name.assign(r.cstring());
    c.type_oid = r.u32();
    c.typmod = static_cast<int32_t>(r.u32());
    rel->columns.push_back(std::move(c));
  }
  return r.ok();
}

// Update: optional 'K'/'O' old tuple, then 'N' and the new tuple.
bool read_update(Reader& r, Message* m) {
  m->relation = r.u32();
  char tag = static_cast<char>(r.u8());
  m->old_kind = 0;
  m->old_tuple.clear();
  if (tag == 'K' || tag == 'O') {
    m->old_kind = tag;
    if (!read_tuple(r, &m->old_tuple)) {
      return false;
    }
    tag = static_cast<char>(r.u8());
  }
  return tag == 'N' && read_tuple(r, &m->new_tuple);
}

bool read_change(char type, Reader& r, Message* m) {
  switch (type) {
  case 'I':
    m->kind = MessageKind::insert;
    m->relation = r.u32();
    m->old_kind = 0;
    return r.u8() == 'N' && read_tuple(r, &m->new_tuple);
  case 'U':
    m->kind = MessageKind::update;
    return read_update(r, m);
  case 'D': {
    m->kind = MessageKind::remove;
    m->relation = r.u32();
    m->old_kind = static_cast<char>(r.u8());
    m->new_tuple.clear();
    return (m->old_kind == 'K' || m->old_kind == 'O') && read_tuple(r, &m->old_tuple);
  }
  case 'T': {
    m->kind = MessageKind::truncate;
    uint32_t n = r.u32();
    m->truncate_options = r.u8();
    m->relations.clear();
    for (uint32_t i = 0; i < n && r.ok(); ++i) {
      m->relations.push_back(r.u32());
    }
    return r.ok();
  }
  case 'R':
    m->kind = MessageKind::relation;
    return read_relation(r, &m->rel);
  case 'Y':
    m->kind = MessageKind::type;
    m->relation = r.u32();
    r.cstring();
    r.cstring();
    return r.ok();
  case 'M':
    m->kind = MessageKind::message;
    m->transactional = (r.u8() & 1) != 0;
    m->lsn = r.u64();
    m->prefix = r.cstring();
    m->content = r.bytes(r.u32());
    return r.ok();
  default:
    return false;
  }
}

bool read_message(char type, Reader& r, Message* m, bool* in_stream) {
  switch (type) {
  case 'B':
    m->kind = MessageKind::begin;
    m->lsn = r.u64();
    m->time_us = r.i64();
    m->xid = r.u32();
    return r.ok();
  case 'C':
    m->kind = MessageKind::commit;
    r.u8();
    m->lsn = r.u64();
    m->end_lsn = r.u64();
    m->time_us = r.i64();
    return r.ok();
  case 'O':
    m->kind = MessageKind::origin;
    r.u64();
    r.cstring();
    return r.ok();
  case 'S':
    m->kind = MessageKind::stream_start;
    m->xid = r.u32();
    m->first_segment = r.u8() == 1;
    *in_stream = true;
    return r.ok();
  case 'E':
    m->kind = MessageKind::stream_stop;
    *in_stream = false;
    return true;
  case 'c':
    m->kind = MessageKind::stream_commit;
    m->xid = r.u32();
    r.u8();
    m->lsn = r.u64();
    m->end_lsn = r.u64();
    m->time_us = r.i64();
    return r.ok();
  case 'A':
    m->kind = MessageKind::stream_abort;
    m->xid = r.u32();
    m->subxid = r.u32();
    return r.ok();
  default:
    // Inside a streamed block every change message starts with its xid.
    if (*in_stream && type != 'O') {
      m->xid = r.u32();
    }
    return read_change(type, r, m);
  }
}

} // namespace

bool Decoder::decode(std::string_view data, Message* out, std::string* why) {
  if (data.empty()) {
    *why = "empty pgoutput message";
    return false;
  }
  char type = data[0];
  Reader r(data.substr(1));
  if (!read_message(type, r, out, &m_in_stream) || !r.ok()) {
    *why = r.ok() ? fmt::format("unknown or malformed pgoutput message '{}'", type)
                  : fmt::format("truncated pgoutput message '{}' ({} bytes)", type, data.size());
    return false;
  }
  if (!r.at_end()) {
    *why = fmt::format("pgoutput message '{}' has {} unexpected trailing bytes", type,
                       data.size());
    return false;
  }
  return true;
}

int64_t pg_time_to_epoch_ms(int64_t pg_us) {
  int64_t us = pg_us + k_pg_epoch_us;
  // Floor division, so times before 1970 round down like positive ones.
  return us >= 0 ? us / 1000 : -((-us + 999) / 1000);
}

} // namespace sluice::connectors::postgres
