// GenerateCapture: `sluice capture generate` — the seeded generator of CDC
// events (connectors/generate/generator.hpp) as a capture source: it paces
// events at --rate, stops after --count and resumes from a position.
//
// A position is the JSON string "<t0>:<n>": the first event's time and the
// number of events emitted. seek() takes t0 from it, so a resumed run writes the
// same bytes as an uninterrupted one, and regenerates the first n events
// without formatting them. --count counts from the beginning, not from the
// resume point. With a rate, the event arriving at a is due at start + (a - t0),
// where start is when the run began (t0 = now by default, so ts follows the wall
// clock); a resumed run with the default t0 catches up to the wall clock as
// fast as it can, one with an explicit --start-ts continues at the rate from
// where it stopped. Not thread-safe; seek() throws Error(data) for a position
// that is not one of this source.
#pragma once

#include "connectors/generate/generator.hpp"
#include "core/capture_stage.hpp"

#include <memory>
#include <optional>
#include <string>

namespace sluice::connectors::generate {

constexpr int64_t k_default_start_ts_ms = 1732406400000; // 2024-11-24T00:00:00Z

struct GenerateOptions {
  GeneratorOptions generator; // its t0_ms is set by seek()
  uint64_t count = 0;         // events in all, duplicates included; 0: no end
  // The first event's time; default k_default_start_ts_ms without a rate, now with one.
  std::optional<int64_t> start_ts_ms;
  std::optional<std::string> source_id;
};

// Checks the ranges of the options; false with a reason naming the flag.
bool validate_options(const GenerateOptions& options, std::string* why);

class GenerateCapture : public core::CaptureSource {
 public:
  explicit GenerateCapture(GenerateOptions options);

  // "generate:seed=S,keys=K,tables=T1+T2,dup=P,disorder=P,lateness=Lms" unless overridden.
  std::string source_id() const override;
  int compare_pos(std::string_view a, std::string_view b) const override;
  void seek(const std::string& pos) override;
  core::Produced produce(core::Emitter& out, core::Clock::time_point until) override;
  std::string position() const override;
  std::optional<core::Clock::time_point> wake_at() const override { return m_wake; }

 private:
  core::Produced produce_fast(core::Emitter& out, core::Clock::time_point until);
  core::Produced produce_paced(core::Emitter& out, core::Clock::time_point until);
  bool is_done() const;
  core::Clock::time_point due(int64_t arrival_ms) const;
  void start(int64_t t0_ms, uint64_t skip);

  GenerateOptions m_options;
  std::unique_ptr<Generator> m_generator;
  core::Clock::time_point m_start; // when the event arriving at t0 is due
  std::optional<core::Clock::time_point> m_wake;
};

} // namespace sluice::connectors::generate
