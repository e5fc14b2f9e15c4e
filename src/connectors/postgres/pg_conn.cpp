#include "connectors/postgres/pg_conn.hpp"

#include "core/error.hpp"
#include "core/fd.hpp"

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <fmt/format.h>
#include <map>
#include <unistd.h>

namespace sluice::connectors::postgres {

using core::Error;
using core::ExitCode;

namespace {

// Session settings the value mapping relies on (pg_values.hpp).
constexpr const char* k_session_options =
    "-c DateStyle=ISO -c TimeZone=UTC -c bytea_output=hex -c extra_float_digits=3 "
    "-c IntervalStyle=postgres";

struct OptionsDeleter {
  void operator()(PQconninfoOption* o) const { PQconninfoFree(o); }
};

// The key=value pairs a URI or conninfo string sets (empty when it cannot be parsed).
std::map<std::string, std::string> parse_conninfo(const std::string& uri) {
  std::map<std::string, std::string> out;
  char* err = nullptr;
  std::unique_ptr<PQconninfoOption, OptionsDeleter> opts(PQconninfoParse(uri.c_str(), &err));
  if (err != nullptr) {
    PQfreemem(err);
  }
  if (!opts) {
    return out;
  }
  for (PQconninfoOption* o = opts.get(); o->keyword != nullptr; ++o) {
    if (o->val != nullptr && o->val[0] != '\0') {
      out[o->keyword] = o->val;
    }
  }
  return out;
}

std::string setting(const std::map<std::string, std::string>& info, const char* key,
                    const char* env, const char* fallback) {
  auto it = info.find(key);
  if (it != info.end()) {
    return it->second;
  }
  const char* e = env != nullptr ? std::getenv(env) : nullptr;
  return e != nullptr && e[0] != '\0' ? e : fallback;
}

std::string trim_newline(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) {
    s.pop_back();
  }
  return s;
}

void ignore_notice(void*, const char*) {}

} // namespace

bool PgResult::ok() const {
  auto s = status();
  return m_result && (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK);
}

std::string PgResult::sqlstate() const {
  const char* s = m_result ? PQresultErrorField(m_result.get(), PG_DIAG_SQLSTATE) : nullptr;
  return s != nullptr ? s : "";
}

std::string PgResult::message() const {
  const char* primary = m_result ? PQresultErrorField(m_result.get(), PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  if (primary != nullptr) {
    return primary;
  }
  return m_result ? trim_newline(PQresultErrorMessage(m_result.get())) : "no result";
}

std::string describe_uri(const std::string& uri) {
  auto info = parse_conninfo(uri);
  std::string user = setting(info, "user", "PGUSER", "");
  std::string host = setting(info, "host", "PGHOST", "localhost");
  if (host.find(',') != std::string::npos) {
    host = host.substr(0, host.find(','));
  }
  std::string port = setting(info, "port", "PGPORT", "5432");
  std::string db = setting(info, "dbname", "PGDATABASE", user.empty() ? "postgres" : user.c_str());
  return fmt::format("postgres://{}:{}/{}", host, port, db);
}

bool uri_has_password(const std::string& uri) { return parse_conninfo(uri).count("password") > 0; }

std::string database_identity(const std::string& uri) { return describe_uri(uri); }

PgConn PgConn::connect(const ConnectSpec& spec) {
  auto info = parse_conninfo(spec.uri);
  std::string options = k_session_options;
  if (auto it = info.find("options"); it != info.end()) {
    options = it->second + " " + options;
  }
  std::vector<const char*> keys{"dbname"};
  std::vector<const char*> values{spec.uri.c_str()};
  auto add = [&](const char* k, const std::string& v) {
    keys.push_back(k);
    values.push_back(v.c_str());
  };
  std::string replication = "database";
  std::string encoding = "UTF8";
  std::string timeout = "10";
  if (spec.replication) {
    add("replication", replication);
  }
  add("application_name", spec.application_name);
  add("options", options);
  add("client_encoding", encoding);
  if (info.count("connect_timeout") == 0) {
    add("connect_timeout", timeout);
  }
  if (spec.password) {
    add("password", *spec.password);
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  PgConn conn;
  conn.m_describe = describe_uri(spec.uri);
  conn.m_conn.reset(PQconnectdbParams(keys.data(), values.data(), 1));
  if (!conn.m_conn) {
    throw Error(ExitCode::unavailable, "out of memory connecting to " + conn.m_describe);
  }
  PQsetNoticeProcessor(conn.m_conn.get(), ignore_notice, nullptr);
  if (PQstatus(conn.m_conn.get()) != CONNECTION_OK) {
    throw Error(ExitCode::unavailable, fmt::format("cannot connect to {}: {}", conn.m_describe,
                                                   trim_newline(PQerrorMessage(conn.get()))));
  }
  return conn;
}

PgResult PgConn::run(std::string_view sql) {
  std::string text(sql);
  return PgResult(PQexec(m_conn.get(), text.c_str()));
}

PgResult PgConn::run_params(std::string_view sql,
                            const std::vector<std::optional<std::string>>& params) {
  std::string text(sql);
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) {
    values.push_back(p ? p->c_str() : nullptr);
  }
  return PgResult(PQexecParams(m_conn.get(), text.c_str(), static_cast<int>(values.size()),
                               nullptr, values.data(), nullptr, nullptr, 0));
}

void PgConn::fail(const PgResult& result, std::string_view what) const {
  std::string message = result ? result.message() : trim_newline(PQerrorMessage(m_conn.get()));
  if (is_broken()) {
    throw Error(ExitCode::unavailable,
                fmt::format("{}: the connection to {} was lost: {}", what, m_describe, message));
  }
  throw Error(ExitCode::io, fmt::format("{}: {}", what, message));
}

PgResult PgConn::exec(std::string_view sql, std::string_view what) {
  PgResult r = run(sql);
  if (!r.ok()) {
    fail(r, what);
  }
  return r;
}

PgResult PgConn::exec_params(std::string_view sql,
                             const std::vector<std::optional<std::string>>& params,
                             std::string_view what) {
  PgResult r = run_params(sql, params);
  if (!r.ok()) {
    fail(r, what);
  }
  return r;
}

std::string quote_identifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') {
      out += '"';
    }
    out += c;
  }
  return out + "\"";
}

std::string quote_literal(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += '\'';
    }
    out += c;
  }
  return out + "'";
}

std::optional<std::string> read_password(const std::string& env_var, const std::string& file,
                                         std::string_view flag_prefix) {
  if (!env_var.empty()) {
    const char* v = std::getenv(env_var.c_str());
    if (v == nullptr) {
      throw Error(ExitCode::usage, fmt::format("{}-env {}: the variable is not set", flag_prefix,
                                               env_var));
    }
    return std::string(v);
  }
  if (!file.empty()) {
    core::Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    std::string text;
    char buf[4096];
    ssize_t n = 0;
    while (fd.valid() && (n = ::read(fd.get(), buf, sizeof buf)) > 0) {
      text.append(buf, static_cast<size_t>(n));
    }
    if (!fd.valid() || n < 0) {
      throw Error(ExitCode::usage, fmt::format("{}-file {}: cannot be read", flag_prefix, file));
    }
    return trim_newline(text);
  }
  return std::nullopt;
}

} // namespace sluice::connectors::postgres
