#include "connectors/file/file_sink.hpp"

#include "core/error.hpp"
#include "core/json_writer.hpp"

#include <cerrno>
#include <climits>
#include <ctime>
#include <filesystem>
#include <fcntl.h>
#include <fmt/format.h>
#include <fnmatch.h>
#include <simdjson.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sluice::connectors::file {

using core::Error;
using core::ExitCode;
namespace fs = std::filesystem;

namespace {

std::string absolute_path(const std::string& path) {
  if (path == "-" || (!path.empty() && path[0] == '/')) {
    return path;
  }
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof cwd) == nullptr) {
    core::throw_errno("getcwd");
  }
  return std::string(cwd) + "/" + path;
}

struct RecordedState {
  std::string file; // empty: the one path
  uint64_t size = 0;
};

bool parse_state(const std::string& state, RecordedState* out) {
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  std::string_view file;
  if (parser.parse(state).get(e) || e["size"].get(out->size)) {
    return false;
  }
  if (!e["file"].get(file)) {
    out->file = std::string(file);
  }
  return true;
}

// The pattern as a glob: every strftime field matches anything.
std::string pattern_glob(const std::string& pattern) {
  std::string glob;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '%' && i + 1 < pattern.size()) {
      glob += pattern[i + 1] == '%' ? "%" : "*";
      ++i;
    } else if (pattern[i] == '*' || pattern[i] == '?' || pattern[i] == '[') {
      glob += std::string("\\") + pattern[i];
    } else {
      glob += pattern[i];
    }
  }
  return glob;
}

} // namespace

FileSink::FileSink(const FileSinkOptions& options)
    : m_options(options), m_absolute(absolute_path(options.path)) {
  if (options.zstd) {
    m_cctx.reset(ZSTD_createCCtx());
    ZSTD_CCtx_setParameter(m_cctx.get(), ZSTD_c_compressionLevel, options.level);
  }
  m_pending.reserve(1 << 20);
  if (options.path == "-") {
    m_fd = 1;
    m_name = "-";
    return;
  }
  std::string lock_path = rotating() ? m_absolute + ".lock" : m_absolute;
  m_lock = core::open_file(lock_path, O_WRONLY | O_CREAT | (rotating() ? 0 : O_APPEND));
  if (flock(m_lock.get(), LOCK_EX | LOCK_NB) != 0) {
    throw Error(ExitCode::temporary,
                fmt::format("{} is locked by another sink writing to it", options.path));
  }
  if (!rotating()) {
    open_data_file(m_absolute);
  }
}

bool FileSink::rotating() const {
  return m_options.rotate_size > 0 || m_options.rotate_interval.count() > 0;
}

void FileSink::open_data_file(const std::string& name) {
  m_owned = core::open_file(name, O_WRONLY | O_CREAT | O_APPEND);
  m_fd = m_owned.get();
  m_name = name;
  m_opened = std::chrono::steady_clock::now();
  ++m_files;
  struct stat st;
  if (fstat(m_fd, &st) != 0) {
    core::throw_errno("stat " + name);
  }
  m_regular = S_ISREG(st.st_mode);
  m_size = m_recorded_size = m_regular ? static_cast<uint64_t>(st.st_size) : 0;
  m_frame_open = false;
  if (m_cctx) {
    ZSTD_CCtx_reset(m_cctx.get(), ZSTD_reset_session_only);
  }
}

// Opens the first file of a rotating sink that found nothing to restore.
void FileSink::ensure_open() {
  if (m_fd < 0) {
    open_data_file(next_name());
    core::fsync_parent_dir(m_name);
  }
}

std::string FileSink::next_name() const {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buf[PATH_MAX];
  size_t n = std::strftime(buf, sizeof buf, m_absolute.c_str(), &utc);
  if (n == 0) {
    throw Error(ExitCode::usage, fmt::format("the file pattern {} makes an empty name", m_absolute));
  }
  return std::string(buf, n);
}

std::string FileSink::default_sink_id() const { return "file:" + m_absolute; }

std::string FileSink::state() const {
  std::string out;
  core::JsonWriter w(&out);
  w.begin_object();
  if (rotating()) {
    w.key("file").string(m_name);
  }
  w.key("size").number(m_size).end_object();
  return out;
}

std::string FileSink::initial_state() {
  ensure_open();
  return state();
}

void FileSink::truncate_to(uint64_t size) {
  if (ftruncate(m_fd, static_cast<off_t>(size)) != 0) {
    core::throw_errno("truncate " + m_name);
  }
  core::fsync_fd(m_fd, m_name);
  m_size = size;
}

// Deletes files of the pattern made after `recorded` (only ever empty ones: a new
// file is recorded before anything is written to it).
void FileSink::remove_orphans(const std::string& recorded) {
  std::error_code ec;
  auto recorded_time = fs::last_write_time(recorded, ec);
  std::string glob = pattern_glob(fs::path(m_absolute).filename().string());
  for (const auto& entry : fs::directory_iterator(fs::path(m_absolute).parent_path(), ec)) {
    std::string name = entry.path().filename().string();
    if (entry.path() == recorded || fnmatch(glob.c_str(), name.c_str(), 0) != 0 ||
        !entry.is_regular_file(ec) || entry.file_size(ec) != 0 ||
        entry.last_write_time(ec) < recorded_time) {
      continue;
    }
    fs::remove(entry.path(), ec);
  }
}

