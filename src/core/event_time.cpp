#include "core/event_time.hpp"

#include <chrono>
#include <cmath>
#include <fmt/format.h>

namespace sluice::core {

namespace {

// Parses `n` digits at text[*i] into *out.
bool digits(std::string_view text, size_t* i, int n, int* out) {
  int v = 0;
  for (int k = 0; k < n; ++k, ++*i) {
    if (*i >= text.size() || text[*i] < '0' || text[*i] > '9') {
      return false;
    }
    v = v * 10 + (text[*i] - '0');
  }
  *out = v;
  return true;
}

bool expect(std::string_view text, size_t* i, char a, char b = 0) {
  if (*i < text.size() && (text[*i] == a || (b != 0 && text[*i] == b))) {
    ++*i;
    return true;
  }
  return false;
}

// Milliseconds of a fraction ".250" (more digits are truncated).
int64_t fraction_ms(std::string_view text, size_t* i) {
  int64_t ms = 0;
  int n = 0;
  while (*i < text.size() && text[*i] >= '0' && text[*i] <= '9') {
    if (n++ < 3) {
      ms = ms * 10 + (text[*i] - '0');
    }
    ++*i;
  }
  for (; n < 3; ++n) {
    ms *= 10;
  }
  return ms;
}

} // namespace

bool event_time_from_number(double value, int64_t* ms) {
  if (!std::isfinite(value)) {
    return false;
  }
  double a = std::fabs(value);
  double scaled = a < 1e11 ? value * 1e3 : a < 1e14 ? value : a < 1e17 ? value / 1e3 : value / 1e6;
  if (std::fabs(scaled) > 9.2e15) {
    return false;
  }
  *ms = static_cast<int64_t>(std::floor(scaled));
  return true;
}

bool event_time_from_integer(int64_t value, int64_t* ms) {
  int64_t a = value < 0 ? -value : value;
  if (a < 100000000000LL) {
    *ms = value * 1000;
  } else if (a < 100000000000000LL) {
    *ms = value;
  } else if (a < 100000000000000000LL) {
    *ms = value / 1000;
  } else {
    *ms = value / 1000000;
  }
  return true;
}

bool event_time_from_string(std::string_view text, int64_t* ms, std::string* why) {
  size_t i = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  bool ok = digits(text, &i, 4, &year) && expect(text, &i, '-') && digits(text, &i, 2, &month) &&
            expect(text, &i, '-') && digits(text, &i, 2, &day) && expect(text, &i, 'T', 't');
  if (!ok && i == 10 && i < text.size() && text[i] == ' ') {
    ok = expect(text, &i, ' ');
  }
  ok = ok && digits(text, &i, 2, &hour) && expect(text, &i, ':') && digits(text, &i, 2, &minute) &&
       expect(text, &i, ':') && digits(text, &i, 2, &second);
  int64_t frac = 0;
  if (ok && expect(text, &i, '.')) {
    frac = fraction_ms(text, &i);
  }
  int64_t offset_min = 0;
  if (ok && i < text.size() && (text[i] == '+' || text[i] == '-')) {
    int sign = text[i++] == '-' ? -1 : 1;
    int oh = 0, om = 0;
    ok = digits(text, &i, 2, &oh) && expect(text, &i, ':') && digits(text, &i, 2, &om);
    offset_min = sign * (oh * 60 + om);
  } else if (ok && i < text.size()) {
    ok = expect(text, &i, 'Z', 'z');
  }
  using namespace std::chrono;
  year_month_day ymd{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                     std::chrono::day(static_cast<unsigned>(day))};
  if (!ok || i != text.size() || !ymd.ok() || hour > 23 || minute > 59 || second > 60) {
    *why = fmt::format("\"{}\" is not an RFC 3339 timestamp", text);
    return false;
  }
  int64_t days = sys_days(ymd).time_since_epoch().count();
  int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_min * 60;
  *ms = secs * 1000 + frac;
  return true;
}

bool event_time_of(simdjson::ondemand::value value, int64_t* ms, std::string* why) {
  simdjson::ondemand::json_type type;
  if (value.type().get(type) != simdjson::SUCCESS) {
    *why = "unreadable event time";
    return false;
  }
  if (type == simdjson::ondemand::json_type::string) {
    std::string_view s;
    if (value.get_string().get(s) != simdjson::SUCCESS) {
      *why = "unreadable event time";
      return false;
    }
    return event_time_from_string(s, ms, why);
  }
  if (type == simdjson::ondemand::json_type::number) {
    int64_t i = 0;
    if (value.get_int64().get(i) == simdjson::SUCCESS) {
      return event_time_from_integer(i, ms);
    }
    double d = 0;
    if (value.get_double().get(d) == simdjson::SUCCESS && event_time_from_number(d, ms)) {
      return true;
    }
    *why = "event time out of range";
    return false;
  }
  *why = "event time is neither a number nor an RFC 3339 string";
  return false;
}

} // namespace sluice::core
