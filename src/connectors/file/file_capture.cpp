#include "connectors/file/file_capture.hpp"

#include "core/error.hpp"
#include "core/json_check.hpp"
#include "core/json_writer.hpp"

#include <climits>
#include <cstdlib>
#include <fmt/format.h>
#include <poll.h>

namespace sluice::connectors::file {

using core::Error;
using core::ExitCode;

namespace {

// Lines emitted between two looks at the clock.
constexpr int k_clock_lines = 512;

std::string absolute_path(const std::string& path) {
  if (path == "-") {
    return path;
  }
  char buf[PATH_MAX];
  if (realpath(path.c_str(), buf) == nullptr) {
    core::throw_errno("resolve " + path);
  }
  return buf;
}

struct ParsedPos {
  uint64_t file = 0;
  uint64_t offset = 0;
  uint64_t line = 0;
  std::optional<FileIdentity> identity;
};

bool parse_pos(std::string_view json, ParsedPos* out) {
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  if (parser.parse(json.data(), json.size()).get(o)) {
    return false;
  }
  if (o["file"].get(out->file) || o["offset"].get(out->offset)) {
    return false;
  }
  if (o["line"].get(out->line)) {
    out->line = 0;
  }
  FileIdentity id;
  std::string_view fp;
  if (!o["inode"].get(id.inode) && !o["fp_len"].get(id.fp_len) && !o["fp"].get(fp)) {
    id.fp = std::string(fp);
    out->identity = id;
  }
  return true;
}

} // namespace

FileCapture::FileCapture(FileCaptureOptions options, const core::Log& log)
    : m_options(std::move(options)), m_log(log) {
  if (m_options.paths.empty()) {
    m_options.paths.push_back("-");
  }
  for (const auto& p : m_options.paths) {
    m_absolute.push_back(absolute_path(p));
  }
}

std::string FileCapture::source_id() const {
  if (m_options.source_id) {
    return *m_options.source_id;
  }
  std::string id = "file:";
  for (size_t i = 0; i < m_absolute.size(); ++i) {
    id += (i > 0 ? "," : "") + m_absolute[i];
  }
  return id;
}

int FileCapture::compare_pos(std::string_view a, std::string_view b) const {
  ParsedPos pa;
  ParsedPos pb;
  if (!parse_pos(a, &pa) || !parse_pos(b, &pb)) {
    return a < b ? -1 : (a > b ? 1 : 0);
  }
  if (pa.file != pb.file) {
    return pa.file < pb.file ? -1 : 1;
  }
  return pa.offset < pb.offset ? -1 : (pa.offset > pb.offset ? 1 : 0);
}

void FileCapture::open_file(size_t index) {
  m_index = index;
  m_input = std::make_unique<FileInput>(m_options.paths[index]);
  if (!m_input->is_stdin()) {
    m_identity = identify(m_input->fd(), m_input->name());
  }
  m_reader = std::make_unique<core::LineReader>(*m_input, m_options.max_line_size);
  m_base_offset = m_offset = 0;
  m_base_line = m_line = 0;
}

void FileCapture::seek(const std::string& pos) {
  ParsedPos p;
  if (pos == "null") {
    open_file(0);
    return;
  }
  if (!parse_pos(pos, &p) || p.file >= m_options.paths.size()) {
    throw Error(ExitCode::data, fmt::format("stored position {} is not a position of {}", pos,
                                            source_id()));
  }
  open_file(p.file);
  if (p.identity) {
    FileIdentity now = identify(m_input->fd(), m_input->name(), p.identity->fp_len);
    if (!(now == *p.identity)) {
      m_log.warn("{} is not the file checkpointed (its inode or first bytes differ): reading it "
                 "from the beginning",
                 m_input->name());
      return;
    }
  }
  if (!m_input->skip(p.offset)) {
    m_log.warn("{} is shorter than the checkpointed offset {}: reading it from the beginning",
               m_input->name(), p.offset);
    open_file(p.file);
    return;
  }
  m_reader = std::make_unique<core::LineReader>(*m_input, m_options.max_line_size);
  m_base_offset = m_offset = p.offset;
  m_base_line = m_line = p.line;
}

std::string FileCapture::position() const {
  std::string out;
  core::JsonWriter w(&out);
  w.begin_object().key("file").number(static_cast<uint64_t>(m_index)).key("offset").number(m_offset);
  w.key("line").number(m_line);
  if (m_input && !m_input->is_stdin()) {
    w.key("inode").number(m_identity.inode).key("fp").string(m_identity.fp);
    w.key("fp_len").number(m_identity.fp_len);
  }
  w.end_object();
  return out;
}

int FileCapture::wait_fd() const { return m_input ? m_input->poll_fd() : -1; }

void FileCapture::emit_line(core::Emitter& out, const core::Line& line) {
  const std::string& name = m_input->name();
  uint64_t number = m_base_line + line.number;
  if (m_options.lines) {
    if (!core::is_valid_utf8(line.text)) {
      out.bad_data().report(name, number, line.text, "invalid UTF-8");
      return;
    }
    std::string& buf = out.buffer();
    buf.append("{\"data\":");
    core::append_json_string(&buf, line.text);
    buf.push_back('}');
    out.end_event();
    return;
  }
  core::LineShape shape;
  std::string why;
  if (!m_checker.check(line.padded(), core::CheckLevel::full, &shape, &why)) {
    out.bad_data().report(name, number, line.text, why);
    return;
  }
  if (shape.is_control) {
    out.bad_data().report(name, number, line.text,
                          "a control record from outside sluice (only its stages make them)");
    return;
  }
  out.event(line.text);
}

core::Produced FileCapture::produce(core::Emitter& out, core::Clock::time_point until) {
  int since_clock = 0;
  for (;;) {
    core::Line line;
    core::ReadStatus status = m_reader->next(&line);
    switch (status) {
    case core::ReadStatus::line:
      emit_line(out, line);
      break;
    case core::ReadStatus::too_long:
      out.bad_data().report(
          m_input->name(), m_base_line + line.number, line.text,
          fmt::format("line longer than --max-line-size ({} bytes); first {} bytes kept",
                      m_options.max_line_size, line.text.size()));
      break;
    case core::ReadStatus::need_more:
      if (m_input->is_stdin() && !m_reader->has_buffered_line()) {
        pollfd p{0, POLLIN, 0};
        if (poll(&p, 1, 0) == 0) {
          return core::Produced::idle;
        }
      }
      m_reader->fill();
      continue;
    case core::ReadStatus::end:
      if (m_index + 1 >= m_options.paths.size()) {
        return core::Produced::done;
      }
      open_file(m_index + 1);
      continue;
    }
    m_offset = m_base_offset + line.end_offset;
    m_line = m_base_line + line.number;
    if (++since_clock >= k_clock_lines) {
      since_clock = 0;
      if (core::Clock::now() >= until) {
        return core::Produced::more;
      }
    }
  }
}

} // namespace sluice::connectors::file
