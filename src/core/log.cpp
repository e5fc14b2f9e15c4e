#include "core/log.hpp"

#include "core/json_writer.hpp"

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <unistd.h>

namespace sluice::core {
namespace {

struct LogState {
  std::mutex mutex;
  LogFormat format = LogFormat::text;
  bool colour = false;
  std::string live; // the progress line on screen, if any
};

LogState& state() {
  static LogState s;
  return s;
}

constexpr std::string_view k_clear_line = "\r\033[K";

const char* level_name(LogLevel level) {
  switch (level) {
  case LogLevel::info:
    return "info";
  case LogLevel::warning:
    return "warning";
  case LogLevel::error:
    return "error";
  }
  return "info";
}

// Log text may quote bad input: keep it valid UTF-8 for the JSON writer.
std::string valid_utf8(std::string_view text) {
  std::string out(text);
  if (!is_valid_utf8(out)) {
    for (auto& c : out) {
      if (static_cast<unsigned char>(c) >= 0x80) {
        c = '?';
      }
    }
  }
  return out;
}

std::string utc_timestamp() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  tm t{};
  gmtime_r(&now.tv_sec, &t);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", t.tm_year + 1900, t.tm_mon + 1,
                     t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, now.tv_nsec / 1000000);
}

std::string json_line(std::string_view stage, LogLevel level, std::string_view message,
                      std::initializer_list<LogField> fields) {
  std::string line;
  JsonWriter w(&line);
  w.begin_object().key("ts").string(utc_timestamp()).key("level").string(level_name(level));
  w.key("stage").string(valid_utf8(stage)).key("msg").string(valid_utf8(message));
  for (const LogField& f : fields) {
    w.key(f.key);
    if (const auto* n = std::get_if<uint64_t>(&f.value)) {
      w.number(*n);
    } else if (const auto* d = std::get_if<double>(&f.value)) {
      w.number(*d);
    } else {
      w.string(valid_utf8(std::get<std::string_view>(f.value)));
    }
  }
  w.end_object();
  line.push_back('\n');
  return line;
}

std::string text_line(std::string_view stage, LogLevel level, std::string_view message, bool colour) {
  std::string_view word;
  std::string_view on;
  if (level == LogLevel::warning) {
    word = "warning: ";
    on = "\033[33m"; // yellow
  } else if (level == LogLevel::error) {
    word = "error: ";
    on = "\033[1;31m"; // bold red
  }
  if (colour && !word.empty()) {
    return fmt::format("sluice {}: {}{}\033[0m{}\n", stage, on, word, message);
  }
  return fmt::format("sluice {}: {}{}\n", stage, word, message);
}

void write_stderr(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stderr);
}

} // namespace

void configure_log(LogFormat format, bool colour) {
  LogState& s = state();
  std::lock_guard lock(s.mutex);
  s.format = format;
  s.colour = colour;
}

LogFormat log_format() {
  LogState& s = state();
  std::lock_guard lock(s.mutex);
  return s.format;
}

bool use_colour() {
  const char* no_colour = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  return isatty(2) == 1 && (no_colour == nullptr || *no_colour == '\0') &&
         !(term != nullptr && std::string_view(term) == "dumb");
}

std::string format_log_line(std::string_view stage, LogLevel level, std::string_view message,
                            std::initializer_list<LogField> fields) {
  LogState& s = state();
  LogFormat format;
  bool colour;
  {
    std::lock_guard lock(s.mutex);
    format = s.format;
    colour = s.colour;
  }
  return format == LogFormat::json ? json_line(stage, level, message, fields)
                                   : text_line(stage, level, message, colour);
}

void write_log_line(std::string_view stage, LogLevel level, std::string_view message,
                    std::initializer_list<LogField> fields) {
  std::string line = format_log_line(stage, level, message, fields);
  LogState& s = state();
  std::lock_guard lock(s.mutex);
  // One write per message (the live line wiped before it and drawn again after
  // it), so lines of concurrent stages do not interleave.
  if (!s.live.empty()) {
    line = std::string(k_clear_line) + line + s.live;
  }
  write_stderr(line);
  std::fflush(stderr);
}

void set_live_line(std::string_view text) {
  LogState& s = state();
  std::lock_guard lock(s.mutex);
  if (text.empty() && s.live.empty()) {
    return;
  }
  s.live = text;
  std::string out(k_clear_line);
  out += text;
  write_stderr(out);
  std::fflush(stderr);
}

} // namespace sluice::core
