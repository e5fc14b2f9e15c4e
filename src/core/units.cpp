#include "core/units.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <fmt/format.h>

namespace sluice::core {
namespace {

struct Unit {
  std::string_view suffix;
  double factor;
};

// Splits "1.5ms" into 1.5 and "ms"; false when there is no leading number.
bool split_number(std::string_view text, double* number, std::string_view* suffix) {
  size_t i = 0;
  while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) {
    ++i;
  }
  if (i == 0) {
    return false;
  }
  auto res = std::from_chars(text.data(), text.data() + i, *number);
  if (res.ec != std::errc() || res.ptr != text.data() + i || !std::isfinite(*number)) {
    return false;
  }
  *suffix = text.substr(i);
  return true;
}

bool scale(std::string_view text, const Unit* units, size_t n, bool bare_ok, double* out,
           std::string* why, const char* kind, const char* examples) {
  double number = 0;
  std::string_view suffix;
  if (!split_number(text, &number, &suffix)) {
    *why = fmt::format("invalid {} \"{}\" (examples: {})", kind, text, examples);
    return false;
  }
  if (suffix.empty() && (bare_ok || number == 0)) {
    *out = number;
    return true;
  }
  for (size_t i = 0; i < n; ++i) {
    if (units[i].suffix == suffix) {
      *out = number * units[i].factor;
      return true;
    }
  }
  *why = fmt::format("invalid {} \"{}\": unknown unit \"{}\" (examples: {})", kind, text, suffix,
                     examples);
  return false;
}

} // namespace

bool parse_duration(std::string_view text, std::chrono::microseconds* out, std::string* why) {
  static constexpr std::array<Unit, 7> k_units{{{"us", 1},
                                                {"ms", 1e3},
                                                {"s", 1e6},
                                                {"m", 60e6},
                                                {"min", 60e6},
                                                {"h", 3600e6},
                                                {"d", 86400e6}}};
  double us = 0;
  if (!scale(text, k_units.data(), k_units.size(), false, &us, why, "duration",
             "250ms, 2s, 10m, 1h")) {
    return false;
  }
  if (us > 1e17) {
    *why = fmt::format("duration \"{}\" is too long", text);
    return false;
  }
  *out = std::chrono::microseconds(static_cast<int64_t>(std::llround(us)));
  return true;
}

bool parse_size(std::string_view text, uint64_t* out, std::string* why) {
  static constexpr std::array<Unit, 12> k_units{{{"B", 1},
                                                 {"k", 1e3},
                                                 {"K", 1e3},
                                                 {"KB", 1e3},
                                                 {"M", 1e6},
                                                 {"MB", 1e6},
                                                 {"G", 1e9},
                                                 {"GB", 1e9},
                                                 {"KiB", 1024.0},
                                                 {"MiB", 1048576.0},
                                                 {"GiB", 1073741824.0},
                                                 {"TiB", 1099511627776.0}}};
  double bytes = 0;
  if (!scale(text, k_units.data(), k_units.size(), true, &bytes, why, "size",
             "65536, 64KiB, 256MiB, 1GB")) {
    return false;
  }
  if (bytes >= 1.8e19) {
    *why = fmt::format("size \"{}\" is too large", text);
    return false;
  }
  *out = static_cast<uint64_t>(std::llround(bytes));
  return true;
}

std::string format_duration(std::chrono::microseconds d) {
  int64_t us = d.count();
  if (us % 3600000000 == 0 && us != 0) {
    return fmt::format("{}h", us / 3600000000);
  }
  if (us % 60000000 == 0 && us != 0) {
    return fmt::format("{}m", us / 60000000);
  }
  if (us % 1000000 == 0) {
    return fmt::format("{}s", us / 1000000);
  }
  if (us % 1000 == 0) {
    return fmt::format("{}ms", us / 1000);
  }
  return fmt::format("{}us", us);
}

std::string format_size(uint64_t bytes) {
  static constexpr std::array<std::string_view, 4> k_names{"GiB", "MiB", "KiB", "B"};
  static constexpr std::array<uint64_t, 4> k_factors{1ull << 30, 1ull << 20, 1ull << 10, 1};
  for (size_t i = 0; i < k_names.size(); ++i) {
    if (bytes >= k_factors[i] && bytes % k_factors[i] == 0) {
      return fmt::format("{}{}", bytes / k_factors[i], k_names[i]);
    }
  }
  return fmt::format("{}B", bytes);
}

} // namespace sluice::core
