// PostgresSink: applying batches — table preparation (--create), staging
// with COPY, the MERGE statements, and bisection of refused batches.
#include "connectors/postgres/merge_sql.hpp"
#include "connectors/postgres/pg_sink.hpp"
#include "core/error.hpp"
#include "core/json_path.hpp"

#include <charconv>
#include <fmt/format.h>
#include <map>

namespace sluice::connectors::postgres {

namespace od = simdjson::ondemand;
using core::Error;
using core::ExitCode;

namespace {

// SQLSTATEs that belong to the rows of a statement (a value the column cannot
// take, a constraint): bisection finds the rows. Anything else ends the run.
bool is_row_error(const std::string& state) {
  std::string_view s = state;
  return s.substr(0, 2) == "21" || s.substr(0, 2) == "22" || s.substr(0, 2) == "23" ||
         s == "42804" || s == "54000";
}

bool is_bookkeeping(const std::string& column) {
  return column == k_order_column || column == k_deleted_column;
}

} // namespace

void PostgresSink::flush_all() {
  for (auto& b : m_batches) {
    if (!b->empty()) {
      begin();
      flush_table(*b);
    }
  }
}

void PostgresSink::flush_table(TableBatch& b) {
  TargetTable& t = m_catalog.get(b.table());
  std::vector<size_t> rows;
  if (prepare_table(b, t, &rows)) {
    std::vector<std::string> staged(b.key_names().begin(), b.key_names().end());
    for (const auto& c : b.columns()) {
      if (t.find(c) != nullptr && !is_bookkeeping(c) &&
          std::find(staged.begin(), staged.end(), c) == staged.end()) {
        staged.push_back(c);
      }
    }
    m_catalog.ensure_stage(t, staged);
    apply_rows(b, t, rows);
  }
  b.clear();
}

// The type of a column --create makes: the schema record's, else the JSON
// kind of its first non-null value in the batch.
std::string PostgresSink::column_type(const TableBatch& b, const std::string& column,
                                      size_t index) const {
  auto schema = m_schemas.find(b.table());
  if (schema != m_schemas.end()) {
    auto it = schema->second.types.find(column);
    if (it != schema->second.types.end()) {
      return it->second;
    }
  }
  for (const auto& row : b.rows()) {
    if (index < b.key_names().size()) {
      if (index < row.keys.size()) {
        return inferred_type(row.keys[index].kind);
      }
      continue;
    }
    size_t c = index - b.key_names().size();
    if (c < row.cells.size() && row.present[c] && row.cells[c].kind != SinkValue::Kind::null) {
      return inferred_type(row.cells[c].kind);
    }
  }
  return "text";
}

// Makes the table fit the batch (--create), or sets aside the rows it cannot
// hold; `rows` gets the rows to apply. False when none can be applied.
bool PostgresSink::prepare_table(TableBatch& b, TargetTable& t, std::vector<size_t>* rows) {
  const auto& keys = b.key_names();
  const auto& columns = b.columns();
  std::vector<ColumnDef> missing;
  std::vector<bool> column_missing(columns.size(), false);
  for (size_t i = 0; i < keys.size(); ++i) {
    if (t.find(keys[i]) == nullptr) {
      missing.push_back({keys[i], column_type(b, keys[i], i)});
    }
  }
  for (size_t c = 0; c < columns.size(); ++c) {
    bool is_key = std::find(keys.begin(), keys.end(), columns[c]) != keys.end();
    if (!is_key && t.find(columns[c]) == nullptr && !t.generated.count(columns[c]) &&
        !is_bookkeeping(columns[c])) {
      missing.push_back({columns[c], column_type(b, columns[c], keys.size() + c)});
      column_missing[c] = true;
    }
  }
  if (!t.exists && m_options.create) {
    m_catalog.create_table(t, missing, keys);
    missing.clear();
  } else if (!missing.empty() && m_options.create) {
    m_catalog.add_columns(t, missing);
    missing.clear();
  }
  ensure_bookkeeping(t);
  for (size_t r = 0; r < b.rows().size(); ++r) {
    const BatchRow& row = b.rows()[r];
    std::string why;
    if (!t.exists) {
      why = fmt::format("table {} does not exist (give --create to create it)", t.quoted);
    } else {
      for (const auto& m : missing) {
        bool in_row = std::find(keys.begin(), keys.end(), m.name) != keys.end() && row.op != 'a';
        for (size_t c = 0; c < columns.size() && !in_row; ++c) {
          in_row = columns[c] == m.name && c < row.present.size() && row.present[c];
        }
        if (in_row) {
          why = fmt::format("column \"{}\" does not exist in {} (give --create to add it)",
                            m.name, t.quoted);
          break;
        }
      }
    }
    if (why.empty()) {
      rows->push_back(r);
    } else {
      report(row.events, why);
    }
  }
  return !rows->empty();
}

void PostgresSink::ensure_bookkeeping(TargetTable& t) {
  if (!t.exists) {
    return;
  }
  std::vector<ColumnDef> add;
  if (m_options.if_newer && t.find(k_order_column) == nullptr) {
    add.push_back({k_order_column, "numeric"});
  }
  if (m_options.delete_mode == DeleteMode::soft && t.find(k_deleted_column) == nullptr) {
    add.push_back({k_deleted_column, "boolean NOT NULL DEFAULT false"});
  }
  if (!add.empty()) {
    std::string adds;
    for (const auto& c : add) {
      adds += fmt::format("{}ADD COLUMN IF NOT EXISTS {} {}", adds.empty() ? "" : ", ",
                          quote_identifier(c.name), c.type);
    }
    m_conn.exec(fmt::format("ALTER TABLE {} {}", t.quoted, adds),
                fmt::format("add sluice's columns to {}", t.quoted));
    m_catalog.reload(t);
  }
  if (m_options.if_newer && m_options.delete_mode == DeleteMode::remove && !m_tombstones_ready) {
    m_conn.exec(create_tombstones_sql(), "create the tombstone table");
    m_tombstones_ready = true;
  }
}

// Applies `rows` under a savepoint; when the database refuses them, halves
// them until each refused row is alone, and reports its events as bad data.
void PostgresSink::apply_rows(TableBatch& b, TargetTable& t, const std::vector<size_t>& rows) {
  if (rows.empty()) {
    return;
  }
  m_conn.exec("SAVEPOINT sluice_rows", "set a savepoint");
  Counts counts;
  std::string why;
  if (stage_and_merge(b, t, rows, &counts, &why)) {
    m_conn.exec("RELEASE SAVEPOINT sluice_rows", "release a savepoint");
    m_pending.add(counts);
    return;
  }
  m_conn.exec("ROLLBACK TO SAVEPOINT sluice_rows", "roll back to a savepoint");
  m_conn.exec("RELEASE SAVEPOINT sluice_rows", "release a savepoint");
  if (rows.size() == 1) {
    report(b.rows()[rows[0]].events, "postgresql: " + why);
    return;
  }
  size_t half = rows.size() / 2;
  apply_rows(b, t, std::vector<size_t>(rows.begin(), rows.begin() + static_cast<long>(half)));
  apply_rows(b, t, std::vector<size_t>(rows.begin() + static_cast<long>(half), rows.end()));
}

bool PostgresSink::run_rows(const std::string& sql, uint64_t* affected, std::string* why) {
  PgResult r = m_conn.run(sql);
  if (r.ok()) {
    const char* n = PQcmdTuples(r.get());
    *affected += n != nullptr ? std::strtoull(n, nullptr, 10) : 0;
    return true;
  }
  if (!m_conn.is_broken() && is_row_error(r.sqlstate())) {
    *why = r.message();
    return false;
  }
  m_conn.fail(r, "apply a batch");
}

bool PostgresSink::copy_in(const std::string& sql, const std::string& data, std::string* why) {
  PgResult start = m_conn.run(sql);
  if (start.status() != PGRES_COPY_IN) {
    m_conn.fail(start, "stage a batch");
  }
  bool sent = data.empty() || PQputCopyData(m_conn.get(), data.data(), static_cast<int>(data.size())) == 1;
  if (!sent || PQputCopyEnd(m_conn.get(), nullptr) != 1) {
    m_conn.fail(PgResult(), "stage a batch");
  }
  PgResult end(PQgetResult(m_conn.get()));
  while (PgResult more{PQgetResult(m_conn.get())}) {
  }
  if (end.ok()) {
    return true;
  }
  if (!m_conn.is_broken() && is_row_error(end.sqlstate())) {
    *why = end.message();
    return false;
  }
  m_conn.fail(end, "stage a batch");
}

bool PostgresSink::stage_and_merge(TableBatch& b, TargetTable& t, const std::vector<size_t>& rows,
                                   Counts* counts, std::string* why) {
  const auto& keys = b.key_names();
  const auto& columns = b.columns();
  // The value columns staged: those any of the rows holds (keys are separate).
  std::vector<size_t> staged;
  std::vector<std::string> stage_names(keys.begin(), keys.end());
  for (size_t c = 0; c < columns.size(); ++c) {
    if (std::find(keys.begin(), keys.end(), columns[c]) != keys.end() ||
        t.find(columns[c]) == nullptr || is_bookkeeping(columns[c])) {
      continue;
    }
    bool used = false;
    for (size_t r : rows) {
      const BatchRow& row = b.rows()[r];
      used = used || (c < row.present.size() && row.present[c]);
    }
    if (used) {
      staged.push_back(c);
      stage_names.push_back(columns[c]);
    }
  }
  m_catalog.empty_stage(t);
  // Rows that write the same columns share a group, applied by one statement.
  std::map<std::string, int> groups;
  std::vector<std::pair<int, std::vector<size_t>>> group_columns;
  m_copy.clear();
  for (size_t r : rows) {
    const BatchRow& row = b.rows()[r];
    // Appends, hard deletes and the rest (upserts, replaces, soft deletes) are
    // applied by different statements.
    std::string signature(1, row.op == 'a' ? 'a' : row.op == 'd' ? 'd' : 'k');
    std::vector<size_t> present;
    for (size_t c : staged) {
      if (c < row.present.size() && row.present[c]) {
        signature += fmt::format(",{}", c);
        present.push_back(c);
      }
    }
    auto [it, added] = groups.emplace(signature, static_cast<int>(groups.size()));
    if (added) {
      group_columns.push_back({it->second, present});
    }
    m_copy.push_back(row.op);
    m_copy.push_back('\t');
    if (row.order) {
      m_copy += row.order->text;
    } else {
      m_copy += "\\N";
    }
    m_copy.push_back('\t');
    append_copy_escaped(&m_copy, row.key_json);
    fmt::format_to(std::back_inserter(m_copy), "\t{}", it->second);
    for (size_t k = 0; k < keys.size(); ++k) {
      m_copy.push_back('\t');
      if (row.op == 'a' || k >= row.keys.size()) {
        m_copy += "\\N";
      } else {
        append_copy_field(&m_copy, row.keys[k], t.find(keys[k])->column_class, &m_scratch);
      }
    }
    for (size_t c : staged) {
      m_copy.push_back('\t');
      if (c < row.present.size() && row.present[c]) {
        append_copy_field(&m_copy, row.cells[c], t.find(columns[c])->column_class, &m_scratch);
      } else {
        m_copy += "\\N";
      }
    }
    m_copy.push_back('\n');
  }
  std::string names = "_op, _ord, _key, _g";
  for (const auto& n : stage_names) {
    names += ", " + quote_identifier(n);
  }
  if (!copy_in(fmt::format("COPY {} ({}) FROM STDIN", t.stage, names), m_copy, why)) {
    return false;
  }
  MergeSpec spec;
  spec.target = t.quoted;
  spec.stage = t.stage;
  spec.table_literal = t.literal;
  spec.if_newer = m_options.if_newer.has_value();
  spec.soft = m_options.delete_mode == DeleteMode::soft;
  for (const auto& k : keys) {
    spec.keys.push_back({quote_identifier(k), t.find(k)->cast});
  }
  uint64_t replaced = 0;
  if (!keys.empty() && !run_rows(replace_delete_sql(spec), &replaced, why)) {
    return false;
  }
  for (const auto& [group, present] : group_columns) {
    spec.group = group;
    spec.columns.clear();
    for (size_t c : present) {
      spec.columns.push_back({quote_identifier(columns[c]), t.find(columns[c])->cast});
    }
    auto first = std::find_if(groups.begin(), groups.end(),
                              [&](const auto& g) { return g.second == group; });
    char kind = first->first[0];
    uint64_t* count = kind == 'a' ? &counts->appended : kind == 'd' ? &counts->deleted
                                                                    : &counts->upserted;
    if (!run_rows(kind == 'a' ? append_sql(spec) : merge_sql(spec), count, why)) {
      return false;
    }
  }
  if (spec.if_newer && m_options.delete_mode == DeleteMode::remove) {
    uint64_t ignored = 0;
    if (!run_rows(tombstone_sql(spec), &ignored, why)) {
      return false;
    }
  }
  return true;
}

} // namespace sluice::connectors::postgres
