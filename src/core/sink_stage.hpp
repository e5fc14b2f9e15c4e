// SinkStage: the delivery protocol of a sink (DESIGN §4.3, §4.7), shared by
// every sink; a SinkTarget only knows its destination.
//
// The sink registers (source id, sink id) in the store before it takes events
// (at the start record, or at once with --source-id), lets the target restore
// its destination to the recorded entry, commits at the earliest of a barrier,
// --linger (0: whenever the input has nothing more ready) or --batch events,
// and with each barrier's commit records (run, checkpoint, pos, target state).
// At an EOF without end, or an abort, it rolls back what is not committed and
// records nothing more. Not thread-safe; throws Error.
#pragma once

#include "core/checkpoint_store.hpp"
#include "core/input_stage.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace sluice::core {

class SinkTarget {
 public:
  virtual ~SinkTarget() = default;
  // The default sink id: the destination without secrets, plus table or file.
  virtual std::string default_sink_id() const = 0;
  // Target state to register with before anything is written (JSON text).
  virtual std::string initial_state() = 0;
  // The source is known. `entry` is this sink's store entry (null without a
  // store); `resume` the barrier the capture resumed from. Restore the
  // destination to the entry (e.g. truncate a file to its recorded size).
  virtual void open(const StoreEntry* entry, const std::optional<control::BarrierId>& resume) = 0;
  // Adds one event to the open batch; false with a reason when it is bad data.
  virtual bool write(const Line& line, simdjson::ondemand::document& doc, std::string* why) = 0;
  // Makes the batch durable. With `record`, sets record->state and records it in
  // `store`: inside the same transaction when the store is the destination's
  // own database, otherwise after the data is durable.
  virtual void commit(CheckpointStore* store, StoreEntry* record) = 0;
  // Drops what was written since the last commit.
  virtual void rollback() = 0;
  // The stream ended cleanly and everything is committed: close the destination.
  virtual void finish() {}
  virtual void on_schema(const control::Schema&) {}
  // One line for the summary ("1200 rows upserted, 3 deleted").
  virtual std::string summary() const = 0;
};

struct SinkOptions {
  CheckpointStore* store = nullptr;
  std::optional<std::string> source_id; // --source-id
  std::optional<std::string> sink_id;   // --sink-id
  std::chrono::microseconds linger{20000};
  uint64_t batch = 10000;
};

class SinkStage : public InputHandler {
 public:
  SinkStage(SinkTarget& target, const SinkOptions& options, BadData& bad, const Log& log);

  // Registers at once when --source-id names the source.
  void begin();

  void on_event(const Line& line, simdjson::ondemand::document& doc,
                const PathValues* found) override;
  void on_control(const Line& line, const control::Record& record) override;
  void on_idle() override;
  std::optional<Clock::time_point> next_timer() const override { return m_linger_due; }
  void on_timer(Clock::time_point now) override;
  void on_finish() override;
  void on_abandon(const control::Abort* abort, const Line* line) override;

  uint64_t written() const { return m_written; }
  uint64_t recorded() const { return m_recorded; }

 private:
  void open(const std::string& source, const std::optional<control::BarrierId>& resume);
  void commit(const control::Checkpoint* barrier);
  void note_barrier();

  SinkTarget& m_target;
  SinkOptions m_options;
  BadData& m_bad;
  const Log& m_log;
  std::string m_sink_id;
  std::optional<std::string> m_source; // set once open
  uint64_t m_pending = 0;
  uint64_t m_written = 0;
  uint64_t m_recorded = 0;
  std::optional<Clock::time_point> m_linger_due;
};

// Reads stdin through an InputStage into `target` with the sink protocol.
void run_sink(ByteSource& input, SinkTarget& target, const SinkOptions& sink,
              const InputOptions& input_options, BadData& bad, const Log& log);

} // namespace sluice::core
