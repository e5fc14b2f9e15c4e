#include "connectors/file/file_identity.hpp"

#include "connectors/file/file_input.hpp"
#include "core/error.hpp"

#include <fmt/format.h>
#include <cerrno>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>
#include <xxhash.h>

namespace sluice::connectors::file {

FileIdentity identify(const std::string& path, uint64_t fp_len, bool* compressed) {
  FileInput input(path);
  struct stat st;
  if (fstat(input.fd(), &st) != 0) {
    core::throw_errno("stat " + path);
  }
  FileIdentity id;
  id.inode = static_cast<uint64_t>(st.st_ino);
  std::vector<char> head(static_cast<size_t>(fp_len));
  size_t have = 0;
  // A zstd file cut inside its first frame still has a usable start.
  try {
    while (have < head.size()) {
      size_t n = input.read(head.data() + have, head.size() - have);
      if (n == 0) {
        break;
      }
      have += n;
    }
  } catch (const core::Error& e) {
    if (e.code() != core::ExitCode::data) {
      throw; // only corrupt or cut zstd data leaves a usable start
    }
  }
  id.fp_len = have;
  id.fp = fmt::format("{:016x}", XXH64(head.data(), have, 0));
  *compressed = input.is_zstd();
  return id;
}

FileIdentity identify_open(int fd, const std::string& name, uint64_t fp_len) {
  struct stat st;
  if (fstat(fd, &st) != 0) {
    core::throw_errno("stat " + name);
  }
  FileIdentity id;
  id.inode = static_cast<uint64_t>(st.st_ino);
  std::vector<char> head(static_cast<size_t>(fp_len));
  size_t have = 0;
  while (have < head.size()) {
    ssize_t n = pread(fd, head.data() + have, head.size() - have, static_cast<off_t>(have));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      core::throw_errno("read " + name);
    }
    if (n == 0) {
      break;
    }
    have += static_cast<size_t>(n);
  }
  id.fp_len = have;
  id.fp = fmt::format("{:016x}", XXH64(head.data(), have, 0));
  return id;
}

} // namespace sluice::connectors::file
