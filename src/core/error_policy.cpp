#include "core/error_policy.hpp"

#include "core/base64.hpp"
#include "core/error.hpp"
#include "core/json_writer.hpp"

#include <fcntl.h>

namespace sluice::core {
namespace {

constexpr uint64_t k_logged_skips = 5;

} // namespace

bool ErrorPolicy::parse(std::string_view text, ErrorPolicy* out, std::string* why) {
  constexpr std::string_view k_dead = "dead-letter:";
  if (text == "fail") {
    out->mode = Mode::fail;
  } else if (text == "skip") {
    out->mode = Mode::skip;
  } else if (text.substr(0, k_dead.size()) == k_dead && text.size() > k_dead.size()) {
    out->mode = Mode::dead_letter;
    out->dead_letter_path = std::string(text.substr(k_dead.size()));
  } else {
    *why = fmt::format("invalid --on-error \"{}\" (expected fail, skip or dead-letter:FILE)", text);
    return false;
  }
  return true;
}

BadData::BadData(const ErrorPolicy& policy, const Log& log) : m_policy(policy), m_log(log) {
  if (policy.mode == ErrorPolicy::Mode::dead_letter) {
    m_file = open_file(policy.dead_letter_path, O_WRONLY | O_CREAT | O_APPEND);
  }
}

void BadData::report(std::string_view source, uint64_t line_number, std::string_view raw,
                     std::string_view reason, BadKind kind) {
  ++m_count;
  stage_counters().error(kind);
  switch (m_policy.mode) {
  case ErrorPolicy::Mode::fail:
    throw Error(ExitCode::data, fmt::format("{}:{}: {}", source, line_number, reason));
  case ErrorPolicy::Mode::skip:
    if (m_count <= k_logged_skips) {
      m_log.warn("{}:{}: {} (skipped{})", source, line_number, reason,
                 m_count == k_logged_skips ? "; further skips are only counted" : "");
    }
    return;
  case ErrorPolicy::Mode::dead_letter:
    break;
  }
  std::string line;
  JsonWriter w(&line);
  w.begin_object().key("source").string(source).key("line").number(line_number);
  w.key("reason").string(reason);
  if (is_valid_utf8(raw)) {
    w.key("raw").string(raw);
  } else {
    w.key("raw_base64").string(base64_encode(raw));
  }
  w.end_object();
  line.push_back('\n');
  write_all(m_file.get(), line.data(), line.size(), m_policy.dead_letter_path);
  m_unsynced = true;
}

void BadData::sync() {
  if (m_unsynced) {
    fsync_fd(m_file.get(), m_policy.dead_letter_path);
    m_unsynced = false;
  }
}

} // namespace sluice::core
