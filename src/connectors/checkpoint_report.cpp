#include "connectors/checkpoint_report.hpp"

#include "core/json_writer.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>

namespace sluice::connectors {

namespace {

constexpr size_t k_columns = 8;
using Line = std::array<std::string, k_columns>;

std::string format_lag(const std::optional<SourceLag>& lag) {
  if (!lag) {
    return "-";
  }
  std::string text = fmt::format("{} {}", lag->total, lag->unit);
  if (lag->parts.size() > 1) {
    std::string parts;
    for (const auto& [name, n] : lag->parts) {
      parts += fmt::format("{}{}={}", parts.empty() ? "" : ",", name, n);
    }
    text += " (" + parts + ")";
  }
  return text;
}

Line line_of(const ReportRow& row, int64_t now_ms) {
  const core::StoreEntry& e = row.entry;
  std::string run = e.barrier ? e.barrier->run : "-";
  std::string checkpoint = e.barrier ? std::to_string(e.barrier->checkpoint) : "-";
  return {e.source, e.sink, run, checkpoint, e.pos, e.state, format_age(e.updated_ms, now_ms),
          format_lag(row.lag)};
}

} // namespace

std::string format_age(int64_t updated_ms, int64_t now_ms) {
  if (updated_ms <= 0) {
    return "-";
  }
  int64_t s = std::max<int64_t>(0, now_ms - updated_ms) / 1000;
  if (s < 60) {
    return fmt::format("{}s", s);
  }
  if (s < 3600) {
    return fmt::format("{}m{:02}s", s / 60, s % 60);
  }
  if (s < 86400) {
    return fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60);
  }
  return fmt::format("{}d{:02}h", s / 86400, s % 86400 / 3600);
}

std::string format_table(const std::vector<ReportRow>& rows, int64_t now_ms) {
  std::vector<Line> lines{{"SOURCE", "SINK", "RUN", "CHECKPOINT", "POS", "STATE", "AGE", "LAG"}};
  for (const auto& row : rows) {
    lines.push_back(line_of(row, now_ms));
  }
  std::array<size_t, k_columns> width{};
  for (const auto& l : lines) {
    for (size_t i = 0; i < k_columns; ++i) {
      width[i] = std::max(width[i], l[i].size());
    }
  }
  std::string out;
  for (const auto& l : lines) {
    std::string text;
    for (size_t i = 0; i < k_columns; ++i) {
      text += i + 1 == k_columns ? l[i] : fmt::format("{:<{}}  ", l[i], width[i]);
    }
    text.erase(text.find_last_not_of(' ') + 1);
    out += text + "\n";
  }
  return out;
}

std::string format_ndjson(const std::vector<ReportRow>& rows, int64_t now_ms) {
  std::string out;
  for (const auto& row : rows) {
    const core::StoreEntry& e = row.entry;
    core::JsonWriter w(&out);
    w.begin_object().key("source").string(e.source).key("sink").string(e.sink).key("run");
    if (e.barrier) {
      w.string(e.barrier->run).key("checkpoint").number(e.barrier->checkpoint);
    } else {
      w.null().key("checkpoint").null();
    }
    w.key("pos").raw(e.pos).key("state").raw(e.state).key("updated").number(e.updated_ms);
    w.key("age_ms").number(std::max<int64_t>(0, now_ms - e.updated_ms)).key("lag");
    if (row.lag) {
      w.begin_object().key("unit").string(row.lag->unit).key("total").number(row.lag->total);
      w.key("parts").begin_object();
      for (const auto& [name, n] : row.lag->parts) {
        w.key(name).number(n);
      }
      w.end_object().end_object();
    } else {
      w.null();
    }
    w.end_object();
    out.push_back('\n');
  }
  return out;
}

} // namespace sluice::connectors
