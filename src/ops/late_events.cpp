#include "ops/late_events.hpp"

#include "core/json_writer.hpp"
#include "core/stage_counters.hpp"
#include "ops/warn_limit.hpp"

#include <fmt/format.h>

namespace sluice::ops {

bool LatePolicy::parse(std::string_view text, LatePolicy* out, std::string* why) {
  constexpr std::string_view k_dead = "dead-letter:";
  if (text == "emit") {
    out->mode = Mode::emit;
  } else if (text == "drop") {
    out->mode = Mode::drop;
  } else if (text.substr(0, k_dead.size()) == k_dead && text.size() > k_dead.size()) {
    out->mode = Mode::dead_letter;
    out->path = std::string(text.substr(k_dead.size()));
  } else {
    *why = fmt::format("invalid --late \"{}\" (expected emit, drop or dead-letter:FILE)", text);
    return false;
  }
  return true;
}

bool LateEvents::handle(const core::Line& line, const std::string& reason) {
  ++m_count;
  core::stage_counters().late.add(); // --progress, --metrics
  if (m_warn && is_reported_count(m_count)) {
    const char* what = m_mode == LatePolicy::Mode::emit   ? "emitted out of order"
                       : m_mode == LatePolicy::Mode::drop ? "dropped"
                                                          : "written to the dead-letter file";
    m_warn(fmt::format("stdin:{}: {} ({}; {} late event{} so far)", line.number, reason, what,
                       m_count, m_count == 1 ? "" : "s"));
  }
  switch (m_mode) {
  case LatePolicy::Mode::emit:
    return true;
  case LatePolicy::Mode::drop:
    return false;
  case LatePolicy::Mode::dead_letter:
    break;
  }
  m_record.clear();
  core::JsonWriter w(&m_record);
  w.begin_object().key("source").string("stdin").key("line").number(line.number);
  w.key("reason").string(reason).key("raw").string(line.text).end_object();
  m_dead_letters->write_line(m_record);
  return false;
}

} // namespace sluice::ops
