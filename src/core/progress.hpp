// Progress: the live line of --progress on stderr, and its text.
//
// ProgressLine starts a thread that redraws one line in place (\r, at most four
// times a second) from stage_counters(): events and their rate, bytes, the
// source lag where a capture can tell, and late, duplicate and error counts. It
// goes through set_live_line(), so log messages wipe and restore it; stop() (or
// the destructor) clears it. The thread only reads relaxed counters. Methods
// are called from one thread; never throws after construction
// (std::system_error if the thread cannot start).
#pragma once

#include "core/stage_counters.hpp"

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace sluice::core {

enum class StageKind { capture, operator_stage, sink };
const char* stage_kind_name(StageKind kind); // "capture", "operator", "sink"

// "1234", "12.3k", "4.57M", "1.20G"
std::string human_count(double n);
// "512 B", "12.3 KB", "118.2 MB" (powers of 1000, like the rates)
std::string human_bytes(double n);

struct ProgressSample {
  StageKind kind = StageKind::capture;
  uint64_t events_in = 0;
  uint64_t events_out = 0;
  uint64_t bytes = 0; // out for a capture, in otherwise
  uint64_t errors = 0;
  uint64_t late = 0;
  uint64_t duplicates = 0;
  int64_t lag = -1; // unknown when negative
  LagUnit lag_unit = LagUnit::bytes;
  double rate = 0;    // events per second
  double seconds = 0; // since the stage started
};

ProgressSample sample_counters(StageKind kind, const StageCounters& c);
// The live line, without \r or newline, cut to `width` columns when width > 0.
std::string render_progress(std::string_view command, const ProgressSample& s, size_t width);

class ProgressLine {
 public:
  ProgressLine(StageKind kind, std::string command);
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // Stops redrawing and clears the line (idempotent).
  void stop();

 private:
  void loop();

  StageKind m_kind;
  std::string m_command;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stopping = false;
  std::thread m_thread;
};

} // namespace sluice::core
