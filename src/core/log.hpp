// Log: a stage's messages on stderr, each prefixed "sluice <stage>: ".
//
// stdout carries data only, so every message goes to stderr. --quiet silences
// info lines and the summary; warnings and errors always print. Not thread-safe
// (one per stage, used from the main thread); never throws.
#pragma once

#include <fmt/format.h>
#include <string>

namespace sluice::core {

class Log {
 public:
  Log(std::string stage, bool quiet) : m_stage(std::move(stage)), m_quiet(quiet) {}

  const std::string& stage() const { return m_stage; }
  bool quiet() const { return m_quiet; }

  template <class... Args>
  void info(fmt::format_string<Args...> f, Args&&... args) const {
    if (!m_quiet) {
      print("", fmt::format(f, std::forward<Args>(args)...));
    }
  }
  template <class... Args>
  void warn(fmt::format_string<Args...> f, Args&&... args) const {
    print("warning: ", fmt::format(f, std::forward<Args>(args)...));
  }
  template <class... Args>
  void error(fmt::format_string<Args...> f, Args&&... args) const {
    print("error: ", fmt::format(f, std::forward<Args>(args)...));
  }

 private:
  void print(const char* level, const std::string& message) const;

  std::string m_stage;
  bool m_quiet;
};

} // namespace sluice::core
