#include "connectors/generate/generate_capture.hpp"

#include "core/error.hpp"
#include "core/json_writer.hpp"

#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <set>

namespace sluice::connectors::generate {

using core::Error;
using core::ExitCode;
using std::chrono::milliseconds;

namespace {

// Events emitted between two looks at the clock.
constexpr int k_clock_events = 512;
constexpr uint64_t k_max_keys = 1000000000000; // table index * keys stays far below 2^64
constexpr size_t k_max_tables = 1000;
constexpr double k_max_rate = 1e9;
constexpr int64_t k_max_ts_ms = 253402300799999; // 9999-12-31T23:59:59.999Z

struct ParsedPos {
  int64_t t0_ms = 0;
  uint64_t emitted = 0;
};

bool parse_number(std::string_view text, auto* out) {
  auto res = std::from_chars(text.data(), text.data() + text.size(), *out);
  return !text.empty() && res.ec == std::errc() && res.ptr == text.data() + text.size();
}

// "\"<t0>:<n>\"" as stored; false for anything else.
bool parse_pos(std::string_view json, ParsedPos* out) {
  if (json.size() < 5 || json.front() != '"' || json.back() != '"') {
    return false;
  }
  std::string_view text = json.substr(1, json.size() - 2);
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    return false;
  }
  return parse_number(text.substr(0, colon), &out->t0_ms) &&
         parse_number(text.substr(colon + 1), &out->emitted) && out->t0_ms >= 0 &&
         out->t0_ms <= k_max_ts_ms;
}

int64_t system_now_ms() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// False for NaN too.
bool is_fraction(double p) { return p >= 0.0 && p <= 1.0; }

bool refuse(std::string* why, std::string reason) {
  *why = std::move(reason);
  return false;
}

bool validate_tables(const std::vector<std::string>& tables, std::string* why) {
  if (tables.empty() || tables.size() > k_max_tables) {
    return refuse(why, fmt::format("--tables must name 1 to {} tables", k_max_tables));
  }
  std::set<std::string> seen;
  for (const auto& t : tables) {
    if (t.empty() || !core::is_valid_utf8(t)) {
      return refuse(why, "--tables: a table name must be non-empty UTF-8");
    }
    if (!seen.insert(t).second) {
      return refuse(why, fmt::format("--tables names {} twice", t));
    }
  }
  return true;
}

} // namespace

bool validate_options(const GenerateOptions& options, std::string* why) {
  const GeneratorOptions& g = options.generator;
  if (!std::isfinite(g.rate) || g.rate < 0 || g.rate > k_max_rate) {
    return refuse(why, fmt::format("--rate must be between 0 and {:g} events per second",
                                   k_max_rate));
  }
  if (!is_fraction(g.dup_rate)) {
    return refuse(why, "--dup-rate must be between 0 and 1");
  }
  if (!is_fraction(g.disorder)) {
    return refuse(why, "--disorder must be between 0 and 1");
  }
  if (g.lateness_ms < 0) {
    return refuse(why, "--max-lateness must not be negative");
  }
  if (g.keys < 1 || g.keys > k_max_keys) {
    return refuse(why, fmt::format("--keys must be between 1 and {}", k_max_keys));
  }
  if (options.start_ts_ms && (*options.start_ts_ms < 0 || *options.start_ts_ms > k_max_ts_ms)) {
    return refuse(why, fmt::format("--start-ts must be epoch milliseconds between 0 and {}",
                                   k_max_ts_ms));
  }
  return validate_tables(g.tables, why);
}

GenerateCapture::GenerateCapture(GenerateOptions options) : m_options(std::move(options)) {}

std::string GenerateCapture::source_id() const {
  if (m_options.source_id) {
    return *m_options.source_id;
  }
  const GeneratorOptions& g = m_options.generator;
  std::string tables;
  for (const auto& t : g.tables) {
    tables += (tables.empty() ? "" : "+") + t;
  }
  return fmt::format("generate:seed={},keys={},tables={},dup={},disorder={},lateness={}ms", g.seed,
                     g.keys, tables, g.dup_rate, g.disorder, g.lateness_ms);
}

