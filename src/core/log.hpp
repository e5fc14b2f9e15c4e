// Log: a stage's messages on stderr, each prefixed "sluice <stage>: ".
//
// stdout carries data only, so every message goes to stderr. --quiet silences
// info lines and the summary; warnings and errors always print.
//
// The process-wide format is set once by configure_log() from the shared flags
// (--log-format): text lines ("sluice <stage>: warning: ..."), with the level
// word coloured only when stderr is a terminal and NO_COLOR is unset or empty
// (https://no-color.org), or JSON lines ({"ts","level","stage","msg", fields...})
// written with JsonWriter. A live progress line (set_live_line) is wiped before
// a message and drawn again after it, so the two never mix.
//
// Each message is one write under a process-wide mutex, so Log may be used from
// several threads; configure_log() must run before other threads start. Never
// throws (except std::bad_alloc).
#pragma once

#include <cstdint>
#include <fmt/format.h>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace sluice::core {

enum class LogFormat { text, json };
enum class LogLevel { info, warning, error };

// A named value of a log line: printed as a JSON member under --log-format json
// (text lines carry only the message).
struct LogField {
  std::string_view key;
  std::variant<uint64_t, double, std::string_view> value;
};

// Sets the format; `colour` applies to text lines (see use_colour()).
void configure_log(LogFormat format, bool colour);
LogFormat log_format();
// True when text logs should be coloured: stderr is a terminal, NO_COLOR is
// unset or empty and TERM is not "dumb".
bool use_colour();

// Formats one log line (with its newline) in the configured format.
std::string format_log_line(std::string_view stage, LogLevel level, std::string_view message,
                            std::initializer_list<LogField> fields = {});
// Writes one log line to stderr (used by cli/main.cpp for the final error).
void write_log_line(std::string_view stage, LogLevel level, std::string_view message,
                    std::initializer_list<LogField> fields = {});

// The live progress line shown under the log (no newline; empty clears it).
void set_live_line(std::string_view text);

class Log {
 public:
  Log(std::string stage, bool quiet) : m_stage(std::move(stage)), m_quiet(quiet) {}

  const std::string& stage() const { return m_stage; }
  bool quiet() const { return m_quiet; }

  template <class... Args>
  void info(fmt::format_string<Args...> f, Args&&... args) const {
    if (!m_quiet) {
      write_log_line(m_stage, LogLevel::info, fmt::format(f, std::forward<Args>(args)...));
    }
  }
  template <class... Args>
  void warn(fmt::format_string<Args...> f, Args&&... args) const {
    write_log_line(m_stage, LogLevel::warning, fmt::format(f, std::forward<Args>(args)...));
  }
  template <class... Args>
  void error(fmt::format_string<Args...> f, Args&&... args) const {
    write_log_line(m_stage, LogLevel::error, fmt::format(f, std::forward<Args>(args)...));
  }
  // The stage's summary at exit (an info line unless --quiet), with its figures
  // as fields of the JSON line.
  void summary(std::string_view message, std::initializer_list<LogField> fields) const {
    if (!m_quiet) {
      write_log_line(m_stage, LogLevel::info, message, fields);
    }
  }

 private:
  std::string m_stage;
  bool m_quiet;
};

} // namespace sluice::core
