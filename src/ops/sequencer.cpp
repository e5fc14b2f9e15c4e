#include "ops/sequencer.hpp"

#include "core/error.hpp"
#include "core/units.hpp"
#include "ops/event_fields.hpp"
#include "ops/warn_limit.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace sluice::ops {
namespace {

// The readable part of a canonical key: the bytes after its tag and length.
std::string display(std::string_view canonical) {
  return canonical.size() > 5 ? std::string(canonical.substr(5)) : std::string();
}

} // namespace

bool Sequencer::Later::operator()(const Item& a, const Item& b) const {
  if (a.epoch != b.epoch) {
    return a.epoch > b.epoch;
  }
  if (a.seq != b.seq) {
    return a.seq > b.seq;
  }
  return a.arrival > b.arrival;
}

Sequencer::Sequencer(SequencerOptions options)
    : m_options(std::move(options)),
      m_late(m_options.late, m_options.late_file, m_options.warn) {}

bool Sequencer::find_partition(simdjson::ondemand::document& doc, size_t* index,
                               std::string* why) {
  m_key.clear();
  if (m_options.partition &&
      !append_canonical(doc, *m_options.partition, "--partition", &m_key, why)) {
    return false;
  }
  auto it = m_index.find(m_key);
  if (it != m_index.end()) {
    *index = it->second;
    return true;
  }
  *index = m_partitions.size();
  m_partitions.emplace_back();
  m_partitions.back().name = display(m_key);
  m_index.emplace(m_key, *index);
  return true;
}

bool Sequencer::on_event(const core::Line& line, simdjson::ondemand::document& doc,
                         const core::PathValues*, core::Emit& out, std::string* why) {
  int64_t seq = 0;
  size_t index = 0;
  if (!read_integer(doc, m_options.seq, "--seq", &seq, why) || !find_partition(doc, &index, why)) {
    return false;
  }
  Partition& p = m_partitions[index];
  if (!p.expected) {
    p.expected = seq; // a partition starts where it is first seen
  }
  if (seq < *p.expected) {
    m_why = fmt::format("late: sequence {} is below {}, the next expected{}", seq, *p.expected,
                        m_options.partition ? " in partition " + p.name : "");
    if (!m_late.handle(line, m_why)) {
      return true;
    }
  }
  p.heap.push_back({m_holdback.input_epoch(), seq, m_arrivals++, m_arena.store(line.text)});
  std::push_heap(p.heap.begin(), p.heap.end(), Later());
  m_holdback.add_event(0);
  ++m_buffered;
  release(index, out);
  settle(out);
  enforce_limit(out);
  return true;
}

// Emits what partition `index` can release in the output epoch.
void Sequencer::release(size_t index, core::Emit& out) {
  Partition& p = m_partitions[index];
  while (!p.heap.empty()) {
    const Item& top = p.heap.front();
    if (top.epoch != m_holdback.output_epoch()) {
      if (!p.waiting) {
        p.waiting = true;
        m_waiting.push_back(index);
      }
      p.gap = false;
      return;
    }
    if (top.seq > *p.expected) {
      if (m_flushing) {
        skip_gap(index, "the input ended");
        continue;
      }
      if (!p.gap) {
        p.gap = true;
        ++p.gap_serial;
        p.gap_stamped = false;
        m_unstamped.push_back(index);
      }
      return;
    }
    std::pop_heap(p.heap.begin(), p.heap.end(), Later());
    Item item = p.heap.back();
    p.heap.pop_back();
    out.event(m_arena.view(item.ref));
    m_arena.release(item.ref);
    m_holdback.remove_event(item.epoch);
    --m_buffered;
    if (item.seq == *p.expected) {
      ++*p.expected;
    }
  }
  p.gap = false;
}

// Writes the control records that are due and releases the partitions that
// waited for them.
void Sequencer::settle(core::Emit& out) {
  for (;;) {
    uint64_t before = m_holdback.output_epoch();
    m_holdback.release_ready(out);
    if (m_holdback.output_epoch() == before) {
      return;
    }
    std::vector<size_t> waiting;
    waiting.swap(m_waiting);
    for (size_t i : waiting) {
      m_partitions[i].waiting = false;
      release(i, out);
    }
  }
}

