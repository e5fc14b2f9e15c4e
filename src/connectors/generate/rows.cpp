#include "connectors/generate/rows.hpp"

#include "connectors/generate/random.hpp"
#include "core/json_writer.hpp"

#include <array>
#include <fmt/format.h>

namespace sluice::connectors::generate {
namespace {

struct Person {
  std::string_view name;
  std::string_view email;
  std::string_view country;
  int calling_code;
};

// Customers are drawn from this list by a hash of their id: nearly half have
// non-ASCII names (one with an emoji), four have names that need JSON escapes
// (a quote, a backslash, a newline, a tab and a control character).
constexpr std::array<Person, 32> k_people{{
    {"Zoë Müller", "zoe@web.de", "DE", 49},
    {"José Álvarez", "jose@tel.es", "ES", 34},
    {"李雷", "lilei@qq.cn", "CN", 86},
    {"Ольга Иванова", "olga@ya.ru", "RU", 7},
    {"Ana", "ana@u.br", "BR", 55},
    {"John", "js@gm.com", "US", 1},
    {"Emma", "emma@t.se", "SE", 46},
    {"Aiko", "aiko@y.jp", "JP", 81},
    {"François", "fd@or.fr", "FR", 33},
    {"Łukasz", "ln@wp.pl", "PL", 48},
    {"Priya", "priya@g.in", "IN", 91},
    {"김민준", "mj@nv.kr", "KR", 82},
    {"Chloé", "chloe@e.ie", "IE", 353},
    {"Mehmet", "my@tt.tr", "TR", 90},
    {"Nguyễn Lan", "lan@vn.vn", "VN", 84},
    {"Søren", "sn@m.dk", "DK", 45},
    {"Fatima", "fz@mn.ma", "MA", 212},
    {"Γιώργος", "gp@ot.gr", "GR", 30},
    {"Maria", "mr@li.it", "IT", 39},
    {"Jules 🌻", "jules@f.fr", "FR", 33},
    {"Sofía", "sofia@p.mx", "MX", 52},
    {"Noah", "noah@a.us", "US", 1},
    {"Olivia", "ob@bt.uk", "GB", 44},
    {"Hannah", "hs@gmx.at", "AT", 43},
    {"Lucas", "ls@sapo.pt", "PT", 351},
    {"Yuki", "yuki@o.jp", "JP", 81},
    {"Amir", "amir@w.il", "IL", 972},
    {"Ingrid", "ib@on.no", "NO", 47},
    {"Dana \"DJ\" Jones", "dj@ic.com", "US", 1},
    {"ACME\\jdoe", "jd@acme.io", "US", 1},
    {"Mary\nAnn Ortiz", "mo@gm.com", "US", 1},
    {"Lee\tChang\x01", "lc@sg.sg", "SG", 65},
}};

constexpr std::array<std::string_view, 5> k_statuses{{"pending", "paid", "shipped", "delivered",
                                                      "cancelled"}};

constexpr std::string_view k_op_names[] = {"insert", "update", "delete"};

void append_number(std::string* out, uint64_t value) {
  fmt::format_int text(value);
  out->append(text.data(), text.size());
}

void append_number(std::string* out, int64_t value) {
  fmt::format_int text(value);
  out->append(text.data(), text.size());
}

void append_hex16(std::string* out, uint64_t value) {
  static constexpr char k_digits[] = "0123456789abcdef";
  char text[16];
  for (int i = 15; i >= 0; --i) {
    text[i] = k_digits[value & 0xf];
    value >>= 4;
  }
  out->append(text, sizeof text);
}

// Cents as a JSON number with two decimals: 12345 -> 123.45.
void append_cents(std::string* out, uint64_t cents) {
  append_number(out, cents / 100);
  out->push_back('.');
  out->push_back(static_cast<char>('0' + cents / 10 % 10));
  out->push_back(static_cast<char>('0' + cents % 10));
}

// Pending at the insert, then paid, shipped, delivered; 5% of later changes cancel.
size_t status_of(uint64_t stage, uint64_t percent) {
  if (stage == 0) {
    return 0;
  }
  if (percent < 5) {
    return 4;
  }
  return static_cast<size_t>(std::min<uint64_t>(stage, 3));
}

std::string quoted(std::string_view text) {
  std::string out;
  core::append_json_string(&out, text);
  return out;
}

} // namespace

std::string key_column(std::string_view table) {
  size_t dot = table.rfind('.');
  std::string_view name = dot == std::string_view::npos ? table : table.substr(dot + 1);
  if (name.size() > 1 && name.back() == 's') {
    name.remove_suffix(1);
  }
  return std::string(name) + "_id";
}

uint64_t change_id(uint64_t seed, uint64_t number) {
  return mix64(number * k_golden + mix64(seed));
}

RowWriter::RowWriter(uint64_t seed, uint64_t keys, const std::vector<std::string>& tables,
                     std::string_view source, int64_t t0_ms)
    : m_seed(seed), m_seed_mix(mix64(seed ^ 0x5eed5eed5eed5eedull)), m_keys(keys),
      m_t0(fmt::format("{}", t0_ms)) {
  for (const auto& name : tables) {
    Table t;
    std::string column = quoted(key_column(name));
    t.head = "\",\"source\":" + quoted(source) + ",\"table\":" + quoted(name) + ",\"op\":\"";
    t.key_open = "{" + column + ":";
    t.key_head = "\",\"key\":" + t.key_open;
    t.customers = name.size() >= 9 && name.compare(name.size() - 9, 9, "customers") == 0;
    m_tables.push_back(std::move(t));
  }
}

uint64_t RowWriter::row_seed(const Change& change, uint64_t salt) const {
  uint64_t h = mix64(m_seed_mix + change.table * k_golden);
  h = mix64(h ^ change.key);
  return mix64(h ^ (change.insert_version * 0xd6e8feb86659fd93ull + salt));
}

void RowWriter::write(const Change& change, uint64_t emitted, std::string* out) const {
  const Table& table = m_tables[change.table];
  out->append("{\"id\":\"");
  append_hex16(out, change_id(m_seed, change.number));
  out->append(table.head);
  out->append(k_op_names[static_cast<int>(change.op)]);
  out->append("\",\"ts\":");
  append_number(out, change.ts_ms);
  out->append(",\"pos\":\"");
  out->append(m_t0);
  out->push_back(':');
  append_number(out, emitted);
  out->append(table.key_head);
  append_number(out, change.key);
  if (change.op == Op::remove) {
    out->append("},\"before\":");
    out->append(table.key_open);
    append_number(out, change.key);
    out->append("},\"after\":null}");
    return;
  }
  out->append("},\"before\":null,\"after\":");
  write_after(table, change, out);
  out->push_back('}');
}

void RowWriter::write_after(const Table& table, const Change& change, std::string* out) const {
  if (table.customers) {
    write_customer(table, change, out);
  } else {
    write_order(table, change, out);
  }
}

void RowWriter::write_person(uint64_t customer, bool country, std::string* out) const {
  const Person& p = k_people[mix64(m_seed_mix + customer * k_golden) % k_people.size()];
  out->append("\"name\":");
  core::append_json_string(out, p.name);
  out->append(",\"email\":\"");
  out->append(p.email);
  out->push_back('"');
  if (country) {
    out->append(",\"country\":\"");
    out->append(p.country);
    out->push_back('"');
  }
}

void RowWriter::write_order(const Table& table, const Change& change, std::string* out) const {
  // The customer and the items stay for the row's life; the status changes per version.
  Rng row(row_seed(change, 0));
  Rng version(row_seed(change, change.version * k_golden));
  out->append(table.key_open);
  append_number(out, change.key);
  out->append(",\"customer\":{");
  write_person(1 + row.below(m_keys), true, out);
  size_t n_items = 1 + row.below(100) / 80 + row.below(100) / 95; // 1 to 3, mostly 1
  uint64_t sku[3];
  uint64_t qty[3];
  uint64_t amount = 0;
  for (size_t i = 0; i < n_items; ++i) {
    sku[i] = 1000 + row.below(9000);
    qty[i] = 1 + row.below(4);
    amount += qty[i] * (99 + row.below(200) * 50);
  }
  out->append("},\"amount\":");
  append_cents(out, amount);
  out->append(",\"status\":\"");
  out->append(k_statuses[status_of(change.version - change.insert_version, version.below(100))]);
  out->append("\",\"items\":[");
  for (size_t i = 0; i < n_items; ++i) {
    out->append(i == 0 ? "{\"sku\":\"P" : ",{\"sku\":\"P");
    append_number(out, sku[i]);
    out->append("\",\"qty\":");
    append_number(out, qty[i]);
    out->push_back('}');
  }
  out->append("],\"version\":");
  append_number(out, change.version);
  out->push_back('}');
}

void RowWriter::write_customer(const Table& table, const Change& change, std::string* out) const {
  Rng version(row_seed(change, change.version * k_golden));
  const Person& p = k_people[mix64(m_seed_mix + change.key * k_golden) % k_people.size()];
  out->append(table.key_open);
  append_number(out, change.key);
  out->push_back(',');
  write_person(change.key, false, out);
  out->append(",\"country\":\"");
  out->append(p.country);
  out->append("\",\"phone\":\"+");
  append_number(out, static_cast<uint64_t>(p.calling_code));
  out->append(" 555 ");
  append_number(out, 1000 + version.below(9000));
  out->append("\",\"version\":");
  append_number(out, change.version);
  out->push_back('}');
}

} // namespace sluice::connectors::generate
