#include "core/metrics_text.hpp"

#include <charconv>
#include <fmt/format.h>

namespace sluice::core {
namespace {

class Exposition {
 public:
  Exposition(std::string* out, const MetricsInput& in)
      : m_out(out), m_labels(fmt::format("stage=\"{}\",command=\"{}\"", stage_kind_name(in.kind),
                                         escape_label_value(in.command))) {}

  void family(std::string_view name, std::string_view type, std::string_view help) {
    *m_out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  }
  void sample(std::string_view name, uint64_t value, std::string_view extra = {}) {
    *m_out += fmt::format("{}{{{}{}{}}} {}\n", name, m_labels, extra.empty() ? "" : ",", extra, value);
  }
  void sample(std::string_view name, double value, std::string_view extra = {}) {
    *m_out += fmt::format("{}{{{}{}{}}} {}\n", name, m_labels, extra.empty() ? "" : ",", extra, value);
  }
  void counter(std::string_view name, std::string_view help, uint64_t value) {
    family(name, "counter", help);
    sample(name, value);
  }

 private:
  std::string* m_out;
  std::string m_labels;
};

void queue_samples(Exposition& e, const MetricsInput& in, const StageCounters& c) {
  if (in.stdin_queue >= 0 || in.stdout_queue >= 0) {
    e.family("sluice_queue_depth_bytes", "gauge", "Bytes waiting in the stage's input or output pipe.");
    if (in.stdin_queue >= 0) {
      e.sample("sluice_queue_depth_bytes", static_cast<uint64_t>(in.stdin_queue), "queue=\"stdin\"");
    }
    if (in.stdout_queue >= 0) {
      e.sample("sluice_queue_depth_bytes", static_cast<uint64_t>(in.stdout_queue), "queue=\"stdout\"");
    }
  }
  if (c.queue_events.known()) {
    e.family("sluice_queue_depth_events", "gauge", "Events held in a connector's internal queue.");
    e.sample("sluice_queue_depth_events", static_cast<uint64_t>(c.queue_events.get()),
             "queue=\"connector\"");
  }
}

} // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  for (char ch : value) {
    if (ch == '\\' || ch == '"') {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else {
      out += ch;
    }
  }
  return out;
}

std::string render_metrics(const MetricsInput& in, const StageCounters& c) {
  std::string out;
  Exposition e(&out, in);
  e.counter("sluice_events_in_total", "Events read (a capture: taken from its source).",
            c.events_in.get());
  e.counter("sluice_events_out_total", "Events written (a sink: delivered to its destination).",
            c.events_out.get());
  if (in.kind != StageKind::capture) {
    e.counter("sluice_bytes_in_total", "Bytes read from stdin.", c.bytes_in.get());
  }
  if (in.kind != StageKind::sink) {
    e.counter("sluice_bytes_out_total", "Bytes written to stdout.", c.bytes_out.get());
  }
  e.family("sluice_errors_total", "counter", "Bad records by kind, as handled by --on-error.");
  for (int k = 0; k < k_bad_kinds; ++k) {
    e.sample("sluice_errors_total", c.errors[k].get(),
             fmt::format("kind=\"{}\"", bad_kind_name(static_cast<BadKind>(k))));
  }
  e.counter("sluice_barriers_total",
            in.kind == StageKind::sink ? "Checkpoint barriers recorded." : "Checkpoint barriers written.",
            c.barriers.get());
  if (in.kind == StageKind::operator_stage) {
    e.counter("sluice_late_events_total", "Events that came too late.", c.late.get());
    e.counter("sluice_duplicates_total", "Duplicate events dropped.", c.duplicates.get());
  }
  if (c.last_checkpoint_ms.known()) {
    e.family("sluice_checkpoint_age_seconds", "gauge", "Seconds since the last checkpoint barrier.");
    int64_t age = std::max<int64_t>(0, in.now_ms - c.last_checkpoint_ms.get());
    e.sample("sluice_checkpoint_age_seconds", age / 1000.0);
  }
  if (c.source_lag.known()) {
    e.family("sluice_source_lag", "gauge", "How far the capture is behind its source.");
    e.sample("sluice_source_lag", static_cast<uint64_t>(c.source_lag.get()),
             fmt::format("unit=\"{}\"", lag_unit_name(c.source_lag_unit.load(std::memory_order_relaxed))));
  }
  queue_samples(e, in, c);
  e.family("sluice_start_time_seconds", "gauge", "When the stage started, in seconds since the epoch.");
  e.sample("sluice_start_time_seconds", in.start_ms / 1000.0);
  return out;
}

bool parse_metrics_address(std::string_view text, MetricsAddress* out, std::string* why) {
  MetricsAddress a;
  std::string_view port = text;
  if (auto colon = text.rfind(':'); colon != std::string_view::npos) {
    std::string_view host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    if (host.empty()) {
      *why = fmt::format("\"{}\": the host is empty (expected PORT or HOST:PORT)", text);
      return false;
    }
    a.host = std::string(host);
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535) {
    *why = fmt::format("\"{}\": invalid port (expected PORT or HOST:PORT, port 0-65535)", text);
    return false;
  }
  a.port = static_cast<uint16_t>(value);
  *out = a;
  return true;
}

} // namespace sluice::core
