#include "core/units.hpp"

#include <catch2/catch.hpp>

namespace sluice::core {
namespace {

using std::chrono::microseconds;

microseconds parsed_duration(std::string_view text) {
  microseconds d{-1};
  std::string why;
  INFO(text);
  REQUIRE(parse_duration(text, &d, &why));
  CHECK(why.empty());
  return d;
}

std::string parsed_duration_error(std::string_view text) {
  microseconds d{-1};
  std::string why;
  CHECK_FALSE(parse_duration(text, &d, &why));
  CHECK(d == microseconds{-1});
  return why;
}

uint64_t parsed_size(std::string_view text) {
  uint64_t n = 7;
  std::string why;
  INFO(text);
  REQUIRE(parse_size(text, &n, &why));
  return n;
}

std::string parsed_size_error(std::string_view text) {
  uint64_t n = 7;
  std::string why;
  CHECK_FALSE(parse_size(text, &n, &why));
  CHECK(n == 7);
  return why;
}

TEST_CASE("durations take a unit", "[core][units]") {
  CHECK(parsed_duration("250ms") == microseconds{250000});
  CHECK(parsed_duration("2s") == microseconds{2000000});
  CHECK(parsed_duration("1.5s") == microseconds{1500000});
  CHECK(parsed_duration("10m") == microseconds{600000000});
  CHECK(parsed_duration("10min") == microseconds{600000000});
  CHECK(parsed_duration("1h") == microseconds{3600000000});
  CHECK(parsed_duration("1d") == microseconds{86400000000});
  CHECK(parsed_duration("750us") == microseconds{750});
  CHECK(parsed_duration("0.5ms") == microseconds{500});
  CHECK(parsed_duration("0") == microseconds{0});
  CHECK(parsed_duration("0s") == microseconds{0});
  CHECK(parsed_duration("0.0") == microseconds{0});
}

TEST_CASE("durations without a unit or with a bad one are errors", "[core][units]") {
  for (std::string_view bad : {"", "5", "-1s", "2x", "s", "ms", "1.2.3s", ".", "1 s", " 1s", "1s ",
                               "1e3s", "+1s", "1S", "2hours", "0x"}) {
    CAPTURE(bad);
    std::string why = parsed_duration_error(bad);
    CHECK_FALSE(why.empty());
  }
  CHECK(parsed_duration_error("5").find("unknown unit") != std::string::npos);
  CHECK(parsed_duration_error("2x").find("\"2x\"") != std::string::npos);
  CHECK(parsed_duration_error("99999999999999999999h").find("too long") != std::string::npos);
}

TEST_CASE("sizes take bytes or a binary or decimal suffix", "[core][units]") {
  CHECK(parsed_size("65536") == 65536);
  CHECK(parsed_size("0") == 0);
  CHECK(parsed_size("64KiB") == 65536);
  CHECK(parsed_size("256MiB") == 256ull << 20);
  CHECK(parsed_size("1GiB") == 1ull << 30);
  CHECK(parsed_size("2TiB") == 2ull << 40);
  CHECK(parsed_size("1GB") == 1000000000);
  CHECK(parsed_size("1G") == 1000000000);
  CHECK(parsed_size("3MB") == 3000000);
  CHECK(parsed_size("3M") == 3000000);
  CHECK(parsed_size("5k") == 5000);
  CHECK(parsed_size("5K") == 5000);
  CHECK(parsed_size("5KB") == 5000);
  CHECK(parsed_size("12B") == 12);
  CHECK(parsed_size("1.5KiB") == 1536);
}

TEST_CASE("sizes with a bad number or unit are errors", "[core][units]") {
  for (std::string_view bad :
       {"", "-1", "KiB", "12XB", "1e3", "1kib", "1 KiB", "1.2.3", "64KiBx", "0x10"}) {
    CAPTURE(bad);
    CHECK_FALSE(parsed_size_error(bad).empty());
  }
  CHECK(parsed_size_error("20000000000GB").find("too large") != std::string::npos);
}

TEST_CASE("formatted durations and sizes read back as the same value", "[core][units]") {
  for (int64_t us : {int64_t{0}, int64_t{1}, int64_t{250000}, int64_t{1500000}, int64_t{2000000},
                     int64_t{600000000}, int64_t{3600000000}, int64_t{7200000001}}) {
    CAPTURE(us);
    std::string text = format_duration(microseconds{us});
    CHECK(parsed_duration(text) == microseconds{us});
  }
  CHECK(format_duration(microseconds{250000}) == "250ms");
  CHECK(format_duration(microseconds{2000000}) == "2s");
  CHECK(format_duration(microseconds{600000000}) == "10m");
  CHECK(format_duration(microseconds{3600000000}) == "1h");
  CHECK(format_duration(microseconds{0}) == "0s");
  for (uint64_t n : {uint64_t{0}, uint64_t{1}, uint64_t{1000}, uint64_t{65536}, uint64_t{256} << 20,
                     uint64_t{3} << 30, uint64_t{1536}}) {
    CAPTURE(n);
    CHECK(parsed_size(format_size(n)) == n);
  }
  CHECK(format_size(256ull << 20) == "256MiB");
  CHECK(format_size(64 << 10) == "64KiB");
  CHECK(format_size(1000) == "1000B");
}

} // namespace
} // namespace sluice::core
