// Test doubles for the operators of src/ops: a Feeder hands lines to an
// operator as the operator stage does (events parsed, control records parsed
// and routed, hooks run at start records and before barriers), and collects
// what it emits in memory. Time is whatever the test passes to tick().
#pragma once

#include "core/control.hpp"
#include "core/operator_stage.hpp"
#include "core/side_file.hpp"

#include <chrono>
#include <simdjson.h>
#include <stdexcept>
#include <string>
#include <vector>

namespace sluice::ops::test {

using namespace std::chrono_literals;

class Collect : public core::Emit {
 public:
  std::vector<std::string> lines;
  std::vector<core::ControlHook*> hooks;

  void event(std::string_view text) override { lines.emplace_back(text); }
  std::string& buffer() override { return m_buffer; }
  void end_event() override {
    lines.push_back(m_buffer);
    m_buffer.clear();
  }
  void control(std::string_view text, const core::control::Record& record) override {
    if (const auto* b = std::get_if<core::control::Checkpoint>(&record)) {
      for (auto* h : hooks) {
        h->before_barrier(*b);
      }
    }
    lines.emplace_back(text);
  }
  // The lines emitted since the last call.
  std::vector<std::string> take() {
    std::vector<std::string> out(lines.begin() + static_cast<long>(m_taken), lines.end());
    m_taken = lines.size();
    return out;
  }

 private:
  std::string m_buffer;
  size_t m_taken = 0;
};

// Lines written to a side output.
struct SideLines : core::SideOutput {
  std::vector<std::string> lines;
  void write_line(std::string_view text) override { lines.emplace_back(text); }
};

class Feeder {
 public:
  explicit Feeder(core::Operator& op) : m_op(op) {}

  Collect out;
  core::Clock::time_point now = core::Clock::time_point{} + 1000s;

  // Feeds one line; false (with the reason in last_why) when the operator refused an event.
  bool line(const std::string& text) {
    ++m_number;
    simdjson::padded_string padded(text);
    core::Line l;
    l.text = std::string_view(padded.data(), padded.size());
    l.number = m_number;
    l.capacity = padded.size() + simdjson::SIMDJSON_PADDING;
    if (core::control::may_be_control(text)) {
      core::control::Record record;
      std::string why;
      auto parsed = core::control::parse_control(m_control_parser, l.padded(), &record, &why);
      if (parsed == core::control::Parsed::control) {
        if (const auto* s = std::get_if<core::control::Start>(&record)) {
          for (auto* h : out.hooks) {
            h->on_start(*s);
          }
        }
        m_op.on_control(l, record, out);
        return true;
      }
    }
    simdjson::ondemand::document doc;
    if (m_parser.iterate(l.padded()).get(doc)) {
      throw std::runtime_error("test line is not JSON: " + text);
    }
    last_why.clear();
    return m_op.on_event(l, doc, nullptr, out, &last_why);
  }
  void lines(const std::vector<std::string>& texts) {
    for (const auto& t : texts) {
      line(t);
    }
  }
  // Lets `d` of wall clock pass, calling on_timer whenever it is due (as the stage's poll does).
  void tick(core::Clock::duration d = 0s) {
    auto until = now + d;
    for (int i = 0; i < 100000; ++i) {
      auto due = m_op.next_timer();
      if (!due || *due > until) {
        break;
      }
      now = std::max(now, *due);
      m_op.on_timer(now, out);
    }
    now = until;
  }
  std::string last_why;

 private:
  core::Operator& m_op;
  simdjson::ondemand::parser m_parser;
  simdjson::ondemand::parser m_control_parser;
  uint64_t m_number = 0;
};

inline std::string start_line(const std::string& resume_json = "null", const std::string& run = "r2") {
  return R"({"$sluice":{"start":{"source":"src","run":")" + run + R"(","resume":)" + resume_json +
         R"(,"pos":null}}})";
}

inline std::string barrier_line(uint64_t n, const std::string& run = "r1") {
  return R"({"$sluice":{"checkpoint":)" + std::to_string(n) + R"(,"source":"src","run":")" + run +
         R"(","pos":)" + std::to_string(n) + "}}";
}

inline const std::string k_end = R"({"$sluice":{"end":{"checkpoint":1}}})";

inline bool is_control(const std::string& line) { return line.rfind("{\"$sluice\"", 0) == 0; }

} // namespace sluice::ops::test
