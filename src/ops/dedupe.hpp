// Dedupe: the operator behind `sluice dedupe` (issue 5): passes the first
// event of each key and drops the repeats.
//
// The key is made of one or more paths (--key, default `id`), read as
// canonical bytes (ops/event_fields.hpp) and remembered as their XXH3-128 hash
// (with `exact`, also the bytes) in a DedupeState, which forgets keys by event
// time (`within`, the time read from `time`) and past `max_keys`. Dropped
// events go to the `duplicates` side output when there is one. With
// `saved_state` the operator records its changes for a StatePersistence hook
// (core/state_persistence.hpp), and events must come after a start record.
// Control records pass unchanged. Warnings (eviction) are rate-limited: the
// 1st, 10th, 100th… An event is decided one event late, when the next one
// arrives (or at a control record, the stage's next timer call or the end):
// its key's table slot is fetched from memory meanwhile, which hides the cache
// misses of a table larger than the caches. Not thread-safe; throws Error(usage) for events before a
// start record under saved state; per-event failures (a missing key or time)
// are bad data.
#pragma once

#include "core/json_path.hpp"
#include "core/operator_stage.hpp"
#include "core/side_file.hpp"
#include "core/state_persistence.hpp"
#include "ops/dedupe_state.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sluice::ops {

struct DedupeOptions {
  std::vector<core::JsonPath> keys; // at least one
  core::JsonPath time;              // read only with `within`
  std::optional<std::chrono::milliseconds> within;
  uint64_t max_keys = 10'000'000;
  bool exact = false;
  core::SideOutput* duplicates = nullptr;
  bool saved_state = false;
  std::function<void(const std::string&)> warn;
};

class Dedupe : public core::Operator, public core::PersistentState {
 public:
  explicit Dedupe(DedupeOptions options);

  bool on_event(const core::Line& line, simdjson::ondemand::document& doc,
                const core::PathValues* found, core::Emit& out, std::string* why) override;
  void on_control(const core::Line& line, const core::control::Record& record,
                  core::Emit& out) override;
  std::optional<core::Clock::time_point> next_timer() const override;
  void on_timer(core::Clock::time_point now, core::Emit& out) override;
  void on_finish(core::Emit& out) override { decide_pending(out); }
  void on_abandon() override { m_pending = false; }
  std::string summary() const override;

  void reset_state() override { m_state.reset(); }
  bool load_state(std::string_view bytes, bool snapshot, std::string* why) override;
  void take_delta(std::string* out) override { m_state.take_delta(out); }
  void write_snapshot(core::StateWriter& out) override { m_state.write_snapshot(out); }
  uint64_t snapshot_size() const override { return m_state.snapshot_size(); }
  std::string describe_state() const override;

  uint64_t duplicates() const { return m_duplicates; }
  const DedupeState& state() const { return m_state; }

 private:
  void warn_eviction();
  // Passes or drops the event held since the last on_event, if any.
  void decide_pending(core::Emit& out);

  DedupeOptions m_options;
  DedupeState m_state;
  std::string m_key;
  // The event whose key was read last, not yet decided.
  bool m_pending = false;
  Hash128 m_pending_hash;
  std::string m_pending_key;
  std::optional<int64_t> m_pending_ts;
  std::string m_pending_line;
  bool m_started = false;
  uint64_t m_duplicates = 0;
  uint64_t m_warned_evictions = 0;
};

// The --key paths as one text ("id" or "key.a,key.b"), which saved state is tagged with.
std::string key_spec(const std::vector<core::JsonPath>& keys);

} // namespace sluice::ops
