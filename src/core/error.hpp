// Exit codes of DESIGN.md §5 and the one exception type sluice throws.
//
// Error ends a run: it is thrown where the failure is found and caught once, in
// cli/main.cpp, which prints it and exits with its code. Per-record failures are
// values (bool + reason), never an Error. Thread-safe (immutable values).
#pragma once

#include <stdexcept>
#include <string>

namespace sluice::core {

enum class ExitCode : int {
  ok = 0,
  usage = 2,         // bad flags or arguments: do not restart
  data = 65,         // bad data or corrupt state: do not restart
  unavailable = 69,  // a service stayed unavailable after retries
  internal = 70,     // a bug
  io = 74,           // an I/O error
  temporary = 75,    // temporary failure (an upstream crash): restart
  interrupted = 130, // a second SIGINT
  terminated = 143,  // a second SIGTERM
};

class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message) : std::runtime_error(message), m_code(code) {}

  ExitCode code() const { return m_code; }

  // Downstream went away (EPIPE): the stage exits without a message.
  static Error broken_pipe();
  bool is_broken_pipe() const { return m_broken_pipe; }

  // The exit was caused by an abort record from upstream, which already explained it.
  static Error upstream_abort(int exit_code, const std::string& message);
  bool is_upstream_abort() const { return m_upstream_abort; }

 private:
  ExitCode m_code;
  bool m_broken_pipe = false;
  bool m_upstream_abort = false;
};

// Throws Error(io) for the current errno, naming what was being done ("write stdout").
[[noreturn]] void throw_errno(const std::string& what);

// The code's conventional name ("data error"), for logs and the man page.
const char* exit_code_name(ExitCode code);

// Maps a raw process exit status (as carried by abort records) to an ExitCode.
ExitCode exit_code_from_int(int code);

} // namespace sluice::core
