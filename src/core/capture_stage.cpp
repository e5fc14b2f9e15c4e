#include "core/capture_stage.hpp"

#include "core/control.hpp"
#include "core/error.hpp"
#include "core/fd.hpp"
#include "core/signals.hpp"
#include "core/stage_counters.hpp"
#include "core/watch.hpp"
#include "core/units.hpp"

#include <cerrno>
#include <fcntl.h>
#include <poll.h>
#include <thread>
#include <unistd.h>

namespace sluice::core {
namespace {

using std::chrono::milliseconds;

// Longest stretch a source produces before the loop looks at signals and barriers.
constexpr milliseconds k_slice{20};
constexpr milliseconds k_drain_poll{5};

class CaptureRun {
 public:
  CaptureRun(CaptureSource& source, LineWriter& out, BadData& bad, const CaptureOptions& options,
             const Log& log, Watch& watch)
      : m_source(source), m_out(out), m_bad(bad), m_emit(out, bad, options.control), m_options(options), m_log(log),
        m_watch(watch), m_id(source.source_id()), m_run(control::new_run_id()) {}

  void run();

 private:
  void start();
  void emit_barrier();
  bool is_barrier_due();
  void acknowledge_progress(bool barrier_written);
  void write_requested_barrier();
  void idle_wait(Clock::time_point next_barrier);
  void drain();
  void close_stdout();
  void publish_counts();

