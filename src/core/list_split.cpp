#include "core/list_split.hpp"

#include <fmt/format.h>

namespace sluice::core {

bool split_list(std::string_view text, std::vector<std::string>* out, std::string* why) {
  int depth = 0;
  char quote = 0;
  size_t start = 0;
  auto push = [&](size_t end) {
    std::string_view item = text.substr(start, end - start);
    if (item.empty()) {
      *why = fmt::format("empty item in list \"{}\"", text);
      return false;
    }
    out->emplace_back(item);
    return true;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote != 0) {
      if (c == '\\' && i + 1 < text.size()) {
        ++i;
      } else if (c == quote) {
        quote = 0;
      }
      continue;
    }
    if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '[') {
      ++depth;
    } else if (c == ']') {
      if (--depth < 0) {
        *why = fmt::format("unbalanced ']' in \"{}\"", text);
        return false;
      }
    } else if (c == ',' && depth == 0) {
      if (!push(i)) {
        return false;
      }
      start = i + 1;
    }
  }
  if (quote != 0 || depth != 0) {
    *why = fmt::format("unterminated {} in \"{}\"", quote != 0 ? "quote" : "'['", text);
    return false;
  }
  return push(text.size());
}

bool split_lists(const std::vector<std::string>& values, std::vector<std::string>* out,
                 std::string* why) {
  for (const auto& v : values) {
    if (!split_list(v, out, why)) {
      return false;
    }
  }
  return true;
}

} // namespace sluice::core
