#include "core/operator_stage.hpp"

#include "core/checkpoint_store.hpp"
#include "core/error.hpp"
#include "core/stage_counters.hpp"
#include "core/watch.hpp"

#include <chrono>

namespace sluice::core {
namespace {

class WriterEmit : public Emit {
 public:
  WriterEmit(LineWriter& out, BadData& bad, const std::vector<ControlHook*>& hooks)
      : m_out(out), m_bad(bad), m_hooks(hooks) {}

  void event(std::string_view text) override {
    m_out.write_line(text);
    ++m_events;
    count_event();
  }
  std::string& buffer() override { return m_out.buffer(); }
  void end_event() override {
    m_out.end_line();
    ++m_events;
    count_event();
  }
  void control(std::string_view text, const control::Record& record) override {
    bool is_barrier = false;
    if (const auto* barrier = std::get_if<control::Checkpoint>(&record)) {
      is_barrier = true;
      m_bad.sync();
      for (ControlHook* hook : m_hooks) {
        hook->before_barrier(*barrier);
      }
    }
    m_out.write_line(text);
    if (is_barrier) {
      m_counters.barriers.add();
      m_counters.last_checkpoint_ms.set(wall_clock_ms());
    }
  }
  uint64_t events() const { return m_events; }

 private:
  // For --progress and --metrics: relaxed single-writer stores, no lock.
  void count_event() {
    m_counters.events_out.add();
    m_counters.bytes_out.set(m_out.written() + m_out.buffer().size());
  }

  LineWriter& m_out;
  BadData& m_bad;
  const std::vector<ControlHook*>& m_hooks;
  StageCounters& m_counters = stage_counters();
  uint64_t m_events = 0;
};

class OperatorHandler : public InputHandler {
 public:
  OperatorHandler(Operator& op, LineWriter& out, BadData& bad,
                  const std::vector<ControlHook*>& hooks)
      : m_op(op), m_out(out), m_bad(bad), m_hooks(hooks), m_emit(out, bad, hooks) {}

  const PathSet* wanted_paths() const override { return m_op.wanted_paths(); }
  void on_event(const Line& line, simdjson::ondemand::document& doc,
                const PathValues* found) override {
    std::string why;
    if (!m_op.on_event(line, doc, found, m_emit, &why)) {
      m_bad.report("stdin", line.number, line.text, why, BadKind::rejected);
    }
  }
  void on_control(const Line& line, const control::Record& record) override {
    if (const auto* start = std::get_if<control::Start>(&record)) {
      for (ControlHook* hook : m_hooks) {
        hook->on_start(*start);
      }
    }
    m_op.on_control(line, record, m_emit);
  }
  void on_idle() override { m_out.flush(); }
  std::optional<Clock::time_point> next_timer() const override { return m_op.next_timer(); }
  void on_timer(Clock::time_point now) override { m_op.on_timer(now, m_emit); }
  void on_finish() override {
    m_op.on_finish(m_emit);
    for (ControlHook* hook : m_hooks) {
      hook->on_finish();
    }
    m_bad.sync();
    m_out.flush();
  }
  void on_abandon(const control::Abort* abort, const Line* line) override {
    m_op.on_abandon();
    if (abort != nullptr && line != nullptr) {
      // Pass the cause on, so every later stage exits with the same code.
      m_out.try_write_final(line->text, 100);
    }
  }
  uint64_t events_out() const { return m_emit.events(); }

 private:
  Operator& m_op;
  LineWriter& m_out;
  BadData& m_bad;
  const std::vector<ControlHook*>& m_hooks;
  WriterEmit m_emit;
};

} // namespace

void run_operator(ByteSource& input, LineWriter& out, Operator& op, const InputOptions& options,
                  BadData& bad, const Log& log) {
  run_operator(input, out, op, options, bad, log, {});
}

void run_operator(ByteSource& input, LineWriter& out, Operator& op, const InputOptions& options,
                  BadData& bad, const Log& log, const std::vector<ControlHook*>& hooks) {
  auto started = Clock::now();
  Watch watch(StageKind::operator_stage, log.stage());
  OperatorHandler handler(op, out, bad, hooks);
  InputStage stage(input, options, bad, log);
  try {
    stage.run(handler);
  } catch (const Error& e) {
    bool signalled = e.code() == ExitCode::interrupted || e.code() == ExitCode::terminated;
    if (!e.is_broken_pipe() && !signalled && !e.is_upstream_abort() && e.code() != ExitCode::ok) {
      out.try_write_final(control::make_abort({static_cast<int>(e.code()), log.stage(), e.what()}),
                          100);
    }
    throw;
  }
  watch.end_progress();
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  std::string extra = op.summary();
  log.summary(fmt::format("{} events in, {} out in {:.2f}s{}{}; bad lines: {}", stage.stats().events,
                          handler.events_out(), seconds, extra.empty() ? "" : "; ", extra,
                          bad.count()),
              {{"events_in", stage.stats().events},
               {"events_out", handler.events_out()},
               {"bytes_in", stage.stats().bytes},
               {"bytes_out", out.written()},
               {"seconds", seconds},
               {"bad_lines", bad.count()},
               {"operator", std::string_view(extra)}});
}

} // namespace sluice::core
