#include "connectors/file/followed_file.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <sys/stat.h>
#include <tuple>
#include <vector>

namespace sluice::connectors::file {

namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The N of "app.log.N" or "app.log.N.zst" (up to 3 digits), else 0.
int64_t rotation_number(const std::string& name, const std::string& base) {
  std::string suffix = name.substr(base.size() + 1);
  if (ends_with(suffix, ".zst")) {
    suffix.resize(suffix.size() - 4);
  }
  if (suffix.empty() || suffix.size() > 3 ||
      suffix.find_first_not_of("0123456789") != std::string::npos) {
    return 0;
  }
  return std::stoll(suffix);
}

// Rotated siblings of `path` ("app.log.1", "app.log-20241124", "app.log.2.zst"),
// oldest first. Compressions sluice cannot read are left out.
std::vector<std::string> rotated_siblings(const std::string& path) {
  fs::path p(path);
  std::string base = p.filename().string();
  struct Found {
    fs::file_time_type time;
    int64_t age; // logrotate's numbered suffix: app.log.2 is older than app.log.1
    std::string name;
    bool operator<(const Found& o) const {
      return std::tie(time, o.age, name) < std::tie(o.time, age, o.name);
    }
  };
  std::vector<Found> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(p.parent_path(), ec)) {
    std::string name = entry.path().filename().string();
    bool rotated = name.size() > base.size() && name.compare(0, base.size(), base) == 0 &&
                   (name[base.size()] == '.' || name[base.size()] == '-');
    if (!rotated || ends_with(name, ".gz") || ends_with(name, ".bz2") || ends_with(name, ".xz") ||
        ends_with(name, ".lz4") || !entry.is_regular_file(ec)) {
      continue;
    }
    found.push_back({entry.last_write_time(ec), rotation_number(name, base), entry.path().string()});
  }
  // Oldest first: by mtime, and where mtimes tie (coarse timestamps) by the
  // rotation number, higher is older; date suffixes tie-break by name.
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& f : found) {
    out.push_back(std::move(f.name));
  }
  return out;
}

bool inode_of(const std::string& path, uint64_t* inode) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    return false;
  }
  *inode = static_cast<uint64_t>(st.st_ino);
  return true;
}

} // namespace

FollowedFile::FollowedFile(std::string path, uint64_t max_line_size, const core::Log& log)
    : m_path(std::move(path)), m_max_line_size(max_line_size), m_log(log) {}

std::string FollowedFile::current_name() const { return m_cursor ? m_cursor->name() : m_path; }

// Opens the next file to read: a queued sibling, else the path (from its start).
bool FollowedFile::open_next() {
  std::string next = m_queue.empty() ? m_path : m_queue.front();
  try {
    m_cursor = std::make_unique<FileCursor>(next, m_max_line_size, true);
  } catch (const core::Error&) {
    if (!m_queue.empty()) {
      m_log.warn("rotated file {} vanished before it was read: skipping it", next);
      m_queue.pop_front();
      return open_next();
    }
    m_cursor.reset(); // the path does not exist (yet): wait for it
    return false;
  }
  m_cursor_is_path = m_queue.empty();
  if (!m_queue.empty()) {
    m_queue.pop_front();
  }
  m_consumed_base = m_consumed;
  m_cursor_start = 0;
  return true;
}

void FollowedFile::seek(const std::optional<FollowPos>& pos) {
  m_queue.clear();
  m_consumed = pos ? pos->consumed : 0;
  if (!pos || pos->file.identity.fp.empty()) {
    // Fresh, or checkpointed between two files (the path did not exist yet).
    open_next();
    return;
  }
  find_resume_file(*pos);
}

void FollowedFile::seek_oldest() {
  m_consumed = 0;
  std::vector<std::string> siblings = rotated_siblings(m_path);
  m_queue.assign(siblings.begin(), siblings.end());
  if (!m_queue.empty()) {
    m_log.info("{}: reading its {} rotated file{} first, oldest first", m_path, m_queue.size(),
               m_queue.size() == 1 ? "" : "s");
  }
  open_next();
}

// Finds the checkpointed file among the path and its rotated siblings.
void FollowedFile::find_resume_file(const FollowPos& pos) {
  std::vector<std::string> candidates = rotated_siblings(m_path);
  candidates.push_back(m_path);
  for (size_t i = candidates.size(); i-- > 0;) {
    std::unique_ptr<FileCursor> cursor;
    try {
      cursor = std::make_unique<FileCursor>(candidates[i], m_max_line_size, true);
    } catch (const core::Error&) {
      continue;
    }
    // A rotated sibling may be a copy of the file (copytruncate): match it by content.
    if (!cursor->seek(pos.file, candidates[i] != m_path)) {
      continue;
    }
    if (candidates[i] != m_path) {
      m_log.info("{} was rotated: resuming in {}", m_path, candidates[i]);
    }
    m_cursor = std::move(cursor);
    m_cursor_is_path = candidates[i] == m_path;
    m_queue.clear();
    for (size_t j = i + 1; j + 1 < candidates.size(); ++j) {
      m_queue.push_back(candidates[j]); // newer siblings, then the path itself
    }
    m_consumed_base = pos.consumed;
    m_cursor_start = pos.file.offset;
    return;
  }
  m_log.warn("the checkpointed file of {} is gone (not found among its rotated files): reading "
             "{} from its beginning",
             m_path, m_path);
  open_next();
}

// The path's file was cut shorter than what was read (copytruncate).
bool FollowedFile::truncated() {
  if (!m_cursor_is_path || m_cursor->compressed()) {
    return false;
  }
  struct stat st;
  if (fstat(m_cursor->input().fd(), &st) != 0) {
    return false;
  }
  return static_cast<uint64_t>(st.st_size) < m_cursor->input().raw_offset();
}

// The file being read will not grow any more: a rotated sibling, or the path's
// old file after a new one took its name.
bool FollowedFile::replaced() {
  if (!m_cursor_is_path) {
    return true;
  }
  uint64_t inode = 0;
  return inode_of(m_path, &inode) && inode != m_cursor->identity().inode;
}

core::ReadStatus FollowedFile::next(core::Line* line) {
  for (;;) {
    if (!m_cursor && !open_next()) {
      return core::ReadStatus::need_more;
    }
    core::ReadStatus status = m_cursor->next(line);
    if (status == core::ReadStatus::line || status == core::ReadStatus::too_long) {
      m_consumed = m_consumed_base + (line->end_offset - m_cursor_start);
      return status;
    }
    if (status == core::ReadStatus::end) {
      // Open the next file at once, so that a barrier names it (at offset 0).
      m_cursor.reset();
      if (!open_next()) {
        return core::ReadStatus::need_more;
      }
      continue;
    }
    if (m_cursor->fill()) {
      continue;
    }
    if (truncated()) {
      m_log.warn("{} was truncated (copytruncate?): reading it again from its start", m_path);
      m_cursor.reset();
      continue;
    }
    if (replaced()) {
      m_cursor->end_input();
      continue;
    }
    return core::ReadStatus::need_more;
  }
}

FollowPos FollowedFile::position() const {
  if (!m_cursor) {
    return {FilePos{}, m_consumed};
  }
  return {m_cursor->position(), m_consumed};
}

} // namespace sluice::connectors::file