void Sequencer::skip_gap(size_t index, const char* why) {
  Partition& p = m_partitions[index];
  int64_t next = p.heap.front().seq;
  int64_t missing = next - *p.expected;
  ++m_gaps;
  m_missing += static_cast<uint64_t>(missing);
  if (m_options.warn && is_reported_count(m_gaps)) {
    m_options.warn(fmt::format("{}sequence gap: {} missing ({}): going on at {} ({} gaps so far)",
                               m_options.partition ? "partition " + p.name + ": " : "",
                               missing == 1 ? std::to_string(*p.expected)
                                            : fmt::format("{}..{}", *p.expected, next - 1),
                               why, next, m_gaps));
  }
  p.expected = next;
  p.gap = false;
}

std::optional<core::Clock::time_point> Sequencer::next_timer() const {
  if (!m_unstamped.empty()) {
    return core::Clock::time_point::min(); // stamp when the new gaps opened
  }
  if (!m_gap_due.empty()) {
    return m_gap_due.front().at;
  }
  return std::nullopt;
}

void Sequencer::on_timer(core::Clock::time_point now, core::Emit& out) {
  auto stamp = [&] {
    for (size_t i : m_unstamped) {
      Partition& p = m_partitions[i];
      if (p.gap && !p.gap_stamped) {
        p.gap_stamped = true;
        m_gap_due.push_back({now + m_options.gap_timeout, i, p.gap_serial});
      }
    }
    m_unstamped.clear();
  };
  stamp();
  while (!m_gap_due.empty() && m_gap_due.front().at <= now) {
    GapDue due = m_gap_due.front();
    m_gap_due.pop_front();
    Partition& p = m_partitions[due.partition];
    if (!p.gap || p.gap_serial != due.serial) {
      continue; // filled or skipped since
    }
    skip_gap(due.partition, "waited --gap-timeout");
    release(due.partition, out);
    settle(out);
  }
  stamp();
}

bool Sequencer::skip_oldest_gap(core::Emit& out) {
  while (!m_gap_due.empty()) {
    GapDue due = m_gap_due.front();
    m_gap_due.pop_front();
    const Partition& p = m_partitions[due.partition];
    if (p.gap && p.gap_serial == due.serial) {
      m_unstamped.insert(m_unstamped.begin(), due.partition);
      break;
    }
  }
  for (size_t i : m_unstamped) {
    if (m_partitions[i].gap) {
      skip_gap(i, "--max-buffer is full");
      release(i, out);
      settle(out);
      return true;
    }
  }
  return false;
}

void Sequencer::enforce_limit(core::Emit& out) {
  auto over = [&] {
    return (m_options.max_events > 0 && m_buffered > m_options.max_events) ||
           (m_options.max_bytes > 0 &&
            m_arena.bytes() + m_buffered * sizeof(Item) > m_options.max_bytes);
  };
  while (over()) {
    if (m_options.fail_when_full) {
      throw core::Error(core::ExitCode::data,
                        fmt::format("the reorder buffer is full ({} events, {}) behind sequence "
                                    "gaps (--max-buffer, --on-full fail)",
                                    m_buffered, core::format_size(m_arena.bytes())));
    }
    if (!skip_oldest_gap(out)) {
      return;
    }
  }
}

void Sequencer::flush(core::Emit& out) {
  m_flushing = true;
  for (size_t i = 0; i < m_partitions.size(); ++i) {
    release(i, out);
  }
  settle(out);
  m_flushing = false;
  m_unstamped.clear();
  m_gap_due.clear();
}

void Sequencer::on_control(const core::Line& line, const core::control::Record& record,
                           core::Emit& out) {
  using namespace core::control;
  if (std::holds_alternative<Watermark>(record)) {
    return;
  }
  if (std::holds_alternative<End>(record)) {
    flush(out);
  }
  m_holdback.add_control(line.text, record, out);
}

void Sequencer::on_finish(core::Emit& out) { flush(out); }

void Sequencer::on_abandon() {
  m_partitions.clear();
  m_index.clear();
  m_waiting.clear();
  m_unstamped.clear();
  m_gap_due.clear();
  m_arena.clear();
  m_holdback.clear();
  m_buffered = 0;
}

std::string Sequencer::summary() const {
  const char* late = m_late.mode() == LatePolicy::Mode::emit   ? "emitted"
                     : m_late.mode() == LatePolicy::Mode::drop ? "dropped"
                                                               : "dead-lettered";
  return fmt::format("{} partitions, {} gaps skipped ({} numbers missing), {} late events ({})",
                     m_partitions.size(), m_gaps, m_missing, m_late.count(), late);
}

} // namespace sluice::ops
