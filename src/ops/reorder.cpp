#include "ops/reorder.hpp"

#include "core/error.hpp"
#include "core/units.hpp"
#include "ops/event_fields.hpp"
#include "ops/warn_limit.hpp"

#include <algorithm>
#include <charconv>
#include <fmt/format.h>

namespace sluice::ops {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

int64_t minus_saturated(int64_t a, int64_t b) { return a < INT64_MIN + b ? INT64_MIN : a - b; }

int64_t plus_saturated(int64_t a, int64_t b) { return a > INT64_MAX - b ? INT64_MAX : a + b; }

} // namespace

bool parse_buffer_limit(std::string_view text, uint64_t* events, uint64_t* bytes,
                        std::string* why) {
  *events = 0;
  *bytes = 0;
  bool digits = !text.empty() && std::all_of(text.begin(), text.end(),
                                             [](char c) { return c >= '0' && c <= '9'; });
  if (digits) {
    auto r = std::from_chars(text.data(), text.data() + text.size(), *events);
    if (r.ec != std::errc() || *events == 0) {
      *why = fmt::format("--max-buffer \"{}\" must be a count above 0 or a size", text);
      return false;
    }
    return true;
  }
  if (!core::parse_size(text, bytes, why) || *bytes == 0) {
    *why = fmt::format("--max-buffer \"{}\" must be a count of events or a size such as 256MiB",
                       text);
    return false;
  }
  return true;
}

bool Reorder::Later::operator()(const Item& a, const Item& b) const {
  if (a.epoch != b.epoch) {
    return a.epoch > b.epoch;
  }
  if (a.ts != b.ts) {
    return a.ts > b.ts;
  }
  return a.arrival > b.arrival;
}

Reorder::Reorder(ReorderOptions options)
    : m_options(std::move(options)),
      m_late(m_options.late, m_options.late_file, m_options.warn) {}

std::chrono::milliseconds Reorder::idle_timeout() const {
  return m_options.idle == ReorderOptions::Idle::fixed ? m_options.idle_timeout
                                                        : m_options.lateness;
}

bool Reorder::idle_enabled() const {
  return m_options.idle == ReorderOptions::Idle::fixed ||
         (m_options.idle == ReorderOptions::Idle::automatic && m_barriers);
}

bool Reorder::on_event(const core::Line& line, simdjson::ondemand::document& doc,
                       const core::PathValues*, core::Emit& out, std::string* why) {
  int64_t ts = 0;
  if (!read_event_time(doc, m_options.time, "--time", &ts, why)) {
    return false;
  }
  m_unstamped = true;
  if (ts < m_w) {
    m_why = fmt::format("late: event time {} is {} ms below the watermark {}", ts, m_w - ts, m_w);
    if (!m_late.handle(line, m_why)) {
      return true;
    }
    // Emitted: buffered like any event, it leaves at once (after the barriers
    // held before it, which it must not overtake).
  }
  if (ts > m_max_ts) {
    m_max_ts = ts;
    m_w = std::max(m_w, minus_saturated(ts, m_options.lateness.count()));
  }
  push(line, ts);
  enforce_limit(out);
  release(out, m_w);
  return true;
}

void Reorder::push(const core::Line& line, int64_t ts) {
  m_heap.push_back({m_holdback.input_epoch(), ts, m_arrivals++, m_arena.store(line.text)});
  std::push_heap(m_heap.begin(), m_heap.end(), Later());
  m_holdback.add_event(ts);
}

void Reorder::release(core::Emit& out, int64_t upto) {
  for (;;) {
    m_holdback.release_ready(out);
    if (m_heap.empty()) {
      return;
    }
    const Item& top = m_heap.front();
    if (top.epoch != m_holdback.output_epoch() || top.ts > upto) {
      return;
    }
    std::pop_heap(m_heap.begin(), m_heap.end(), Later());
    Item item = m_heap.back();
    m_heap.pop_back();
    out.event(m_arena.view(item.ref));
    m_arena.release(item.ref);
    m_holdback.remove_event(item.epoch);
  }
}

