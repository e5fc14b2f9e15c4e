// Helpers shared by the SQLite connector tests: a temp directory, a line
// feeder that hands padded lines and their documents to a sink, and queries
// through a separate connection (which sees only committed data).
#pragma once

#include "core/line_reader.hpp"
#include "core/sink_stage.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <simdjson.h>
#include <sqlite3.h>
#include <string>
#include <vector>

namespace sluice::test {

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/sluice-sqlite-test-XXXXXX";
    REQUIRE(mkdtemp(pattern) != nullptr);
    m_path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  const std::string& path() const { return m_path; }
  std::string file(const std::string& name) const { return m_path + "/" + name; }

 private:
  std::string m_path;
};

// Parses each line into a padded buffer, as LineReader hands lines out.
class Feeder {
 public:
  bool write(core::SinkTarget& sink, const std::string& text, std::string* why = nullptr) {
    m_buffer.assign(text);
    m_buffer.append(simdjson::SIMDJSON_PADDING, ' ');
    core::Line line;
    line.text = std::string_view(m_buffer.data(), text.size());
    line.number = ++m_number;
    line.capacity = m_buffer.size();
    simdjson::ondemand::document doc;
    REQUIRE(m_parser.iterate(line.padded()).get(doc) == simdjson::SUCCESS);
    std::string reason;
    bool ok = sink.write(line, doc, &reason);
    if (why != nullptr) {
      *why = reason;
    }
    return ok;
  }

 private:
  simdjson::ondemand::parser m_parser;
  std::string m_buffer;
  uint64_t m_number = 0;
};

struct Sqlite3Closer {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};

// Every row of `sql` as "a|b|c" (NULL for null), read on a new connection.
inline std::vector<std::string> query(const std::string& path, const std::string& sql) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
  std::unique_ptr<sqlite3, Sqlite3Closer> db(raw);
  REQUIRE(rc == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  INFO(sql);
  REQUIRE(sqlite3_prepare_v2(raw, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
  std::vector<std::string> rows;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    std::string row;
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
      if (i > 0) {
        row += '|';
      }
      row += text != nullptr ? text : "NULL";
    }
    rows.push_back(row);
  }
  sqlite3_finalize(stmt);
  return rows;
}

// Runs `sql` (DDL, inserts) on a new connection.
inline void execute(const std::string& path, const std::string& sql) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  std::unique_ptr<sqlite3, Sqlite3Closer> db(raw);
  REQUIRE(rc == SQLITE_OK);
  INFO(sql);
  REQUIRE(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
}

} // namespace sluice::test
