// FileIdentity: tells whether a path still names the file a position was taken
// in. Inodes are reused, so the identity is the inode plus a hash (XXH64) of
// the file's first content bytes (up to 4 KiB, as many as it had when first
// seen; decompressed for zstd, so a log rotated and compressed keeps its
// fingerprint while its inode changes). Throws Error(io) on read errors.
#pragma once

#include <cstdint>
#include <string>

namespace sluice::connectors::file {

struct FileIdentity {
  uint64_t inode = 0;
  uint64_t fp_len = 0; // content bytes hashed
  std::string fp;      // 16 hex digits
  bool operator==(const FileIdentity&) const = default;
  // Same content start, and the same inode unless `by_content` (a compressed or
  // copied file: its inode changed). An empty start proves nothing by content.
  bool same_file(const FileIdentity& other, bool by_content) const {
    return fp_len == other.fp_len && fp == other.fp &&
           (inode == other.inode || (by_content && fp_len > 0));
  }
};

constexpr uint64_t k_fingerprint_bytes = 4096;

// The identity of the file at `path`, hashing up to `fp_len` first content bytes.
// `*compressed` tells whether it is zstd.
FileIdentity identify(const std::string& path, uint64_t fp_len, bool* compressed);
// The identity of an open plain file, read with pread (the path may name another
// file by now).
FileIdentity identify_open(int fd, const std::string& name, uint64_t fp_len);

} // namespace sluice::connectors::file
