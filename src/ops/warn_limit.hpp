// Rate limiting of repeated warnings by count, shared by the operators: a
// warning about the n-th occurrence of something is printed for n = 1, 10,
// 100, 1000… so a flood costs a few lines that still show how big it is.
// Pure function; thread-safe.
#pragma once

#include <cstdint>

namespace sluice::ops {

inline bool is_reported_count(uint64_t n) {
  while (n >= 10 && n % 10 == 0) {
    n /= 10;
  }
  return n == 1;
}

} // namespace sluice::ops