void Reorder::enforce_limit(core::Emit& out) {
  auto over = [&] {
    return (m_options.max_events > 0 && m_heap.size() > m_options.max_events) ||
           (m_options.max_bytes > 0 &&
            m_arena.bytes() + m_heap.size() * sizeof(Item) > m_options.max_bytes);
  };
  while (over() && !m_heap.empty()) {
    if (m_options.fail_when_full) {
      throw core::Error(core::ExitCode::data,
                        fmt::format("the reorder buffer is full ({} events, {}): events are further "
                                    "out of order than --max-buffer holds (--on-full fail)",
                                    m_heap.size(), core::format_size(m_arena.bytes())));
    }
    ++m_early;
    if (m_options.warn && is_reported_count(m_early)) {
      m_options.warn(fmt::format("--max-buffer reached: the oldest event was emitted before the "
                                 "watermark reached it ({} so far); later events below it are late",
                                 m_early));
    }
    m_w = std::max(m_w, m_heap.front().ts);
    size_t held = m_heap.size();
    release(out, m_w);
    if (m_heap.size() == held) {
      return; // nothing can leave before a held barrier: never the case, but never spin
    }
  }
}

void Reorder::on_control(const core::Line& line, const core::control::Record& record,
                         core::Emit& out) {
  using namespace core::control;
  if (std::holds_alternative<Watermark>(record)) {
    return; // replaced by this stage's own
  }
  if (std::holds_alternative<Start>(record) || std::holds_alternative<Checkpoint>(record)) {
    m_barriers = true;
  }
  if (std::holds_alternative<End>(record)) {
    release(out, INT64_MAX);
  }
  m_holdback.add_control(line.text, record, out);
}

std::optional<core::Clock::time_point> Reorder::next_timer() const {
  if (m_unstamped) {
    return core::Clock::time_point::min(); // stamp the arrival of the last events
  }
  std::optional<core::Clock::time_point> due;
  if (idle_enabled() && m_w < m_max_ts) {
    due = m_last_event_at + idle_timeout();
    if (m_barriers) {
      // W moves on at every watermark interval, so that records keep coming.
      due = std::max(*due, m_idle_tick_at + m_options.watermark_interval);
    } else if (!m_heap.empty() && m_w_at_last_event != INT64_MIN &&
               m_heap.front().ts > m_w_at_last_event) {
      // Nobody reads watermarks: wake when W reaches the next held event.
      due = std::max(*due, m_last_event_at + milliseconds(m_heap.front().ts - m_w_at_last_event));
    }
  }
  if (m_barriers && record_value() > m_last_record) {
    auto at = m_last_record_at + m_options.watermark_interval;
    due = due ? std::min(*due, at) : at;
  }
  return due;
}

void Reorder::on_timer(core::Clock::time_point now, core::Emit& out) {
  if (m_unstamped) {
    m_unstamped = false;
    m_last_event_at = now;
    m_w_at_last_event = m_w;
    m_idle_tick_at = {};
  } else {
    advance_idle(now, out);
  }
  if (m_barriers && now - m_last_record_at >= m_options.watermark_interval) {
    int64_t v = record_value();
    if (v > m_last_record) {
      out.control(core::control::make_watermark({v}), core::control::Watermark{v});
      m_last_record = v;
      m_last_record_at = now;
    }
  }
}

// While no event arrives W moves on with the wall clock, from where it was at
// the last event: a replay that catches up is not made late by a jump to now.
void Reorder::advance_idle(core::Clock::time_point now, core::Emit& out) {
  if (!idle_enabled() || m_w >= m_max_ts) {
    return;
  }
  auto idle = duration_cast<milliseconds>(now - m_last_event_at);
  if (idle < idle_timeout()) {
    return;
  }
  m_idle_tick_at = now;
  int64_t target = m_w_at_last_event == INT64_MIN
                       ? m_max_ts
                       : std::min(m_max_ts, plus_saturated(m_w_at_last_event, idle.count()));
  if (target > m_w) {
    m_w = target;
    release(out, m_w);
  }
}

int64_t Reorder::record_value() const { return std::min(m_w, m_holdback.later_min_ts()); }

void Reorder::on_finish(core::Emit& out) { release(out, INT64_MAX); }

void Reorder::on_abandon() {
  m_heap.clear();
  m_arena.clear();
  m_holdback.clear();
}

std::string Reorder::summary() const {
  const char* late = m_late.mode() == LatePolicy::Mode::emit   ? "emitted"
                     : m_late.mode() == LatePolicy::Mode::drop ? "dropped"
                                                               : "dead-lettered";
  return fmt::format("{} late events ({}), {} emitted early by --max-buffer", m_late.count(), late,
                     m_early);
}

} // namespace sluice::ops
