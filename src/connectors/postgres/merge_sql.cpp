#include "connectors/postgres/merge_sql.hpp"

#include "connectors/change_rules.hpp"

#include <fmt/format.h>

namespace sluice::connectors::postgres {

namespace {

std::string value_of(const MergeColumn& c) { return fmt::format("s.{}::{}", c.quoted, c.cast); }

std::string key_match(const MergeSpec& spec, const char* target_alias) {
  std::string out;
  for (size_t i = 0; i < spec.keys.size(); ++i) {
    out += fmt::format("{}{}.{} = {}", i > 0 ? " AND " : "", target_alias, spec.keys[i].quoted,
                       value_of(spec.keys[i]));
  }
  return out;
}

std::string order_ok(const MergeSpec& spec) {
  if (!spec.if_newer) {
    return "";
  }
  return fmt::format(" AND (t.\"{0}\" IS NULL OR t.\"{0}\" <= s._ord)", k_order_column);
}

std::string tomb_ok(const MergeSpec& spec) {
  return spec.if_newer ? " AND (s._tomb IS NULL OR s._tomb <= s._ord)" : "";
}

std::string source(const MergeSpec& spec) {
  if (!spec.if_newer) {
    return fmt::format("(SELECT * FROM {} WHERE _g = {})", spec.stage, spec.group);
  }
  return fmt::format("(SELECT st.*, tb.ord AS _tomb FROM {} st LEFT JOIN \"{}\" tb ON "
                     "tb.table_name = {} AND tb.key = st._key WHERE st._g = {})",
                     spec.stage, k_tombstone_table, spec.table_literal, spec.group);
}

} // namespace

std::string merge_sql(const MergeSpec& spec) {
  std::string order = order_ok(spec);
  std::string sets;
  std::string names;
  std::string values;
  for (const auto& k : spec.keys) {
    names += (names.empty() ? "" : ", ") + k.quoted;
    values += (values.empty() ? "" : ", ") + value_of(k);
  }
  for (const auto& c : spec.columns) {
    sets += fmt::format("{}{} = {}", sets.empty() ? "" : ", ", c.quoted, value_of(c));
    names += ", " + c.quoted;
    values += ", " + value_of(c);
  }
  std::string extra_sets;
  std::string extra_names;
  std::string extra_values;
  if (spec.soft) {
    extra_sets += fmt::format(", \"{}\" = false", k_deleted_column);
    extra_names += fmt::format(", \"{}\"", k_deleted_column);
    extra_values += ", false";
  }
  if (spec.if_newer) {
    extra_sets += fmt::format(", \"{}\" = s._ord", k_order_column);
    extra_names += fmt::format(", \"{}\"", k_order_column);
    extra_values += ", s._ord";
  }
  if (sets.empty() && !extra_sets.empty()) {
    sets = extra_sets.substr(2);
  } else {
    sets += extra_sets;
  }
  std::string sql = fmt::format("MERGE INTO {} t USING {} s ON {}", spec.target, source(spec),
                                key_match(spec, "t"));
  sql += fmt::format(" WHEN MATCHED AND s._op = 'd'{} THEN DELETE", order);
  if (spec.soft) {
    // A soft delete writes the columns it carries, with the row marked deleted.
    std::string deleted;
    for (const auto& c : spec.columns) {
      deleted += fmt::format("{} = {}, ", c.quoted, value_of(c));
    }
    deleted += fmt::format("\"{}\" = true", k_deleted_column);
    if (spec.if_newer) {
      deleted += fmt::format(", \"{}\" = s._ord", k_order_column);
    }
    sql += fmt::format(" WHEN MATCHED AND s._op = 's'{} THEN UPDATE SET {}", order, deleted);
  }
  sql += fmt::format(" WHEN MATCHED AND s._op IN ('u', 'r'){} THEN {}", order,
                     sets.empty() ? std::string("DO NOTHING") : "UPDATE SET " + sets);
  sql += fmt::format(" WHEN NOT MATCHED AND s._op IN ('u', 'r'){} THEN INSERT ({}{}) VALUES ({}{})",
                     tomb_ok(spec), names, extra_names, values, extra_values);
  // A soft delete of a row not stored inserts it marked deleted when it carries
  // columns (it was upserted earlier in the batch), or, with --if-newer, as the
  // key's tombstone.
  if (spec.soft && (!spec.columns.empty() || spec.if_newer)) {
    std::string soft_names = names + fmt::format(", \"{}\"", k_deleted_column);
    std::string soft_values = values + ", true";
    if (spec.if_newer) {
      soft_names += fmt::format(", \"{}\"", k_order_column);
      soft_values += ", s._ord";
    }
    sql += fmt::format(" WHEN NOT MATCHED AND s._op = 's'{} THEN INSERT ({}) VALUES ({})",
                       tomb_ok(spec), soft_names, soft_values);
  }
  return sql;
}

std::string replace_delete_sql(const MergeSpec& spec) {
  return fmt::format("DELETE FROM {} t USING {} s WHERE s._op = 'r' AND {}{}", spec.target,
                     spec.stage, key_match(spec, "t"), order_ok(spec));
}

std::string append_sql(const MergeSpec& spec) {
  std::string names;
  std::string values;
  for (const auto& c : spec.columns) {
    names += (names.empty() ? "" : ", ") + c.quoted;
    values += (values.empty() ? "" : ", ") + value_of(c);
  }
  if (names.empty()) {
    return fmt::format("INSERT INTO {} SELECT FROM {} s WHERE false", spec.target, spec.stage);
  }
  return fmt::format("INSERT INTO {} ({}) SELECT {} FROM {} s WHERE s._op = 'a' AND s._g = {}",
                     spec.target, names, values, spec.stage, spec.group);
}

std::string tombstone_sql(const MergeSpec& spec) {
  return fmt::format("INSERT INTO \"{0}\" (table_name, key, ord) SELECT {1}, _key, _ord FROM {2} "
                     "WHERE _op = 'd' ON CONFLICT (table_name, key) DO UPDATE SET ord = "
                     "greatest(\"{0}\".ord, excluded.ord)",
                     k_tombstone_table, spec.table_literal, spec.stage);
}

std::string create_tombstones_sql() {
  return fmt::format("CREATE TABLE IF NOT EXISTS \"{}\" (table_name text NOT NULL, key text NOT "
                     "NULL, ord numeric NOT NULL, PRIMARY KEY (table_name, key))",
                     k_tombstone_table);
}

} // namespace sluice::connectors::postgres
