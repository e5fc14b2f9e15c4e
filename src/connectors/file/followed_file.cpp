#include "connectors/file/followed_file.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <set>
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
// oldest first. Compressions sluice cannot read are left out, and so is "X.zst"
// while "X" is still there: zstd is still writing it (or has yet to remove X).
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
  std::set<std::string> names;
  for (const auto& f : found) {
    names.insert(f.name);
  }
  std::vector<std::string> out;
  for (auto& f : found) {
    if (ends_with(f.name, ".zst") && names.count(f.name.substr(0, f.name.size() - 4)) > 0) {
      continue;
    }
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

// Where a checkpointed file may be: the rotated siblings of `path` (oldest first),
// then the path, with their inodes (0: gone by the time it was looked at).
struct Candidates {
  std::vector<std::string> names;
  std::vector<uint64_t> inodes;
  bool operator==(const Candidates&) const = default;
};

Candidates list_candidates(const std::string& path) {
  Candidates c;
  c.names = rotated_siblings(path);
  c.names.push_back(path);
  for (const auto& name : c.names) {
    uint64_t inode = 0;
    c.inodes.push_back(inode_of(name, &inode) ? inode : 0);
  }
  return c;
}

// Searches for a file (find_file) before it is called gone. A search is repeated
// only when the candidates changed during the one before, which a rotation does a
// few times (once per rename): more means the directory does not hold still.
constexpr int k_max_resume_searches = 10;

} // namespace

FollowedFile::FollowedFile(std::string path, uint64_t max_line_size, const core::Log& log)
    : m_path(std::move(path)), m_max_line_size(max_line_size), m_log(log) {}

std::string FollowedFile::current_name() const { return m_cursor ? m_cursor->name() : m_path; }

// Reads on from `cursor`, which is `start` content bytes into its file; `consumed`
// counts the bytes read up to there, over every file of the path.
void FollowedFile::use(std::unique_ptr<FileCursor> cursor, uint64_t consumed, uint64_t start) {
  m_cursor = std::move(cursor);
  m_cursor_is_path = m_cursor->name() == m_path;
  m_consumed_base = consumed;
  m_cursor_start = start;
}

// Opens the next file to read: a queued file, else the path (from its start). A
// queued file the name no longer holds (rotated since) is looked for again.
bool FollowedFile::open_next() {
  if (m_queue.empty()) {
    try {
      use(std::make_unique<FileCursor>(m_path, m_max_line_size, true), m_consumed, 0);
    } catch (const core::Error&) {
      m_cursor.reset(); // the path does not exist (yet): wait for it
      return false;
    }
    return true;
  }
  Queued next = std::move(m_queue.front());
  m_queue.pop_front();
  FollowPos start{FilePos{next.identity, 0, 0, std::nullopt}, m_consumed};
  std::unique_ptr<FileCursor> cursor;
  try {
    cursor = std::make_unique<FileCursor>(next.name, m_max_line_size, true);
    if (!next.identity.fp.empty() && !cursor->seek(start.file, next.name != m_path)) {
      cursor.reset();
    }
  } catch (const core::Error& e) {
    if (e.code() != core::ExitCode::io) {
      throw;
    }
    cursor.reset();
  }
  if (cursor) {
    use(std::move(cursor), m_consumed, 0);
    return true;
  }
  if (!next.identity.fp.empty() && find_file(start)) {
    return true;
  }
  m_log.warn("rotated file {} vanished before it was read: skipping it", next.name);
  return open_next();
}

void FollowedFile::seek(const std::optional<FollowPos>& pos) {
  m_queue.clear();
  m_consumed = pos ? pos->consumed : 0;
  if (!pos || pos->file.identity.fp.empty()) {
    // Fresh, or checkpointed between two files (the path did not exist yet).
    open_next();
    return;
  }
  if (!find_file(*pos)) {
    m_log.warn("the checkpointed file of {} is gone (not found among its rotated files): "
               "reading {} from its beginning",
               m_path, m_path);
    open_next();
  }
}

void FollowedFile::seek_oldest() {
  m_consumed = 0;
  m_queue.clear();
  for (auto& name : rotated_siblings(m_path)) {
    m_queue.push_back({std::move(name), FileIdentity{}});
  }
  if (!m_queue.empty()) {
    m_log.info("{}: reading its {} rotated file{} first, oldest first", m_path, m_queue.size(),
               m_queue.size() == 1 ? "" : "s");
  }
  open_next();
}

// Finds the file of `pos` among the path and its rotated siblings and moves there,
// with the files newer than it queued; false when it is not there. A rotation may
// run meanwhile: a search counts only when the candidates held still during it.
bool FollowedFile::find_file(const FollowPos& pos) {
  Candidates listed = list_candidates(m_path);
  for (int n = 1;; ++n) {
    std::unique_ptr<FileCursor> found;
    std::deque<Queued> newer;
    bool ok = search(pos, listed.names, &found, &newer);
    Candidates now = list_candidates(m_path);
    if (now != listed && n < k_max_resume_searches) {
      listed = std::move(now);
      continue;
    }
    if (!ok) {
      return false;
    }
    use(std::move(found), pos.consumed, pos.file.offset);
    m_queue = std::move(newer);
    return true;
  }
}

// Looks for the file of `pos` in `candidates` (oldest first), newest first; on
// success `*found` is at pos and `*newer` holds the newer candidates as opened.
bool FollowedFile::search(const FollowPos& pos, const std::vector<std::string>& candidates,
                          std::unique_ptr<FileCursor>* found, std::deque<Queued>* newer) {
  for (size_t i = candidates.size(); i-- > 0;) {
    std::unique_ptr<FileCursor> cursor;
    try {
      cursor = std::make_unique<FileCursor>(candidates[i], m_max_line_size, true);
      // A rotated sibling may be a copy of the file (copytruncate): match it by content.
      if (!cursor->seek(pos.file, candidates[i] != m_path)) {
        newer->push_front({candidates[i], cursor->identity()});
        continue;
      }
    } catch (const core::Error& e) {
      if (e.code() != core::ExitCode::io) {
        throw;
      }
      continue; // renamed or removed since it was listed
    }
    if (candidates[i] != m_path) {
      m_log.info("{} was rotated: resuming in {}", m_path, candidates[i]);
    }
    *found = std::move(cursor);
    return true;
  }
  return false;
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
