#include "connectors/postgres/publication.hpp"

#include "connectors/postgres/pg_conn.hpp"

#include <fmt/format.h>

namespace sluice::connectors::postgres {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool is_ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '$' || static_cast<unsigned char>(c) >= 0x80;
}

class SpecParser {
 public:
  explicit SpecParser(std::string_view text) : m_text(text) {}

  void skip_space() {
    while (m_pos < m_text.size() && is_space(m_text[m_pos])) {
      ++m_pos;
    }
  }
  bool at_end() {
    skip_space();
    return m_pos >= m_text.size();
  }
  bool take(char c) {
    skip_space();
    if (m_pos < m_text.size() && m_text[m_pos] == c) {
      ++m_pos;
      return true;
    }
    return false;
  }
  std::string_view rest() const { return m_text.substr(m_pos); }

  // An identifier: "quoted" (with "" for a quote) or bare (folded to lower case).
  bool identifier(std::string* out) {
    skip_space();
    out->clear();
    if (m_pos < m_text.size() && m_text[m_pos] == '"') {
      for (++m_pos; m_pos < m_text.size(); ++m_pos) {
        if (m_text[m_pos] == '"') {
          if (m_pos + 1 < m_text.size() && m_text[m_pos + 1] == '"') {
            out->push_back('"');
            ++m_pos;
            continue;
          }
          ++m_pos;
          return !out->empty();
        }
        out->push_back(m_text[m_pos]);
      }
      return false;
    }
    while (m_pos < m_text.size() && is_ident_char(m_text[m_pos])) {
      char c = m_text[m_pos++];
      out->push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    }
    return !out->empty();
  }

  // schema.name or name.
  bool table(TableSpec* t) {
    std::string first;
    if (!identifier(&first)) {
      return false;
    }
    if (take('.')) {
      t->schema = first;
      return identifier(&t->name);
    }
    t->name = first;
    return true;
  }

  // "(a, b)" after a table name.
  bool columns(TableSpec* t) {
    if (!take('(')) {
      return true;
    }
    do {
      std::string c;
      if (!identifier(&c)) {
        return false;
      }
      t->columns.push_back(c);
    } while (take(','));
    return take(')');
  }

  size_t pos() const { return m_pos; }

 private:
  std::string_view m_text;
  size_t m_pos = 0;
};

bool same_table(const TableSpec& a, const TableSpec& b) {
  if (a.name != b.name) {
    return false;
  }
  auto schema = [](const TableSpec& t) { return t.schema.empty() ? std::string("public") : t.schema; };
  return schema(a) == schema(b);
}

bool parse_tables(const std::string& value, std::vector<TableSpec>* out, std::string* why) {
  SpecParser p(value);
  do {
    TableSpec t;
    if (!p.table(&t) || !p.columns(&t)) {
      *why = fmt::format("--tables \"{}\": expected TABLE, SCHEMA.TABLE or TABLE(COLUMN,…) at "
                         "byte {}",
                         value, p.pos());
      return false;
    }
    for (const auto& other : *out) {
      if (same_table(other, t)) {
        *why = fmt::format("--tables names {} twice", qualified_name(t));
        return false;
      }
    }
    out->push_back(std::move(t));
  } while (p.take(','));
  if (!p.at_end()) {
    *why = fmt::format("--tables \"{}\": unexpected text at byte {}", value, p.pos());
    return false;
  }
  return true;
}

bool parse_filter(const std::string& value, std::vector<TableSpec>* tables, std::string* why) {
  SpecParser p(value);
  TableSpec t;
  if (!p.table(&t) || !p.take('=') || p.at_end()) {
    *why = fmt::format("--row-filter \"{}\": expected TABLE=EXPRESSION", value);
    return false;
  }
  for (auto& spec : *tables) {
    if (same_table(spec, t)) {
      if (spec.row_filter) {
        *why = fmt::format("--row-filter: two filters for {}", qualified_name(t));
        return false;
      }
      spec.row_filter = std::string(p.rest());
      return true;
    }
  }
  *why = fmt::format("--row-filter names {}, which is not in --tables (row filters need a table "
                     "list)",
                     qualified_name(t));
  return false;
}

} // namespace

bool parse_table_specs(const std::vector<std::string>& tables,
                       const std::vector<std::string>& row_filters, std::vector<TableSpec>* out,
                       std::string* why) {
  out->clear();
  for (const auto& v : tables) {
    if (!parse_tables(v, out, why)) {
      return false;
    }
  }
  for (const auto& f : row_filters) {
    if (!parse_filter(f, out, why)) {
      return false;
    }
  }
  return true;
}

std::string qualified_name(const TableSpec& t) {
  return t.schema.empty() ? quote_identifier(t.name)
                          : quote_identifier(t.schema) + "." + quote_identifier(t.name);
}

std::string create_publication_sql(const std::string& publication,
                                   const std::vector<TableSpec>& tables) {
  std::string sql = "CREATE PUBLICATION " + quote_identifier(publication);
  if (tables.empty()) {
    return sql + " FOR ALL TABLES";
  }
  sql += " FOR TABLE ";
  for (size_t i = 0; i < tables.size(); ++i) {
    const auto& t = tables[i];
    sql += (i > 0 ? ", " : "") + qualified_name(t);
    if (!t.columns.empty()) {
      sql += " (";
      for (size_t c = 0; c < t.columns.size(); ++c) {
        sql += (c > 0 ? ", " : "") + quote_identifier(t.columns[c]);
      }
      sql += ")";
    }
    if (t.row_filter) {
      sql += " WHERE (" + *t.row_filter + ")";
    }
  }
  return sql;
}

} // namespace sluice::connectors::postgres
