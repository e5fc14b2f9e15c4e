// PgConn and PgResult: RAII owners of a libpq connection and result (STYLE
// 2.3), and how sluice connects: the URI or conninfo string of the command
// line, the password from --password-env/--password-file (never argv), and
// the session settings every connector relies on (DateStyle=ISO,
// TimeZone=UTC, bytea_output=hex, extra_float_digits=3, UTF8).
//
// exec() throws Error for a failed command: 69 (unavailable) when the
// connection is gone, 74 otherwise, naming what was being done; run() returns
// the result whatever its status, for callers that look at the SQLSTATE.
// Messages never carry the password. Not thread-safe: one thread per
// connection. Throws Error.
#pragma once

#include <libpq-fe.h>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::connectors::postgres {

struct ConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};

class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(PGresult* r) : m_result(r) {}

  PGresult* get() const { return m_result.get(); }
  explicit operator bool() const { return m_result != nullptr; }
  ExecStatusType status() const { return PQresultStatus(m_result.get()); }
  // True for PGRES_COMMAND_OK and PGRES_TUPLES_OK.
  bool ok() const;
  // The five-character SQLSTATE, or "" (no result, or a client-side failure).
  std::string sqlstate() const;
  // The server's message without its trailing newline.
  std::string message() const;

  int rows() const { return PQntuples(m_result.get()); }
  int columns() const { return PQnfields(m_result.get()); }
  bool is_null(int row, int column) const { return PQgetisnull(m_result.get(), row, column) != 0; }
  std::string_view value(int row, int column) const {
    return {PQgetvalue(m_result.get(), row, column),
            static_cast<size_t>(PQgetlength(m_result.get(), row, column))};
  }
  std::string text(int row, int column) const { return std::string(value(row, column)); }

 private:
  std::unique_ptr<PGresult, ResultDeleter> m_result;
};

struct ConnectSpec {
  std::string uri;                     // postgresql://… or key=value conninfo
  std::optional<std::string> password; // from --password-env / --password-file
  bool replication = false;            // replication=database
  std::string application_name = "sluice";
};

// What a URI names, without its password: "postgres://host:port/db".
std::string describe_uri(const std::string& uri);
// True when the URI or conninfo carries a password.
bool uri_has_password(const std::string& uri);
// (host, port, dbname) as the URI names them, for telling databases apart.
std::string database_identity(const std::string& uri);

class PgConn {
 public:
  PgConn() = default;
  // Connects once; throws Error(unavailable) with libpq's reason.
  static PgConn connect(const ConnectSpec& spec);

  PGconn* get() const { return m_conn.get(); }
  explicit operator bool() const { return m_conn != nullptr; }
  bool is_broken() const { return !m_conn || PQstatus(m_conn.get()) == CONNECTION_BAD; }
  const std::string& describe() const { return m_describe; }

  // Runs `sql` (simple protocol, may hold several statements).
  PgResult run(std::string_view sql);
  // Runs `sql` with text parameters ($1…; nullopt is NULL).
  PgResult run_params(std::string_view sql, const std::vector<std::optional<std::string>>& params);
  // As run()/run_params(), throwing Error on failure: `what` names the step.
  PgResult exec(std::string_view sql, std::string_view what);
  PgResult exec_params(std::string_view sql, const std::vector<std::optional<std::string>>& params,
                       std::string_view what);
  // Throws the Error exec() would throw for the failed `result`.
  [[noreturn]] void fail(const PgResult& result, std::string_view what) const;

 private:
  std::unique_ptr<PGconn, ConnDeleter> m_conn;
  std::string m_describe;
};

// Quotes an identifier for SQL ("Odd ""Name""").
std::string quote_identifier(std::string_view name);
// Quotes a string literal for SQL where no parameter can be bound (replication
// commands); standard_conforming_strings is on in every supported server.
std::string quote_literal(std::string_view text);

// Reads the password named by --password-env VAR or --password-file FILE
// (trailing newline dropped); nullopt when neither is given. Throws Error(usage)
// when the variable is unset or the file cannot be read.
std::optional<std::string> read_password(const std::string& env_var, const std::string& file,
                                         std::string_view flag_prefix = "--password");

} // namespace sluice::connectors::postgres
