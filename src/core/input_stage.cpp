#include "core/input_stage.hpp"

#include "core/error.hpp"
#include "core/signals.hpp"

#include <cerrno>
#include <poll.h>

namespace sluice::core {
namespace {

// Lines processed between two looks at the clock while a backlog drains.
constexpr uint64_t k_timer_check_lines = 256;

bool input_ready(int fd) {
  if (fd < 0) {
    return true;
  }
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, 0) > 0;
}

} // namespace

InputStage::InputStage(ByteSource& input, const InputOptions& options, BadData& bad, const Log& log)
    : m_input(input), m_options(options), m_bad(bad), m_log(log),
      m_reader(input, options.max_line_size) {
  if (input.poll_fd() >= 0) {
    enlarge_pipe(input.poll_fd());
  }
}

void InputStage::run(InputHandler& handler) {
  m_wanted = handler.wanted_paths();
  uint64_t since_clock = 0;
  for (;;) {
    signals::check_hard_exit();
    if (signals::stop_requested() && !m_told_drain) {
      m_told_drain = true;
      m_log.info("signal received: draining input until its end (signal again to exit at once)");
    }
    Line line;
    ReadStatus status;
    while ((status = m_reader.next(&line)) == ReadStatus::line || status == ReadStatus::too_long) {
      // A buffered block can hold barriers: a second signal must stop before the next one.
      signals::check_hard_exit();
      if (!line.terminated && is_upstream_crash()) {
        // Upstream died in the middle of writing this line: it is not bad data, and
        // nothing after the last barrier is kept anyway.
        m_log.info("input ended inside line {}: upstream stopped while writing it",
                   line.number);
        continue;
      }
      if (status == ReadStatus::too_long) {
        m_ended = false;
        m_bad.report(m_options.source_name, line.number, line.text,
                     fmt::format("line longer than --max-line-size ({} bytes); first {} bytes kept",
                                 m_options.max_line_size, line.text.size()),
                     BadKind::too_long);
      } else {
        process(handler, line);
      }
      auto timer = handler.next_timer();
      if (timer && ++since_clock >= k_timer_check_lines) {
        since_clock = 0;
        auto now = Clock::now();
        if (now >= *timer) {
          handler.on_timer(now);
        }
      }
    }
    if (status == ReadStatus::end) {
      finish(handler);
      return;
    }
    if (!input_ready(m_input.poll_fd())) {
      handler.on_idle();
      wait(handler);
      continue;
    }
    m_reader.fill();
  }
}

// Blocks until input is ready or the handler's timer is due.
void InputStage::wait(InputHandler& handler) {
  for (;;) {
    signals::check_hard_exit();
    int timeout = -1;
    if (auto timer = handler.next_timer()) {
      auto now = Clock::now();
      if (now >= *timer) {
        handler.on_timer(now);
        // The input is still idle: write out what the timer produced.
        handler.on_idle();
        continue;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*timer - now).count();
      timeout = static_cast<int>(left) + 1;
    }
    pollfd p{m_input.poll_fd(), POLLIN, 0};
    int r = poll(&p, 1, timeout);
    if (r > 0) {
      return;
    }
    if (r < 0 && errno != EINTR) {
      throw_errno("poll " + m_options.source_name);
    }
    if (r < 0 && signals::stop_requested() && !m_told_drain) {
      m_told_drain = true;
      m_log.info("signal received: draining input until its end (signal again to exit at once)");
    }
  }
}

void InputStage::process(InputHandler& handler, const Line& line) {
  m_stats.bytes += line.text.size() + 1;
  m_counters.bytes_in.add(line.text.size() + 1);
  if (control::may_be_control(line.text)) {
    process_control(handler, line);
    return;
  }
  process_event(handler, line);
}

void InputStage::process_event(InputHandler& handler, const Line& line) {
  m_ended = false;
  simdjson::ondemand::document doc;
  std::string why;
  LineShape shape;
  bool ok = m_options.level != CheckLevel::full ||
            m_checker.check(line.padded(), CheckLevel::full, &shape, &why);
  if (ok) {
    if (auto e = m_parser.iterate(line.padded()).get(doc)) {
      ok = false;
      why = describe_json_error(e);
    } else if (m_wanted != nullptr) {
      // One pass checks the object (--strict checked it already) and finds the
      // handler's paths.
      bool checked = m_options.level == CheckLevel::full;
      if (!checked && too_deep(line.text)) {
        ok = false;
        why = describe_json_error(simdjson::DEPTH_ERROR);
      } else if ((e = checked ? m_found.extract(*m_wanted, doc, line.text)
                              : m_found.check_and_extract(*m_wanted, doc, line.text))) {
        ok = false;
        why = describe_object_error(e, line.text);
      }
    } else if (m_options.level == CheckLevel::object) {
      ok = check_document(doc, line.text, CheckLevel::object, &shape, &why);
    }
  }
  if (!ok) {
    m_bad.report(m_options.source_name, line.number, line.text, why, BadKind::malformed);
    return;
  }
  ++m_stats.events;
  m_counters.events_in.add();
  handler.on_event(line, doc, m_wanted != nullptr ? &m_found : nullptr);
}

void InputStage::process_control(InputHandler& handler, const Line& line) {
  control::Record record;
  std::string why;
  switch (control::parse_control(m_control_parser, line.padded(), &record, &why)) {
  case control::Parsed::malformed:
    m_ended = false;
    m_bad.report(m_options.source_name, line.number, line.text, why, BadKind::malformed);
    return;
  case control::Parsed::event:
    process_event(handler, line);
    return;
  case control::Parsed::control:
    break;
  }
  m_saw_control = true;
  ++m_stats.control;
  if (const auto* abort = std::get_if<control::Abort>(&record)) {
    handler.on_abandon(abort, &line);
    throw Error::upstream_abort(abort->exit, fmt::format("upstream {} exited {}: {}", abort->stage,
                                                         abort->exit, abort->reason));
  }
  m_ended = std::holds_alternative<control::End>(record);
  handler.on_control(line, record);
}

bool InputStage::is_upstream_crash() const {
  return !m_ended && (m_saw_control || m_options.expects_end);
}

void InputStage::finish(InputHandler& handler) {
  if (!is_upstream_crash()) {
    handler.on_finish();
    return;
  }
  handler.on_abandon(nullptr, nullptr);
  throw Error(ExitCode::temporary,
              m_saw_control ? "input ended without an end record: an upstream stage stopped; "
                              "nothing past the last checkpoint was recorded"
                            : "input ended without a start or end record: --checkpoint needs a "
                              "capture with control records upstream");
}

} // namespace sluice::core
