#include "connectors/postgres/sink_batch.hpp"

#include "core/json_writer.hpp"

#include <fmt/format.h>

namespace sluice::connectors::postgres {

std::string key_json(const std::vector<SinkField>& keys) {
  std::string out;
  core::JsonWriter w(&out);
  w.begin_object();
  for (const auto& k : keys) {
    w.key(k.name);
    if (k.value.kind == SinkValue::Kind::string) {
      w.string(k.value.text);
    } else {
      w.raw(k.value.text);
    }
  }
  w.end_object();
  return out;
}

void TableBatch::clear() {
  m_rows.clear();
  m_by_key.clear();
}

int TableBatch::column(const std::string& name) {
  auto it = m_column_index.find(name);
  if (it != m_column_index.end()) {
    return it->second;
  }
  int index = static_cast<int>(m_columns.size());
  m_columns.push_back(name);
  m_column_index.emplace(name, index);
  return index;
}

void TableBatch::set_cells(BatchRow& row, std::vector<SinkField>& fields) {
  for (auto& f : fields) {
    auto c = static_cast<size_t>(column(f.name));
    if (row.cells.size() <= c) {
      row.cells.resize(c + 1);
      row.present.resize(c + 1, false);
    }
    row.cells[c] = std::move(f.value);
    row.present[c] = true;
  }
}

bool TableBatch::add(SinkEvent& e, uint32_t event, std::optional<Decision>* skipped,
                     std::string* why) {
  ChangeKind kind = e.op == SinkOp::remove ? ChangeKind::remove : ChangeKind::upsert;
  if (e.keys.empty()) {
    if (kind == ChangeKind::remove) {
      *why = "a delete without a key (give --upsert PATH, or a \"key\" object in the event)";
      return false;
    }
    if (e.op == SinkOp::update) {
      *why = "an update without a key (give --upsert PATH, or a \"key\" object in the event)";
      return false;
    }
    BatchRow row;
    row.op = 'a';
    row.events.push_back(event);
    set_cells(row, e.fields);
    m_rows.push_back(std::move(row));
    return true;
  }
  if (!m_keys_known) {
    for (const auto& k : e.keys) {
      m_key_names.push_back(k.name);
    }
    m_keys_known = true;
  }
  if (e.keys.size() != m_key_names.size()) {
    *why = fmt::format("its key has {} columns, other events of {} have {}", e.keys.size(),
                       m_table, m_key_names.size());
    return false;
  }
  for (size_t i = 0; i < e.keys.size(); ++i) {
    if (e.keys[i].name != m_key_names[i]) {
      *why = fmt::format("its key column \"{}\" differs from \"{}\" of other events of {}",
                         e.keys[i].name, m_key_names[i], m_table);
      return false;
    }
  }
  std::string key = key_json(e.keys);
  auto found = m_by_key.find(key);
  BatchRow* row = found == m_by_key.end() ? nullptr : &m_rows[found->second];
  const OrderValue* known = row != nullptr && row->order ? &*row->order : nullptr;
  Decision d = decide(kind, m_delete_mode, e.order ? &*e.order : nullptr, known);
  if (d != Decision::apply) {
    *skipped = d;
    return true;
  }
  bool soft = m_delete_mode == DeleteMode::soft;
  if (row == nullptr) {
    m_by_key.emplace(key, m_rows.size());
    m_rows.emplace_back();
    row = &m_rows.back();
    row->key_json = std::move(key);
    row->op = kind == ChangeKind::upsert ? 'u' : (soft ? 's' : 'd');
  } else if (kind == ChangeKind::remove) {
    row->op = soft ? 's' : 'd';
  } else if (row->op == 'd') {
    row->op = 'r';
  } else if (row->op == 's') {
    row->op = 'u'; // the soft-deleted row lives again, with its columns
  }
  if (kind == ChangeKind::remove && !soft) {
    row->cells.clear();
    row->present.clear();
  }
  row->keys.clear();
  for (auto& k : e.keys) {
    row->keys.push_back(std::move(k.value));
  }
  if (kind == ChangeKind::upsert) {
    set_cells(*row, e.fields);
  }
  if (e.order) {
    row->order = std::move(e.order);
  }
  row->events.push_back(event);
  return true;
}

} // namespace sluice::connectors::postgres
