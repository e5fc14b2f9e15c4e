#include "connectors/kafka/start_offset.hpp"

#include <charconv>
#include <fmt/format.h>

namespace sluice::connectors::kafka {
namespace {

bool parse_number(std::string_view text, int64_t* out) {
  if (text.empty()) {
    return false;
  }
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && *out >= 0;
}

} // namespace

bool StartOffset::parse(std::string_view text, StartOffset* out, std::string* why) {
  StartOffset o;
  if (text == "beginning") {
    o.kind = Kind::beginning;
  } else if (text == "end") {
    o.kind = Kind::end;
  } else if (!text.empty() && text[0] == '-' && parse_number(text.substr(1), &o.value)) {
    o.kind = Kind::tail;
  } else if (!text.empty() && text[0] == '@' && parse_number(text.substr(1), &o.value)) {
    o.kind = Kind::timestamp;
  } else if (parse_number(text, &o.value)) {
    o.kind = Kind::offset;
  } else {
    *why = fmt::format("-o {}: expected beginning, end, OFFSET, -N or @TIMESTAMP_MS", text);
    return false;
  }
  *out = o;
  return true;
}

std::string StartOffset::text() const {
  switch (kind) {
  case Kind::beginning:
    return "beginning";
  case Kind::end:
    return "end";
  case Kind::offset:
    return std::to_string(value);
  case Kind::tail:
    return "-" + std::to_string(value);
  case Kind::timestamp:
    return "@" + std::to_string(value);
  }
  return "";
}

} // namespace sluice::connectors::kafka
