#include "connectors/kafka/positions.hpp"

#include "core/json_writer.hpp"

#include <algorithm>
#include <charconv>
#include <fmt/format.h>
#include <simdjson.h>

namespace sluice::connectors::kafka {

std::string describe(const TopicPartition& tp) {
  return fmt::format("{}/{}", tp.topic, tp.partition);
}

std::string format_offsets(const Offsets& offsets) {
  std::string out;
  core::JsonWriter w(&out);
  w.begin_object();
  for (const auto& [tp, offset] : offsets) {
    w.key(describe(tp)).number(offset);
  }
  w.end_object();
  return out;
}

bool parse_offsets(std::string_view json, Offsets* out, std::string* why) {
  out->clear();
  if (json == "null") {
    return true;
  }
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(json.data(), json.size()).get(object)) {
    *why = "not a JSON object";
    return false;
  }
  for (auto field : object) {
    std::string_view name = field.key;
    size_t slash = name.rfind('/');
    int32_t partition = -1;
    int64_t offset = -1;
    if (slash == std::string_view::npos || slash == 0 ||
        std::from_chars(name.data() + slash + 1, name.data() + name.size(), partition).ec !=
            std::errc() ||
        partition < 0 || field.value.get(offset) || offset < 0) {
      *why = fmt::format("\"{}\" is not TOPIC/PARTITION with an offset", name);
      return false;
    }
    (*out)[TopicPartition{std::string(name.substr(0, slash)), partition}] = offset;
  }
  return true;
}

int compare_offsets(const Offsets& a, const Offsets& b) {
  bool behind = false;
  bool ahead = false;
  int64_t sum_a = 0;
  int64_t sum_b = 0;
  auto check = [&](const Offsets& x, const Offsets& y, bool swapped) {
    for (const auto& [tp, offset] : x) {
      auto it = y.find(tp);
      int64_t other = it == y.end() ? -1 : it->second;
      if (offset != other) {
        ((offset < other) != swapped ? behind : ahead) = true;
      }
    }
  };
  check(a, b, false);
  check(b, a, true);
  if (behind != ahead) {
    return behind ? -1 : 1;
  }
  if (!behind) {
    return 0;
  }
  for (const auto& [tp, offset] : a) {
    sum_a += offset;
  }
  for (const auto& [tp, offset] : b) {
    sum_b += offset;
  }
  return sum_a < sum_b ? -1 : (sum_a > sum_b ? 1 : 0);
}

Offsets merge_recorded(const std::vector<Offsets>& positions) {
  if (positions.empty()) {
    return {};
  }
  Offsets merged = positions.front();
  for (size_t i = 1; i < positions.size(); ++i) {
    for (auto it = merged.begin(); it != merged.end();) {
      auto other = positions[i].find(it->first);
      if (other == positions[i].end()) {
        it = merged.erase(it);
        continue;
      }
      it->second = std::min(it->second, other->second);
      ++it;
    }
  }
  return merged;
}

} // namespace sluice::connectors::kafka
