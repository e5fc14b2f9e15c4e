#include "core/side_file.hpp"

#include "core/error.hpp"

#include <climits>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sluice::core {
namespace {

std::string make_absolute(const std::string& path) {
  if (!path.empty() && path[0] == '/') {
    return path;
  }
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof cwd) == nullptr) {
    return path;
  }
  return std::string(cwd) + "/" + path;
}

} // namespace

SideFile::SideFile(std::string path)
    : m_path(std::move(path)), m_absolute(make_absolute(m_path)),
      m_fd(open_file(m_path, O_WRONLY | O_CREAT | O_APPEND)) {
  struct stat st;
  if (fstat(m_fd.get(), &st) != 0) {
    throw_errno("stat " + m_path);
  }
  m_size = static_cast<uint64_t>(st.st_size);
}

// Lines written since the last sync are dropped: nothing past the last barrier is kept.
SideFile::~SideFile() = default;

void SideFile::write_line(std::string_view text) {
  m_buffer.append(text);
  m_buffer.push_back('\n');
  if (m_buffer.size() >= k_flush_size) {
    write_buffer();
  }
}

void SideFile::write_buffer() {
  if (m_buffer.empty()) {
    return;
  }
  write_all(m_fd.get(), m_buffer.data(), m_buffer.size(), m_path);
  m_size += m_buffer.size();
  m_buffer.clear();
  m_unsynced = true;
}

void SideFile::sync() {
  write_buffer();
  if (m_unsynced) {
    fsync_fd(m_fd.get(), m_path);
    m_unsynced = false;
  }
}

bool SideFile::truncate_to(uint64_t size) {
  m_buffer.clear();
  struct stat st;
  if (fstat(m_fd.get(), &st) != 0) {
    throw_errno("stat " + m_path);
  }
  m_size = static_cast<uint64_t>(st.st_size);
  if (m_size < size) {
    return false;
  }
  if (m_size == size) {
    return true;
  }
  if (ftruncate(m_fd.get(), static_cast<off_t>(size)) != 0) {
    throw_errno("truncate " + m_path);
  }
  fsync_fd(m_fd.get(), m_path);
  m_size = size;
  return true;
}

} // namespace sluice::core
