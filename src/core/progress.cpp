#include "core/progress.hpp"

#include "core/log.hpp"

#include <chrono>
#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace sluice::core {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds k_redraw{250};

uint64_t stage_events(const ProgressSample& s) {
  return s.kind == StageKind::capture ? s.events_out : s.events_in;
}

size_t terminal_width() {
  winsize w{};
  if (ioctl(2, TIOCGWINSZ, &w) == 0 && w.ws_col > 1) {
    return w.ws_col - 1; // never touch the last column: no wrap, \r stays on the line
  }
  return 0;
}

} // namespace

const char* stage_kind_name(StageKind kind) {
  switch (kind) {
  case StageKind::capture:
    return "capture";
  case StageKind::operator_stage:
    return "operator";
  case StageKind::sink:
    return "sink";
  }
  return "capture";
}

std::string human_count(double n) {
  if (n < 1000) {
    return fmt::format("{:.0f}", n);
  }
  if (n < 1e6) {
    return fmt::format("{:.1f}k", n / 1e3);
  }
  if (n < 1e9) {
    return fmt::format("{:.2f}M", n / 1e6);
  }
  return fmt::format("{:.2f}G", n / 1e9);
}

std::string human_bytes(double n) {
  if (n < 1000) {
    return fmt::format("{:.0f} B", n);
  }
  if (n < 1e6) {
    return fmt::format("{:.1f} KB", n / 1e3);
  }
  if (n < 1e9) {
    return fmt::format("{:.1f} MB", n / 1e6);
  }
  return fmt::format("{:.2f} GB", n / 1e9);
}

ProgressSample sample_counters(StageKind kind, const StageCounters& c) {
  ProgressSample s;
  s.kind = kind;
  s.events_in = c.events_in.get();
  s.events_out = c.events_out.get();
  s.bytes = kind == StageKind::capture ? c.bytes_out.get() : c.bytes_in.get();
  s.errors = c.errors_total();
  s.late = c.late.get();
  s.duplicates = c.duplicates.get();
  s.lag = c.source_lag.get();
  s.lag_unit = c.source_lag_unit.load(std::memory_order_relaxed);
  return s;
}

std::string render_progress(std::string_view command, const ProgressSample& s, size_t width) {
  std::string line;
  if (s.kind == StageKind::capture) {
    line = fmt::format("{}: {} events", command, human_count(s.events_out));
  } else {
    line = fmt::format("{}: {} in, {} out", command, human_count(s.events_in),
                       human_count(s.events_out));
  }
  line += fmt::format(", {}/s, {}", human_count(s.rate), human_bytes(s.bytes));
  if (s.lag >= 0) {
    line += s.lag_unit == LagUnit::bytes ? ", lag " + human_bytes(s.lag)
                                         : ", lag " + human_count(s.lag) + " msgs";
  }
  if (s.late > 0) {
    line += fmt::format(", late {}", s.late);
  }
  if (s.duplicates > 0) {
    line += fmt::format(", duplicates {}", s.duplicates);
  }
  line += fmt::format(", errors {}, {:.0f}s", s.errors, s.seconds);
  if (width > 0 && line.size() > width) {
    line.resize(width);
  }
  return line;
}

ProgressLine::ProgressLine(StageKind kind, std::string command)
    : m_kind(kind), m_command(std::move(command)) {
  m_thread = std::thread([this] { loop(); });
}

ProgressLine::~ProgressLine() { stop(); }

void ProgressLine::stop() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_all();
  if (m_thread.joinable()) {
    m_thread.join();
    set_live_line("");
  }
}

void ProgressLine::loop() {
  auto started = SteadyClock::now();
  auto last_time = started;
  uint64_t last_events = 0;
  double rate = 0;
  std::unique_lock lock(m_mutex);
  for (;;) {
    if (m_wake.wait_for(lock, k_redraw, [this] { return m_stopping; })) {
      return;
    }
    auto now = SteadyClock::now();
    ProgressSample s = sample_counters(m_kind, stage_counters());
    double dt = std::chrono::duration<double>(now - last_time).count();
    uint64_t events = stage_events(s);
    double instant = dt > 0 ? (events - last_events) / dt : 0;
    // Smoothed over about a second, so the figure is readable as it changes.
    rate = last_time == started ? instant : 0.6 * rate + 0.4 * instant;
    last_time = now;
    last_events = events;
    s.rate = rate;
    s.seconds = std::chrono::duration<double>(now - started).count();
    set_live_line(render_progress(m_command, s, terminal_width()));
  }
}

} // namespace sluice::core
