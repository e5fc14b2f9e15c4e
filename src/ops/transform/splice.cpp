#include "ops/transform/splice.hpp"

#include <algorithm>

namespace sluice::ops::transform {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

size_t skip_spaces(std::string_view text, size_t i) {
  while (i < text.size() && is_space(text[i])) {
    ++i;
  }
  return i;
}

} // namespace

void apply_splices(std::string_view text, std::vector<Splice> &splices, std::string *out) {
  auto before = [](const Splice &a, const Splice &b) {
    return a.begin < b.begin || (a.begin == b.begin && a.end > b.end);
  };
  // Usually one splice, or splices found in document order: sorting would only
  // allocate stable_sort's buffer for every event.
  if (!std::is_sorted(splices.begin(), splices.end(), before)) {
    std::stable_sort(splices.begin(), splices.end(), before);
  }
  size_t pos = 0;
  bool any = false;
  size_t last_end = 0;
  for (const auto &s : splices) {
    if (any && s.end <= last_end && s.begin < last_end) {
      continue; // inside the previous splice
    }
    out->append(text.data() + pos, s.begin - pos);
    out->append(s.text);
    pos = s.end;
    last_end = s.end;
    any = true;
  }
  out->append(text.data() + pos, text.size() - pos);
}

void removal_splices(std::string_view text, std::vector<Removal> &removals,
                     std::vector<Splice> *out) {
  struct Range {
    size_t begin;
    size_t end;
    bool first; // nothing but the container's opening before it
  };
  std::vector<Range> ranges;
  for (const auto &r : removals) {
    size_t i = r.start;
    while (i > 0 && is_space(text[i - 1])) {
      --i;
    }
    bool first = i == 0 || text[i - 1] != ',';
    ranges.push_back({first ? r.start : i - 1, r.value_end, first});
  }
  std::sort(ranges.begin(), ranges.end(),
            [](const Range &a, const Range &b) { return a.begin < b.begin; });
  std::vector<Range> merged;
  for (const auto &r : ranges) {
    if (!merged.empty() && skip_spaces(text, merged.back().end) >= r.begin) {
      merged.back().end = std::max(merged.back().end, r.end);
      continue;
    }
    merged.push_back(r);
  }
  for (auto &r : merged) {
    if (r.first) {
      size_t next = skip_spaces(text, r.end);
      if (next < text.size() && text[next] == ',') {
        r.end = skip_spaces(text, next + 1);
      }
    }
    out->push_back({r.begin, r.end, {}});
  }
}

size_t object_close(std::string_view text, size_t object_begin, size_t object_end,
                    bool *has_members) {
  size_t close = object_end - 1; // the '}'
  size_t inner = skip_spaces(text, object_begin + 1);
  *has_members = inner < close;
  return close;
}

} // namespace sluice::ops::transform
