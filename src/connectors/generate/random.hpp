// Small deterministic random numbers for the generator: a bijective 64-bit mix
// and a splitmix64 stream with our own range mapping, so a seed yields the same
// bytes on every platform and library (no std::*_distribution, whose sequences
// are implementation-defined). Header-only, pure, thread-safe; never throws.
#pragma once

#include <cstdint>

namespace sluice::connectors::generate {

// The splitmix64 finalizer: a bijection on 64-bit values.
constexpr uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

constexpr uint64_t k_golden = 0x9e3779b97f4a7c15ull;

// A probability in [0, 1] as a threshold on 64-bit draws, compared without floats
// in the hot path.
class Chance {
 public:
  constexpr Chance() = default;
  explicit constexpr Chance(double p)
      : m_always(p >= 1.0),
        m_threshold(p <= 0.0 || p >= 1.0 ? 0 : static_cast<uint64_t>(p * 18446744073709551616.0)) {}
  constexpr bool hit(uint64_t draw) const { return m_always || draw < m_threshold; }

 private:
  bool m_always = false;
  uint64_t m_threshold = 0;
};

// splitmix64: one stream per seed.
class Rng {
 public:
  explicit constexpr Rng(uint64_t seed) : m_state(seed) {}

  constexpr uint64_t next() {
    m_state += k_golden;
    return mix64(m_state);
  }
  // Uniform in [0, n) by multiply-shift (a bias below n / 2^64, irrelevant here); 0 when n is 0.
  constexpr uint64_t below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }
  // Uniform in [lo, hi].
  constexpr int64_t between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo) + 1));
  }
  constexpr bool hit(const Chance& chance) { return chance.hit(next()); }

 private:
  uint64_t m_state;
};

} // namespace sluice::connectors::generate
