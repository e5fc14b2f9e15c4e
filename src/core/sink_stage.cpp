#include "core/sink_stage.hpp"

#include "core/error.hpp"
#include "core/stage_counters.hpp"
#include "core/watch.hpp"

#include <chrono>

namespace sluice::core {

SinkStage::SinkStage(SinkTarget& target, const SinkOptions& options, BadData& bad, const Log& log)
    : m_target(target), m_options(options), m_bad(bad), m_log(log),
      m_sink_id(options.sink_id.value_or(target.default_sink_id())) {}

void SinkStage::begin() {
  if (m_options.source_id && m_options.store != nullptr) {
    open(*m_options.source_id, std::nullopt);
  }
}

void SinkStage::open(const std::string& source, const std::optional<control::BarrierId>& resume) {
  if (m_options.store == nullptr) {
    m_source = source;
    m_target.open(nullptr, resume);
    return;
  }
  StoreEntry entry = m_options.store->register_sink(source, m_sink_id, m_target.initial_state());
  if (resume && entry.barrier && !(*resume == *entry.barrier)) {
    m_log.warn("the capture resumed from checkpoint {} of run {}, but this sink recorded "
               "checkpoint {} of run {}: events in between may be written twice",
               resume->checkpoint, resume->run, entry.barrier->checkpoint, entry.barrier->run);
  }
  m_source = source;
  m_target.open(&entry, resume);
}

void SinkStage::on_event(const Line& line, simdjson::ondemand::document& doc,
                         const PathValues*) {
  if (!m_source) {
    if (m_options.store != nullptr) {
      throw Error(ExitCode::usage, "--checkpoint needs a capture upstream: the input has events "
                                   "before any start record (or give --source-id)");
    }
    open("", std::nullopt);
  }
  std::string why;
  if (!m_target.write(line, doc, &why)) {
    m_bad.report("stdin", line.number, line.text, why, BadKind::rejected);
    return;
  }
  ++m_written;
  stage_counters().events_out.add();
  if (m_pending++ == 0 && m_options.linger.count() > 0) {
    m_linger_due = Clock::now() + m_options.linger;
  }
  if (m_pending >= m_options.batch) {
    commit(nullptr);
  }
}

void SinkStage::on_control(const Line&, const control::Record& record) {
  if (const auto* start = std::get_if<control::Start>(&record)) {
    const std::string& source = m_options.source_id ? *m_options.source_id : start->source;
    if (m_source && *m_source != source) {
      throw Error(ExitCode::data, fmt::format("a second source \"{}\" after \"{}\": one sink "
                                              "takes one source",
                                              source, *m_source));
    }
    if (!m_source) {
      open(source, start->resume);
    }
    return;
  }
  if (const auto* barrier = std::get_if<control::Checkpoint>(&record)) {
    commit(barrier);
    return;
  }
  if (std::holds_alternative<control::End>(record)) {
    if (m_pending > 0) {
      commit(nullptr);
    }
    return;
  }
  if (const auto* schema = std::get_if<control::Schema>(&record)) {
    m_target.on_schema(*schema);
  }
}

void SinkStage::commit(const control::Checkpoint* barrier) {
  m_linger_due.reset();
  m_pending = 0;
  if (barrier == nullptr || m_options.store == nullptr || !m_source) {
    m_target.commit(nullptr, nullptr);
    if (barrier != nullptr) {
      note_barrier();
    }
    return;
  }
  m_bad.sync();
  StoreEntry record{*m_source, m_sink_id, barrier->id(), barrier->pos, "null", wall_clock_ms()};
  m_target.commit(m_options.store, &record);
  ++m_recorded;
  note_barrier();
}

// A barrier's events are committed (and recorded, with a store): for --metrics.
void SinkStage::note_barrier() {
  StageCounters& c = stage_counters();
  c.barriers.add();
  c.last_checkpoint_ms.set(wall_clock_ms());
}

void SinkStage::on_idle() {
  if (m_pending > 0 && m_options.linger.count() == 0) {
    commit(nullptr);
  }
}

void SinkStage::on_timer(Clock::time_point) {
  if (m_pending > 0) {
    commit(nullptr);
  }
  m_linger_due.reset();
}

void SinkStage::on_finish() {
  if (!m_source) {
    open("", std::nullopt);
  }
  if (m_pending > 0) {
    commit(nullptr);
  }
  m_target.finish();
}

void SinkStage::on_abandon(const control::Abort*, const Line*) {
  m_pending = 0;
  m_linger_due.reset();
  m_target.rollback();
}

void run_sink(ByteSource& input, SinkTarget& target, const SinkOptions& sink,
              const InputOptions& input_options, BadData& bad, const Log& log) {
  auto started = Clock::now();
  Watch watch(StageKind::sink, log.stage());
  SinkStage stage(target, sink, bad, log);
  InputStage loop(input, input_options, bad, log);
  stage.begin();
  loop.run(stage);
  watch.end_progress();
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  std::string what = target.summary();
  log.summary(fmt::format("{} events in {:.2f}s: {}; checkpoints recorded: {}; bad lines: {}",
                          stage.written(), seconds, what, stage.recorded(), bad.count()),
              {{"events_in", loop.stats().events},
               {"events_out", stage.written()},
               {"bytes_in", loop.stats().bytes},
               {"seconds", seconds},
               {"checkpoints_recorded", stage.recorded()},
               {"bad_lines", bad.count()},
               {"target", std::string_view(what)}});
}

} // namespace sluice::core
