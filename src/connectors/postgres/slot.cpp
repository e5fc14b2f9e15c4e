#include "connectors/postgres/slot.hpp"

#include "connectors/postgres/lsn.hpp"
#include "core/error.hpp"

#include <fmt/format.h>

namespace sluice::connectors::postgres {

using core::Error;
using core::ExitCode;

namespace {

constexpr const char* k_object_in_use = "55006";
constexpr const char* k_insufficient_privilege = "42501";
constexpr const char* k_limit_exceeded = "53400";

[[noreturn]] void fail_slot(PgConn& conn, const PgResult& r, const std::string& what,
                            const std::string& slot) {
  std::string state = r.sqlstate();
  if (state == k_object_in_use) {
    throw Error(ExitCode::temporary,
                fmt::format("{}: replication slot \"{}\" is in use by another process ({}): is "
                            "another capture running on it?",
                            what, slot, r.message()));
  }
  if (state == k_insufficient_privilege) {
    throw Error(ExitCode::unavailable,
                fmt::format("{}: {} (the role needs the REPLICATION attribute: ALTER ROLE … "
                            "REPLICATION)",
                            what, r.message()));
  }
  if (state == k_limit_exceeded) {
    throw Error(ExitCode::unavailable,
                fmt::format("{}: {} (raise max_replication_slots or max_wal_senders, or drop "
                            "unused slots)",
                            what, r.message()));
  }
  if (conn.is_broken()) {
    // Lost on the way: worth another try.
    throw Error(ExitCode::temporary, fmt::format("{}: the connection to {} was lost: {}", what,
                                                 conn.describe(), r.message()));
  }
  throw Error(ExitCode::unavailable, fmt::format("{}: {}", what, r.message()));
}

} // namespace

void check_logical_decoding(PgConn& sql) {
  PgResult r = sql.exec("SELECT current_setting('wal_level'), current_user, "
                        "(SELECT rolsuper OR rolreplication FROM pg_roles WHERE rolname = "
                        "current_user)",
                        "check the server settings");
  if (r.value(0, 0) != "logical") {
    throw Error(ExitCode::unavailable,
                fmt::format("{} runs with wal_level = {}: logical decoding needs wal_level = "
                            "logical (set it in postgresql.conf and restart the server)",
                            sql.describe(), r.value(0, 0)));
  }
  if (r.value(0, 2) != "t") {
    throw Error(ExitCode::unavailable,
                fmt::format("role \"{}\" may not use replication on {}: ALTER ROLE \"{}\" "
                            "REPLICATION (and GRANT SELECT on the captured tables)",
                            r.value(0, 1), sql.describe(), r.value(0, 1)));
  }
}

SlotState find_slot(PgConn& sql, const std::string& slot) {
  PgResult r = sql.exec_params(
      "SELECT active, coalesce(wal_status = 'lost', false), temporary, plugin, "
      "coalesce(database::text, ''), coalesce(confirmed_flush_lsn::text, '0/0') FROM "
      "pg_replication_slots WHERE slot_name = $1",
      {slot}, "look up the replication slot");
  SlotState s;
  if (r.rows() == 0) {
    return s;
  }
  s.exists = true;
  s.active = r.value(0, 0) == "t";
  s.lost = r.value(0, 1) == "t";
  s.temporary = r.value(0, 2) == "t";
  s.plugin = r.text(0, 3);
  s.database = r.text(0, 4);
  parse_lsn(r.value(0, 5), &s.confirmed_flush);
  return s;
}

bool ensure_publication(PgConn& sql, const std::string& publication,
                        const std::vector<TableSpec>& tables) {
  PgResult found = sql.exec_params("SELECT 1 FROM pg_publication WHERE pubname = $1",
                                   {publication}, "look up the publication");
  if (found.rows() > 0) {
    return false;
  }
  PgResult r = sql.run(create_publication_sql(publication, tables));
  if (!r.ok() && r.sqlstate() != "42710") { // created meanwhile by someone else: fine
    if (r.sqlstate() == k_insufficient_privilege) {
      throw Error(ExitCode::unavailable,
                  fmt::format("create publication \"{}\": {} (FOR ALL TABLES needs a superuser: "
                              "give --tables, or create the publication beforehand)",
                              publication, r.message()));
    }
    throw Error(ExitCode::unavailable,
                fmt::format("create publication \"{}\": {}", publication, r.message()));
  }
  return r.ok();
}

CreatedSlot create_slot(PgConn& repl, const std::string& slot, bool temporary,
                        bool export_snapshot) {
  std::string sql = fmt::format("CREATE_REPLICATION_SLOT {}{} LOGICAL pgoutput (SNAPSHOT '{}')",
                                quote_identifier(slot), temporary ? " TEMPORARY" : "",
                                export_snapshot ? "export" : "nothing");
  PgResult r = repl.run(sql);
  if (!r.ok()) {
    if (r.message().find("wal_level") != std::string::npos) {
      throw Error(ExitCode::unavailable,
                  fmt::format("create replication slot \"{}\": {} (set wal_level = logical in "
                              "postgresql.conf and restart the server)",
                              slot, r.message()));
    }
    fail_slot(repl, r, fmt::format("create replication slot \"{}\"", slot), slot);
  }
  CreatedSlot out;
  if (r.rows() < 1 || !parse_lsn(r.value(0, 1), &out.consistent_point)) {
    throw Error(ExitCode::unavailable, "create replication slot: unexpected answer");
  }
  if (export_snapshot && !r.is_null(0, 2)) {
    out.snapshot_name = r.text(0, 2);
  }
  return out;
}

void drop_slot(PgConn& repl, const std::string& slot) {
  PgResult r = repl.run("DROP_REPLICATION_SLOT " + quote_identifier(slot) + " WAIT");
  if (!r.ok() && r.sqlstate() != "42704") { // undefined_object: already gone
    fail_slot(repl, r, fmt::format("drop replication slot \"{}\"", slot), slot);
  }
}

void start_replication(PgConn& repl, const StreamStart& start) {
  std::string options = fmt::format("proto_version '{}', publication_names {}",
                                    start.stream_large ? 2 : 1,
                                    quote_literal(quote_identifier(start.publication)));
  if (start.stream_large) {
    options += ", streaming 'on'";
  }
  std::string sql = fmt::format("START_REPLICATION SLOT {} LOGICAL {} ({})",
                                quote_identifier(start.slot), format_lsn(start.lsn), options);
  PgResult r = repl.run(sql);
  if (r.status() != PGRES_COPY_BOTH) {
    fail_slot(repl, r, fmt::format("start replication from slot \"{}\"", start.slot), start.slot);
  }
}

} // namespace sluice::connectors::postgres