void FileSink::open(const core::StoreEntry* entry, const std::optional<core::control::BarrierId>&) {
  if (entry == nullptr) {
    ensure_open();
    return;
  }
  m_has_store = true;
  RecordedState recorded;
  if (!parse_state(entry->state, &recorded)) {
    throw Error(ExitCode::data, fmt::format("the store entry for {} holds no file size: {}",
                                            default_sink_id(), entry->state));
  }
  if (rotating() && !recorded.file.empty() && recorded.file != m_name) {
    if (access(recorded.file.c_str(), F_OK) != 0) {
      throw Error(ExitCode::data, fmt::format("{} was recorded as the file being written, but it "
                                              "is gone",
                                              recorded.file));
    }
    std::string fresh = m_name;
    open_data_file(recorded.file);
    if (!fresh.empty() && fresh != recorded.file) {
      std::error_code ec;
      fs::remove(fresh, ec); // opened by initial_state() before the entry was known
    }
    remove_orphans(recorded.file);
  }
  ensure_open();
  if (recorded.size > m_size) {
    throw Error(ExitCode::data,
                fmt::format("{} has {} bytes but {} were recorded: the file was cut or replaced "
                            "behind sluice's back",
                            m_name, m_size, recorded.size));
  }
  if (recorded.size < m_size) {
    truncate_to(recorded.size);
  }
  m_recorded_size = recorded.size;
}

bool FileSink::write(const core::Line& line, simdjson::ondemand::document&, std::string*) {
  m_pending.append(line.text);
  m_pending.push_back('\n');
  ++m_lines;
  if (m_pending.size() >= (1 << 20)) {
    write_out(ZSTD_e_continue);
  }
  return true;
}

// Writes pending lines; for zstd, `mode` says whether to flush or end the frame.
void FileSink::write_out(ZSTD_EndDirective mode) {
  ensure_open();
  if (!m_cctx) {
    core::write_all(m_fd, m_pending.data(), m_pending.size(), m_name);
    m_size += m_pending.size();
    m_pending.clear();
    return;
  }
  if (m_pending.empty() && (mode == ZSTD_e_continue || !m_frame_open)) {
    return;
  }
  ZSTD_inBuffer in{m_pending.data(), m_pending.size(), 0};
  m_compressed.resize(ZSTD_CStreamOutSize());
  for (;;) {
    ZSTD_outBuffer out{m_compressed.data(), m_compressed.size(), 0};
    size_t left = ZSTD_compressStream2(m_cctx.get(), &out, &in, mode);
    if (ZSTD_isError(left)) {
      throw Error(ExitCode::internal, fmt::format("zstd: {}", ZSTD_getErrorName(left)));
    }
    core::write_all(m_fd, m_compressed.data(), out.pos, m_name);
    m_size += out.pos;
    bool input_done = in.pos == in.size;
    if (mode == ZSTD_e_continue ? input_done : (input_done && left == 0)) {
      break;
    }
  }
  m_frame_open = mode != ZSTD_e_end;
  m_pending.clear();
}

// Starts the next file when the current one is due. Call only when everything
// written is durable and complete (after a frame end and fsync).
void FileSink::maybe_rotate() {
  if (!rotating() || m_fd < 0) {
    return;
  }
  bool due = (m_options.rotate_size > 0 && m_size >= m_options.rotate_size) ||
             (m_options.rotate_interval.count() > 0 &&
              std::chrono::steady_clock::now() - m_opened >= m_options.rotate_interval);
  std::string name = due ? next_name() : std::string();
  if (!due || name == m_name) {
    return; // a pattern without seconds cannot name a new file yet: rotate later
  }
  write_out(ZSTD_e_end);
  core::fsync_fd(m_fd, m_name);
  m_owned.close(m_name);
  open_data_file(name);
  core::fsync_parent_dir(m_name);
}

void FileSink::commit(core::CheckpointStore* store, core::StoreEntry* record) {
  write_out(record != nullptr || (rotating() && !m_has_store) ? ZSTD_e_end : ZSTD_e_flush);
  if (record == nullptr) {
    if (!m_has_store) {
      maybe_rotate();
    }
    return;
  }
  if (m_regular) {
    core::fsync_fd(m_fd, m_name);
  }
  maybe_rotate();
  record->state = state();
  store->record(*record);
  m_recorded_size = m_size;
}

void FileSink::rollback() {
  m_pending.clear();
  if (m_has_store && m_regular && m_size > m_recorded_size) {
    truncate_to(m_recorded_size);
    if (m_cctx) {
      // The frame that was open is gone with the truncated bytes: start afresh.
      ZSTD_CCtx_reset(m_cctx.get(), ZSTD_reset_session_only);
      m_frame_open = false;
    }
  }
}

void FileSink::finish() {
  write_out(ZSTD_e_end);
  if (m_regular) {
    core::fsync_fd(m_fd, m_name);
  }
}

std::string FileSink::summary() const {
  std::string where = m_options.path == "-" ? "stdout" : m_options.path;
  if (rotating()) {
    return fmt::format("{} lines written to {} files of {}", m_lines, m_files, where);
  }
  return fmt::format("{} lines written to {}", m_lines, where);
}

} // namespace sluice::connectors::file
