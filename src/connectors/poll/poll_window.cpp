#include "connectors/poll/poll_window.hpp"

#include "core/json_writer.hpp"

#include <simdjson.h>

namespace sluice::connectors::poll {

namespace {

std::pair<int64_t, int64_t> key_of(const PollPos& p) {
  return {p.has_ts ? p.ts_us : INT64_MIN, p.has_inc ? p.inc : INT64_MIN};
}

} // namespace

int compare(const PollPos& a, const PollPos& b) {
  auto ka = key_of(a);
  auto kb = key_of(b);
  return ka < kb ? -1 : (kb < ka ? 1 : 0);
}

std::string position_json(const PollPos& p) {
  if (p.is_start()) {
    return "null";
  }
  std::string out;
  core::JsonWriter w(&out);
  w.begin_object();
  if (p.has_ts) {
    w.key("ts");
    if (p.ts_is_text) {
      w.string(p.ts_raw);
    } else {
      w.raw(p.ts_raw);
    }
    w.key("ts_us").number(p.ts_us);
  }
  if (p.has_inc) {
    w.key("inc").number(p.inc);
  }
  w.end_object();
  return out;
}

bool parse_position_json(std::string_view json, PollPos* out) {
  *out = PollPos();
  if (json == "null") {
    return true;
  }
  simdjson::padded_string padded(json);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  simdjson::ondemand::object o;
  if (parser.iterate(padded).get(doc) || doc.get_object().get(o)) {
    return false;
  }
  for (auto field : o) {
    std::string_view key;
    if (field.unescaped_key().get(key)) {
      return false;
    }
    simdjson::ondemand::value v = field.value();
    if (key == "ts") {
      std::string_view text;
      simdjson::ondemand::json_type type;
      if (v.type().get(type)) {
        return false;
      }
      out->ts_is_text = type == simdjson::ondemand::json_type::string;
      if (out->ts_is_text ? v.get_string().get(text) != simdjson::SUCCESS
                          : (text = v.raw_json_token(), false)) {
        return false;
      }
      while (!text.empty() && (text.back() == ' ' || text.back() == '\n')) {
        text.remove_suffix(1);
      }
      out->ts_raw.assign(text);
      out->has_ts = true;
    } else if (key == "ts_us") {
      if (v.get_int64().get(out->ts_us)) {
        return false;
      }
    } else if (key == "inc") {
      if (v.get_int64().get(out->inc)) {
        return false;
      }
      out->has_inc = true;
    }
  }
  return true;
}

void PollWindow::reset(const PollPos& safe) {
  m_safe = safe;
  m_emitted = safe;
  m_pending.clear();
  m_ids.clear();
  m_by_pos.clear();
}

bool PollWindow::take(const std::string& id, const PollPos& pos) {
  if (!m_ids.insert(id).second) {
    return false;
  }
  m_by_pos.emplace(key_of(pos), id);
  return true;
}

void PollWindow::advance_safe(const PollPos& to) {
  if (compare(to, m_safe) <= 0) {
    return;
  }
  m_safe = to;
  // Rows at or below safe are never read again: forget their ids.
  auto end = m_by_pos.upper_bound(key_of(m_safe));
  for (auto it = m_by_pos.begin(); it != end; ++it) {
    m_ids.erase(it->second);
  }
  m_by_pos.erase(m_by_pos.begin(), end);
}

void PollWindow::end_poll(const std::optional<PollPos>& high,
                          std::optional<std::pair<uint64_t, uint64_t>> snapshot) {
  if (high && compare(*high, m_emitted) > 0) {
    m_emitted = *high;
  }
  if (!snapshot) {
    advance_safe(m_emitted);
    return;
  }
  auto [xmin, xmax] = *snapshot;
  while (!m_pending.empty() && m_pending.front().xmax <= xmin) {
    advance_safe(m_pending.front().high);
    m_pending.pop_front();
  }
  // Nothing was running at this poll: what it saw is complete already.
  if (xmin == xmax) {
    m_pending.clear();
    advance_safe(m_emitted);
    return;
  }
  m_pending.push_back({xmin, xmax, m_emitted});
}

std::optional<uint64_t> PollWindow::horizon() const {
  if (m_pending.empty()) {
    return std::nullopt;
  }
  return m_pending.front().xmin;
}

} // namespace sluice::connectors::poll
