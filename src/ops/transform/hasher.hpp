// Hasher: HMAC-SHA256 (or, unsalted, plain SHA-256) of field values as lowercase
// hex, through OpenSSL's EVP interfaces. The same input and key always give the
// same output, so hashed identifiers still join across tables and runs.
//
// Owns its OpenSSL contexts; not thread-safe. The constructor throws
// core::Error(internal) when OpenSSL cannot provide the algorithm.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace sluice::ops::transform {

class Hasher {
public:
  // An empty key means unsalted SHA-256.
  explicit Hasher(std::string_view key);
  ~Hasher();
  Hasher(const Hasher &) = delete;
  Hasher &operator=(const Hasher &) = delete;

  // Appends 64 lowercase hex digits.
  void append_hex(std::string_view data, std::string *out);

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace sluice::ops::transform
