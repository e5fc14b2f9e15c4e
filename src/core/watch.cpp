#include "core/watch.hpp"

#include <chrono>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sluice::core {
namespace {

WatchOptions& options_storage() {
  static WatchOptions options;
  return options;
}

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Bytes waiting in the pipe or socket on `fd`; -1 for anything else.
int64_t queued_bytes(int fd) {
  struct stat st {};
  if (fstat(fd, &st) != 0 || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
    return -1;
  }
  int n = 0;
  if (ioctl(fd, FIONREAD, &n) != 0) {
    return -1;
  }
  return n;
}

} // namespace

bool parse_progress_mode(std::string_view text, ProgressMode* out) {
  if (text == "auto") {
    *out = ProgressMode::automatic;
  } else if (text == "always") {
    *out = ProgressMode::always;
  } else if (text == "never") {
    *out = ProgressMode::never;
  } else {
    return false;
  }
  return true;
}

void configure_watch(const WatchOptions& options) { options_storage() = options; }

const WatchOptions& watch_options() { return options_storage(); }

bool shows_progress(const WatchOptions& options, bool stderr_is_tty, bool stdout_is_pipe) {
  switch (options.progress) {
  case ProgressMode::always:
    return true;
  case ProgressMode::automatic:
    return stderr_is_tty && !stdout_is_pipe && !options.quiet;
  case ProgressMode::never:
    return false;
  }
  return false;
}

Watch::Watch(StageKind kind, std::string command)
    : m_kind(kind), m_command(std::move(command)), m_start_ms(now_ms()) {
  stage_counters().reset();
  const WatchOptions& options = watch_options();
  if (options.metrics) {
    m_metrics = std::make_unique<MetricsServer>(*options.metrics, [this] { return render(); });
  }
  struct stat out {};
  bool stdout_is_pipe = fstat(1, &out) == 0 && S_ISFIFO(out.st_mode);
  if (shows_progress(options, isatty(2) == 1, stdout_is_pipe)) {
    m_progress = std::make_unique<ProgressLine>(m_kind, m_command);
  }
}

Watch::~Watch() {
  end_progress();
  if (m_metrics) {
    m_metrics->stop();
  }
}

void Watch::end_progress() {
  if (m_progress) {
    m_progress->stop();
  }
}

uint16_t Watch::metrics_port() const { return m_metrics ? m_metrics->port() : 0; }

std::string Watch::render() const {
  MetricsInput in;
  in.kind = m_kind;
  in.command = m_command;
  in.now_ms = now_ms();
  in.start_ms = m_start_ms;
  if (m_kind != StageKind::capture) {
    in.stdin_queue = queued_bytes(0);
  }
  if (m_kind != StageKind::sink) {
    in.stdout_queue = queued_bytes(1);
  }
  return render_metrics(in, stage_counters());
}

} // namespace sluice::core
