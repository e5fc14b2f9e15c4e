// MetricsText: the Prometheus text exposition (format 0.0.4) of a stage's
// counters, served by --metrics, and the --metrics address.
//
// Every sample carries the labels stage (capture, operator or sink) and
// command ("capture file"). Pure functions; thread-safe; never throw (except
// std::bad_alloc).
#pragma once

#include "core/progress.hpp"
#include "core/stage_counters.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::core {

struct MetricsInput {
  StageKind kind = StageKind::capture;
  std::string_view command;
  int64_t now_ms = 0;         // wall clock, for the checkpoint age
  int64_t start_ms = 0;       // when the stage started
  int64_t stdin_queue = -1;   // bytes waiting in the input pipe (unknown when negative)
  int64_t stdout_queue = -1;  // bytes waiting in the output pipe
};

std::string render_metrics(const MetricsInput& in, const StageCounters& c);

// Escapes a label value (backslash, double quote, newline).
std::string escape_label_value(std::string_view value);

struct MetricsAddress {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
};

// Parses PORT, HOST:PORT or [IPV6]:PORT (port 0: any free port).
bool parse_metrics_address(std::string_view text, MetricsAddress* out, std::string* why);

} // namespace sluice::core
