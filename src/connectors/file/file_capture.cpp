#include "connectors/file/file_capture.hpp"

#include "core/error.hpp"
#include "core/json_writer.hpp"

#include <climits>
#include <cstdlib>
#include <fmt/format.h>
#include <poll.h>

namespace sluice::connectors::file {

using core::Error;
using core::ExitCode;

namespace {

// Lines emitted between two looks at the clock; lines taken from one followed
// file before the next gets its turn.
constexpr int k_clock_lines = 512;

std::string absolute_path(const std::string& path, bool must_exist) {
  if (path == "-") {
    return path;
  }
  char buf[PATH_MAX];
  if (realpath(path.c_str(), buf) != nullptr) {
    return buf;
  }
  if (must_exist) {
    core::throw_errno("resolve " + path);
  }
  // A followed file may not exist yet: resolve its directory instead.
  std::string dir = path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/'));
  if (realpath(dir.empty() ? "/" : dir.c_str(), buf) == nullptr) {
    core::throw_errno("resolve " + dir);
  }
  std::string parent = buf;
  return (parent == "/" ? "" : parent) + "/" + path.substr(path.rfind('/') + 1);
}

bool parse_object(simdjson::dom::parser& parser, std::string_view json, simdjson::dom::object* o) {
  return !parser.parse(json.data(), json.size()).get(*o);
}

uint64_t followed_consumed(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  simdjson::dom::array files;
  uint64_t total = 0;
  if (!parse_object(parser, json, &o) || o["files"].get(files)) {
    return 0;
  }
  for (auto f : files) {
    uint64_t c = 0;
    if (!f["consumed"].get(c)) {
      total += c;
    }
  }
  return total;
}

} // namespace

FileCapture::FileCapture(FileCaptureOptions options, const core::Log& log)
    : m_options(std::move(options)), m_log(log) {
  if (m_options.paths.empty()) {
    m_options.paths.push_back("-");
  }
  for (const auto& p : m_options.paths) {
    m_absolute.push_back(absolute_path(p, !m_options.follow));
  }
  if (m_options.follow) {
    m_watch = std::make_unique<DirWatch>();
    for (const auto& p : m_absolute) {
      m_watch->watch_parent_of(p);
      m_followed.push_back(std::make_unique<FollowedFile>(p, m_options.max_line_size, log));
    }
  }
}

std::string FileCapture::source_id() const {
  if (m_options.source_id) {
    return *m_options.source_id;
  }
  std::string id = m_options.follow ? "file+follow:" : "file:";
  for (size_t i = 0; i < m_absolute.size(); ++i) {
    id += (i > 0 ? "," : "") + m_absolute[i];
  }
  return id;
}

int FileCapture::compare_pos(std::string_view a, std::string_view b) const {
  if (m_options.follow) {
    uint64_t ca = followed_consumed(a);
    uint64_t cb = followed_consumed(b);
    return ca < cb ? -1 : (ca > cb ? 1 : 0);
  }
  simdjson::dom::parser pa;
  simdjson::dom::parser pb;
  simdjson::dom::object oa;
  simdjson::dom::object ob;
  uint64_t fa = 0, fb = 0, xa = 0, xb = 0;
  if (!parse_object(pa, a, &oa) || !parse_object(pb, b, &ob) || oa["file"].get(fa) ||
      ob["file"].get(fb) || oa["offset"].get(xa) || ob["offset"].get(xb)) {
    return a < b ? -1 : (a > b ? 1 : 0);
  }
  if (fa != fb) {
    return fa < fb ? -1 : 1;
  }
  return xa < xb ? -1 : (xa > xb ? 1 : 0);
}

void FileCapture::open_file(size_t index) {
  m_index = index;
  m_cursor = std::make_unique<FileCursor>(m_options.paths[index], m_options.max_line_size, false);
}

void FileCapture::seek(const std::string& pos) {
  if (m_options.follow) {
    seek_followed(pos);
    return;
  }
  if (pos == "null") {
    open_file(0);
    return;
  }
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  uint64_t index = 0;
  FilePos p;
  if (!parse_object(parser, pos, &o) || o["file"].get(index) || index >= m_options.paths.size() ||
      !json::read_file_pos(o, &p)) {
    throw Error(ExitCode::data, fmt::format("stored position {} is not a position of {}", pos,
                                            source_id()));
  }
  open_file(index);
  if (!p.identity.fp.empty() && !m_cursor->seek(p)) {
    m_log.warn("{} is not the file checkpointed (its inode or first bytes differ, or it is "
               "shorter): reading it from the beginning",
               m_cursor->name());
  }
}

void FileCapture::seek_beginning() {
  if (!m_options.follow) {
    seek("null");
    return;
  }
  for (auto& f : m_followed) {
    f->seek_oldest();
  }
}

void FileCapture::seek_followed(const std::string& pos) {
  std::vector<std::optional<FollowPos>> stored(m_followed.size());
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  simdjson::dom::array files;
  if (pos != "null" && (!parse_object(parser, pos, &o) || o["files"].get(files))) {
    throw Error(ExitCode::data, fmt::format("stored position {} is not a position of {}", pos,
                                            source_id()));
  }
  if (pos != "null") {
    size_t i = 0;
    for (auto f : files) {
      simdjson::dom::object fo;
      FollowPos fp;
      if (i < stored.size() && !f.get(fo) && json::read_file_pos(fo, &fp.file)) {
        if (fo["consumed"].get(fp.consumed)) {
          fp.consumed = 0;
        }
        stored[i] = fp;
      }
      ++i;
    }
  }
  for (size_t i = 0; i < m_followed.size(); ++i) {
    m_followed[i]->seek(stored[i]);
  }
}

std::string FileCapture::position() const {
  std::string out;
  core::JsonWriter w(&out);
  if (m_options.follow) {
    w.begin_object().key("files").begin_array();
    for (const auto& f : m_followed) {
      FollowPos p = f->position();
      w.begin_object().key("path").string(f->path());
      json::write_file_pos(w, p.file);
      w.key("consumed").number(p.consumed).end_object();
    }
    w.end_array().end_object();
    return out;
  }
  w.begin_object().key("file").number(static_cast<uint64_t>(m_index));
  json::write_file_pos(w, m_cursor->position());
  w.end_object();
  return out;
}

int FileCapture::wait_fd() const {
  if (m_watch) {
    return m_watch->fd();
  }
  return m_cursor ? m_cursor->input().poll_fd() : -1;
}

std::optional<core::Clock::time_point> FileCapture::wake_at() const {
  if (!m_options.follow) {
    return std::nullopt;
  }
  return core::Clock::now() + m_options.poll_interval;
}

void FileCapture::emit(core::Emitter& out, core::ReadStatus status, const core::Line& line,
                       const std::string& name) {
  if (status == core::ReadStatus::too_long) {
    out.bad_data().report(
        name, line.number, line.text,
        fmt::format("line longer than --max-line-size ({} bytes); first {} bytes kept",
                    m_options.max_line_size, line.text.size()));
    return;
  }
  if (m_options.lines) {
    if (!core::is_valid_utf8(line.text)) {
      out.bad_data().report(name, line.number, line.text, "invalid UTF-8");
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
    out.bad_data().report(name, line.number, line.text, why);
    return;
  }
  if (shape.is_control) {
    out.bad_data().report(name, line.number, line.text,
                          "a control record from outside sluice (only its stages make them)");
    return;
  }
  out.event(line.text);
}

core::Produced FileCapture::produce_followed(core::Emitter& out, core::Clock::time_point until) {
  // Drain the watch before reading, so a change after the reads wakes us again.
  m_watch->drain();
  for (;;) {
    bool progressed = false;
    for (auto& f : m_followed) {
      for (int k = 0; k < k_clock_lines; ++k) {
        core::Line line;
        core::ReadStatus status = f->next(&line);
        if (status == core::ReadStatus::need_more) {
          break;
        }
        emit(out, status, line, f->current_name());
        progressed = true;
      }
    }
    if (!progressed) {
      return core::Produced::idle;
    }
    if (core::Clock::now() >= until) {
      return core::Produced::more;
    }
  }
}

core::Produced FileCapture::produce(core::Emitter& out, core::Clock::time_point until) {
  if (m_options.follow) {
    return produce_followed(out, until);
  }
  int since_clock = 0;
  for (;;) {
    core::Line line;
    core::ReadStatus status = m_cursor->next(&line);
    switch (status) {
    case core::ReadStatus::line:
    case core::ReadStatus::too_long:
      emit(out, status, line, m_cursor->name());
      break;
    case core::ReadStatus::need_more:
      if (m_cursor->input().is_stdin() && !m_cursor->has_buffered_line()) {
        pollfd p{0, POLLIN, 0};
        if (poll(&p, 1, 0) == 0) {
          return core::Produced::idle;
        }
      }
      m_cursor->fill();
      continue;
    case core::ReadStatus::end:
      if (m_index + 1 >= m_options.paths.size()) {
        return core::Produced::done;
      }
      open_file(m_index + 1);
      continue;
    }
    if (++since_clock >= k_clock_lines) {
      since_clock = 0;
      if (core::Clock::now() >= until) {
        return core::Produced::more;
      }
    }
  }
}

} // namespace sluice::connectors::file
