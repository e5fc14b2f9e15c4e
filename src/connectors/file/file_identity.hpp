// FileIdentity: tells whether a path still names the file a position was taken
// in. Inodes are reused, so the identity is the inode plus a hash (XXH64) of
// the file's first bytes (up to 4 KiB, as many as it had when first seen).
// Pure functions over an open fd; throws Error(io) on read errors.
#pragma once

#include <cstdint>
#include <string>

namespace sluice::connectors::file {

struct FileIdentity {
  uint64_t inode = 0;
  uint64_t fp_len = 0; // bytes hashed
  std::string fp;      // 16 hex digits
  bool operator==(const FileIdentity&) const = default;
};

constexpr uint64_t k_fingerprint_bytes = 4096;

// The identity of the open file `fd`, hashing up to `fp_len` first bytes.
FileIdentity identify(int fd, const std::string& name, uint64_t fp_len = k_fingerprint_bytes);

} // namespace sluice::connectors::file
