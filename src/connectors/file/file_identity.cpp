#include "connectors/file/file_identity.hpp"

#include "core/error.hpp"

#include <cerrno>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>
#include <xxhash.h>

namespace sluice::connectors::file {

FileIdentity identify(int fd, const std::string& name, uint64_t fp_len) {
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
