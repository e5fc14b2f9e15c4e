#include "connectors/file/file_sink.hpp"

#include "core/error.hpp"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <fcntl.h>
#include <fmt/format.h>
#include <simdjson.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sluice::connectors::file {

using core::Error;
using core::ExitCode;

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

uint64_t recorded_size(const std::string& state) {
  simdjson::dom::parser parser;
  uint64_t size = 0;
  simdjson::dom::element e;
  if (parser.parse(state).get(e) || e["size"].get(size)) {
    return UINT64_MAX;
  }
  return size;
}

} // namespace

FileSink::FileSink(const FileSinkOptions& options)
    : m_options(options), m_absolute(absolute_path(options.path)) {
  if (options.path == "-") {
    m_fd = 1;
  } else {
    m_owned = core::open_file(options.path, O_WRONLY | O_CREAT | O_APPEND);
    m_fd = m_owned.get();
    if (flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
      throw Error(ExitCode::temporary,
                  fmt::format("{} is locked by another sink writing to it", options.path));
    }
  }
  struct stat st;
  if (fstat(m_fd, &st) != 0) {
    core::throw_errno("stat " + options.path);
  }
  m_regular = S_ISREG(st.st_mode);
  m_size = m_recorded_size = m_regular ? static_cast<uint64_t>(st.st_size) : 0;
  if (options.zstd) {
    m_cctx.reset(ZSTD_createCCtx());
    ZSTD_CCtx_setParameter(m_cctx.get(), ZSTD_c_compressionLevel, options.level);
  }
  m_pending.reserve(1 << 20);
}

std::string FileSink::default_sink_id() const { return "file:" + m_absolute; }

std::string FileSink::initial_state() { return fmt::format("{{\"size\":{}}}", m_size); }

void FileSink::truncate_to(uint64_t size) {
  if (ftruncate(m_fd, static_cast<off_t>(size)) != 0) {
    core::throw_errno("truncate " + m_options.path);
  }
  core::fsync_fd(m_fd, m_options.path);
  m_size = size;
}

void FileSink::open(const core::StoreEntry* entry, const std::optional<core::control::BarrierId>&) {
  if (entry == nullptr) {
    return;
  }
  m_has_store = true;
  uint64_t size = recorded_size(entry->state);
  if (size == UINT64_MAX) {
    throw Error(ExitCode::data, fmt::format("the store entry for {} holds no file size: {}",
                                            default_sink_id(), entry->state));
  }
  if (size > m_size) {
    throw Error(ExitCode::data,
                fmt::format("{} has {} bytes but {} were recorded: the file was cut or replaced "
                            "behind sluice's back",
                            m_options.path, m_size, size));
  }
  if (size < m_size) {
    truncate_to(size);
  }
  m_recorded_size = size;
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
  if (!m_cctx) {
    core::write_all(m_fd, m_pending.data(), m_pending.size(), m_options.path);
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
    core::write_all(m_fd, m_compressed.data(), out.pos, m_options.path);
    m_size += out.pos;
    bool input_done = in.pos == in.size;
    if (mode == ZSTD_e_continue ? input_done : (input_done && left == 0)) {
      break;
    }
  }
  m_frame_open = mode != ZSTD_e_end;
  m_pending.clear();
}

void FileSink::commit(core::CheckpointStore* store, core::StoreEntry* record) {
  write_out(record != nullptr ? ZSTD_e_end : ZSTD_e_flush);
  if (record == nullptr) {
    return;
  }
  if (m_regular) {
    core::fsync_fd(m_fd, m_options.path);
  }
  record->state = fmt::format("{{\"size\":{}}}", m_size);
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
    core::fsync_fd(m_fd, m_options.path);
  }
}

std::string FileSink::summary() const {
  return fmt::format("{} lines written to {}", m_lines, m_options.path == "-" ? "stdout" : m_options.path);
}

} // namespace sluice::connectors::file
