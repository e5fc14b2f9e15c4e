// Rows: the JSON text of one generated change, in the capture envelope of
// DESIGN §2 ({"id","source","table","op","ts","pos","key","before","after"}).
//
// Tables named "…customers" get customer rows ({customer_id, name, email,
// country, phone, version}); every other table gets order rows ({<key column>,
// customer: {name, email, country}, amount, status, items: [{sku, qty}] × 1-3, version}),
// kept lean so that a line averages under 350 bytes (DESIGN §7). Customer names
// carry unicode, an emoji and, for a fraction of rows, a quote, a backslash, a
// newline, a tab and a control character; strings go through
// core::append_json_string. A delete has before = {<key column>: k}, after null.
//
// Every value of `after` is a pure function of the seed, the table, the key and
// the versions, so a change reads the same whenever it is written (a duplicate
// repeats its original byte for byte) and does not depend on --rate. Immutable
// after construction, so concurrent writes into distinct strings are safe;
// throws only std::bad_alloc.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::connectors::generate {

enum class Op : uint8_t { insert, update, remove };

// One change of one row: what a base event is before it is written.
struct Change {
  uint64_t number = 0; // base event number g (the id derives from it)
  int64_t ts_ms = 0;
  uint64_t key = 0;
  uint32_t table = 0; // index into the table list
  uint64_t version = 0;
  uint64_t insert_version = 0; // version of the insert that (re)created the row
  Op op = Op::insert;
};

// "public.orders" -> "order_id", "customers" -> "customer_id", "stock" -> "stock_id".
std::string key_column(std::string_view table);

// 16 lowercase hex digits, unique per (seed, number) within a seed.
uint64_t change_id(uint64_t seed, uint64_t number);

class RowWriter {
 public:
  // `source` is the envelope's "source" value; `keys` bounds the customer ids
  // that orders refer to; `t0_ms` starts every "pos".
  RowWriter(uint64_t seed, uint64_t keys, const std::vector<std::string>& tables,
            std::string_view source, int64_t t0_ms);

  // Appends the line of `change` (without a newline) whose "pos" says that
  // `emitted` events have been emitted once it is.
  void write(const Change& change, uint64_t emitted, std::string* out) const;

 private:
  struct Table {
    std::string head;     // from the end of "id" up to the opening quote of "op"
    std::string key_head; // from the end of "pos" up to the key's value
    std::string key_open; // {"order_id":
    bool customers = false;
  };

  void write_after(const Table& table, const Change& change, std::string* out) const;
  void write_order(const Table& table, const Change& change, std::string* out) const;
  void write_customer(const Table& table, const Change& change, std::string* out) const;
  void write_person(uint64_t customer, bool country, std::string* out) const;
  uint64_t row_seed(const Change& change, uint64_t salt) const;

  uint64_t m_seed;
  uint64_t m_seed_mix;
  uint64_t m_keys;
  std::string m_t0;
  std::vector<Table> m_tables;
};

} // namespace sluice::connectors::generate
