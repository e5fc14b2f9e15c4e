#include "core/error.hpp"

#include <cerrno>
#include <cstring>

namespace sluice::core {

Error Error::broken_pipe() {
  Error e(ExitCode::ok, "downstream closed the pipe");
  e.m_broken_pipe = true;
  return e;
}

Error Error::upstream_abort(int exit_code, const std::string& message) {
  Error e(exit_code_from_int(exit_code), message);
  e.m_upstream_abort = true;
  return e;
}

void throw_errno(const std::string& what) {
  throw Error(ExitCode::io, what + ": " + std::strerror(errno));
}

const char* exit_code_name(ExitCode code) {
  switch (code) {
  case ExitCode::ok: return "ok";
  case ExitCode::usage: return "usage error";
  case ExitCode::data: return "bad data";
  case ExitCode::unavailable: return "service unavailable";
  case ExitCode::internal: return "internal error";
  case ExitCode::io: return "I/O error";
  case ExitCode::temporary: return "temporary failure";
  case ExitCode::interrupted: return "interrupted";
  case ExitCode::terminated: return "terminated";
  }
  return "unknown";
}

ExitCode exit_code_from_int(int code) {
  switch (code) {
  case 0: case 2: case 65: case 69: case 70: case 74: case 75: case 130: case 143:
    return static_cast<ExitCode>(code);
  default:
    return ExitCode::internal;
  }
}

} // namespace sluice::core