int GenerateCapture::compare_pos(std::string_view a, std::string_view b) const {
  ParsedPos pa;
  ParsedPos pb;
  if (!parse_pos(a, &pa) || !parse_pos(b, &pb)) {
    return a < b ? -1 : (a > b ? 1 : 0);
  }
  return pa.emitted < pb.emitted ? -1 : (pa.emitted > pb.emitted ? 1 : 0);
}

void GenerateCapture::start(int64_t t0_ms, uint64_t skip) {
  GeneratorOptions g = m_options.generator;
  g.t0_ms = t0_ms;
  m_generator = std::make_unique<Generator>(std::move(g));
  for (uint64_t i = 0; i < skip; ++i) {
    m_generator->skip_next();
  }
  // How far the stream is behind t0 on the wall clock: where it stopped, or with
  // a clock-derived t0, where the wall clock is now (so a resumed run catches up).
  int64_t behind_ms = m_generator->last_arrival() - t0_ms;
  if (!m_options.start_ts_ms && skip > 0) {
    behind_ms = std::max(behind_ms, system_now_ms() - t0_ms);
  }
  m_start = core::Clock::now() - milliseconds(behind_ms);
}

void GenerateCapture::seek(const std::string& pos) {
  if (pos == "null") {
    int64_t t0 = k_default_start_ts_ms;
    if (m_options.start_ts_ms) {
      t0 = *m_options.start_ts_ms;
    } else if (m_options.generator.rate > 0) {
      t0 = system_now_ms();
    }
    start(t0, 0);
    return;
  }
  ParsedPos p;
  if (!parse_pos(pos, &p)) {
    throw Error(ExitCode::data, fmt::format("stored position {} is not a position of {}", pos,
                                            source_id()));
  }
  start(p.t0_ms, p.emitted);
}

std::string GenerateCapture::position() const {
  if (!m_generator) {
    return "null";
  }
  return fmt::format("\"{}:{}\"", m_generator->options().t0_ms, m_generator->emitted());
}

bool GenerateCapture::is_done() const {
  return m_options.count > 0 && m_generator->emitted() >= m_options.count;
}

core::Clock::time_point GenerateCapture::due(int64_t arrival_ms) const {
  return m_start + milliseconds(arrival_ms - m_generator->options().t0_ms);
}

core::Produced GenerateCapture::produce(core::Emitter& out, core::Clock::time_point until) {
  m_wake.reset();
  if (m_options.generator.rate > 0) {
    return produce_paced(out, until);
  }
  return produce_fast(out, until);
}

core::Produced GenerateCapture::produce_fast(core::Emitter& out, core::Clock::time_point until) {
  for (int since_clock = 1;; ++since_clock) {
    if (is_done()) {
      return core::Produced::done;
    }
    m_generator->write_next(&out.buffer());
    out.end_event();
    if (since_clock >= k_clock_events) {
      since_clock = 0;
      if (core::Clock::now() >= until) {
        return core::Produced::more;
      }
    }
  }
}

core::Produced GenerateCapture::produce_paced(core::Emitter& out, core::Clock::time_point until) {
  auto now = core::Clock::now();
  for (int since_clock = 1;; ++since_clock) {
    if (is_done()) {
      return core::Produced::done;
    }
    auto next_due = due(m_generator->next_arrival());
    if (next_due > now) {
      now = core::Clock::now();
      if (next_due > now) {
        m_wake = next_due;
        return core::Produced::idle;
      }
    }
    m_generator->write_next(&out.buffer());
    out.end_event();
    if (since_clock >= k_clock_events) {
      since_clock = 0;
      now = core::Clock::now();
      if (now >= until) {
        return core::Produced::more;
      }
    }
  }
}

} // namespace sluice::connectors::generate