  CaptureSource& m_source;
  LineWriter& m_out;
  BadData& m_bad;
  Emitter m_emit;
  const CaptureOptions& m_options;
  const Log& m_log;
  Watch& m_watch;
  StageCounters& m_counters = stage_counters();
  std::string m_id;
  std::string m_run;
  uint64_t m_checkpoint = 0;
  uint64_t m_events_at_barrier = 0;
  std::string m_pos_at_barrier; // the source's position at the last barrier (or the start)
  std::string m_acknowledged;   // the last position passed to acknowledge() while running
  Clock::time_point m_started = Clock::now();
};

void CaptureRun::start() {
  std::string pos = "null";
  std::optional<control::BarrierId> resume;
  bool point_unrecorded = false;
  if (m_options.store != nullptr) {
    auto entries = m_options.store->entries(m_id);
    auto point = lowest_position(entries, [&](std::string_view a, std::string_view b) {
      return m_source.compare_pos(a, b);
    });
    if (point.unrecorded) {
      point_unrecorded = true;
      m_log.info("a sink registered in {} has recorded nothing yet: starting from the beginning",
                 m_options.store->describe());
    } else if (point.barrier) {
      resume = point.barrier;
      pos = point.pos;
      m_log.info("resuming after checkpoint {} of run {} (lowest of {} sinks) at {}",
                 resume->checkpoint, resume->run, point.sinks, pos);
    } else {
      m_log.info("no position stored for {} in {}: starting from the beginning", m_id,
                 m_options.store->describe());
    }
  }
  if (point_unrecorded) {
    m_source.seek_beginning();
  } else {
    m_source.seek(pos);
  }
  if (m_source.started_over()) {
    resume.reset();
    pos = "null";
  }
  m_pos_at_barrier = m_source.position();
  if (m_options.control) {
    m_out.write_line(control::make_start({m_id, m_run, resume, pos}));
  }
}

void CaptureRun::emit_barrier() {
  m_bad.sync();
  ++m_checkpoint;
  m_events_at_barrier = m_emit.events();
  m_pos_at_barrier = m_source.position();
  m_out.write_line(control::make_checkpoint({m_checkpoint, m_id, m_run, m_pos_at_barrier}));
  m_counters.barriers.add();
  m_counters.last_checkpoint_ms.set(wall_clock_ms());
}

// For --progress and --metrics, once per produce() call (not per event).
void CaptureRun::publish_counts() {
  m_counters.events_in.set(m_emit.events());
  m_counters.events_out.set(m_emit.events());
  m_counters.bytes_out.set(m_out.written() + m_out.buffer().size());
}

bool CaptureRun::is_barrier_due() {
  return m_options.control &&
         (m_emit.events() != m_events_at_barrier || m_source.position() != m_pos_at_barrier);
}

// Passes the source what it may acknowledge now (see acknowledges_progress()).
void CaptureRun::acknowledge_progress(bool barrier_written) {
  std::string pos;
  if (m_options.store != nullptr) {
    auto point = lowest_position(m_options.store->entries(m_id),
                                 [&](std::string_view a, std::string_view b) {
                                   return m_source.compare_pos(a, b);
                                 });
    if (point.unrecorded || !point.barrier) {
      return;
    }
    pos = point.pos;
  } else if (barrier_written || !m_options.control) {
    // Without a store the source is acknowledged once the barrier is written out.
    m_out.flush();
    pos = m_options.control ? m_pos_at_barrier : m_source.position();
  } else {
    return;
  }
  if (pos != m_acknowledged) {
    m_acknowledged = pos;
    m_source.acknowledge(pos);
  }
}

void CaptureRun::write_requested_barrier() {
  std::optional<control::BarrierId> id;
  if (m_options.control) {
    emit_barrier();
    id = control::BarrierId{m_run, m_checkpoint};
  }
  m_out.flush();
  m_source.barrier_written(id);
}

void CaptureRun::idle_wait(Clock::time_point next_barrier) {
  m_out.flush();
  auto until = next_barrier;
  if (auto wake = m_source.wake_at(); wake && *wake < until) {
    until = *wake;
  }
  auto now = Clock::now();
  if (until <= now) {
    return;
  }
  int timeout = static_cast<int>(std::chrono::duration_cast<milliseconds>(until - now).count()) + 1;
  // A negative fd is ignored by poll(), which then only sleeps (EINTR on a signal).
  // stdout is watched too (no events asked: POLLERR comes anyway) so that an idle
  // capture notices at once that downstream went away, not at its next write.
  pollfd p[2] = {{m_source.wait_fd(), POLLIN, 0}, {m_out.fd(), 0, 0}};
  if (poll(p, 2, timeout) > 0 && (p[1].revents & (POLLERR | POLLHUP)) != 0) {
    throw Error::broken_pipe();
  }
}

void CaptureRun::close_stdout() {
  m_out.flush();
  // Replace fd 1 rather than close it, so no later open() can land on it.
  Fd null = open_file("/dev/null", O_WRONLY);
  if (dup2(null.get(), m_out.fd()) < 0) {
    throw_errno("close stdout");
  }
}

void CaptureRun::drain() {
  if (m_options.control) {
    emit_barrier();
    m_out.write_line(control::make_end({m_checkpoint}));
  }
  close_stdout();
  std::string final_pos = m_source.position();
  if (m_options.store == nullptr) {
    m_source.acknowledge(final_pos);
    return;
  }
  control::BarrierId last{m_run, m_checkpoint};
  auto deadline = Clock::now() + m_options.drain_timeout;
  for (;;) {
    auto entries = m_options.store->entries(m_id);
    if (all_sinks_reached(entries, last)) {
      m_source.acknowledge(final_pos);
      return;
    }
    if (Clock::now() >= deadline) {
      throw Error(ExitCode::temporary,
                  fmt::format("checkpoint {} was not recorded by {} within --drain-timeout {}: "
                              "nothing more acknowledged",
                              m_checkpoint,
                              entries.empty() ? std::string("any sink (none is registered in ") +
                                                    m_options.store->describe() + ")"
                                              : fmt::format("all {} registered sinks", entries.size()),
                              format_duration(m_options.drain_timeout)));
    }
    signals::check_hard_exit();
    std::this_thread::sleep_for(k_drain_poll);
  }
}

void CaptureRun::run() {
  start();
  auto next_barrier = Clock::now() + m_options.checkpoint_interval;
  for (;;) {
    signals::check_hard_exit();
    if (signals::stop_requested()) {
      m_log.info("signal received: writing the final checkpoint");
      break;
    }
    auto now = Clock::now();
    Produced step = m_source.produce(m_emit, std::min(now + k_slice, next_barrier));
    publish_counts();
    if (step == Produced::done) {
      break;
    }
    if (step == Produced::barrier) {
      write_requested_barrier();
      continue;
    }
    now = Clock::now();
    if (now >= next_barrier) {
      bool barrier = is_barrier_due();
      if (barrier) {
        emit_barrier();
      }
      if (m_source.acknowledges_progress()) {
        acknowledge_progress(barrier);
      }
      next_barrier = now + m_options.checkpoint_interval;
    }
    if (step == Produced::idle) {
      idle_wait(next_barrier);
    }
  }
  drain();
  publish_counts();
  m_watch.end_progress();
  double seconds = std::chrono::duration<double>(Clock::now() - m_started).count();
  double rate = seconds > 0 ? m_emit.events() / seconds : 0.0;
  m_log.summary(fmt::format("{} events in {:.2f}s ({:.0f}/s); checkpoints: {}; bad lines: {}",
                            m_emit.events(), seconds, rate, m_checkpoint, m_bad.count()),
                {{"events_out", m_emit.events()},
                 {"bytes_out", m_out.written()},
                 {"seconds", seconds},
                 {"events_per_second", rate},
                 {"checkpoints", m_checkpoint},
                 {"bad_lines", m_bad.count()}});
}

} // namespace

void run_capture(CaptureSource& source, LineWriter& out, BadData& bad,
                 const CaptureOptions& options, const Log& log) {
  Watch watch(StageKind::capture, log.stage());
  CaptureRun run(source, out, bad, options, log, watch);
  try {
    run.run();
  } catch (const Error& e) {
    bool signalled = e.code() == ExitCode::interrupted || e.code() == ExitCode::terminated;
    if (e.is_broken_pipe() && options.store != nullptr) {
      throw Error(ExitCode::temporary, "downstream closed the pipe before the final checkpoint "
                                       "was recorded: nothing more acknowledged");
    }
    if (!e.is_broken_pipe() && !signalled && e.code() != ExitCode::ok && options.control) {
      out.try_write_final(control::make_abort({static_cast<int>(e.code()), log.stage(), e.what()}),
                          100);
    }
    throw;
  }
}

} // namespace sluice::core
