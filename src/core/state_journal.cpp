#include "core/state_journal.hpp"

#include "core/error.hpp"
#include "core/json_writer.hpp"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <simdjson.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sluice::core {
namespace {

constexpr std::string_view k_prefix = "segment-";
constexpr std::string_view k_suffix = ".sjl";

[[noreturn]] void corrupt(const std::string& what) { throw Error(ExitCode::data, what); }

std::string describe(const control::BarrierId& b) {
  return fmt::format("checkpoint {} of run {}", b.checkpoint, b.run);
}

void pread_all(int fd, char* buf, size_t size, uint64_t offset, const std::string& what) {
  while (size > 0) {
    ssize_t n = ::pread(fd, buf, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      throw_errno("read " + what);
    }
    if (n == 0) {
      throw Error(ExitCode::io, "read " + what + ": unexpected end of file");
    }
    buf += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
}

uint64_t file_size(int fd, const std::string& what) {
  struct stat st;
  if (fstat(fd, &st) != 0) {
    throw_errno("stat " + what);
  }
  return static_cast<uint64_t>(st.st_size);
}

void fsync_dir(const std::string& dir) {
  Fd d = open_file(dir, O_RDONLY | O_DIRECTORY);
  fsync_fd(d.get(), dir);
}

void remove_file(const std::string& path) {
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    throw_errno("remove " + path);
  }
}

// A read-only mapping of a file's first `size` bytes.
class Mapping {
 public:
  Mapping(const std::string& path, uint64_t size) : m_size(size) {
    if (size == 0) {
      return;
    }
    Fd fd = open_file(path, O_RDONLY);
    if (file_size(fd.get(), path) < size) {
      corrupt(fmt::format("state file {} is shorter than its records", path));
    }
    void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
    if (p == MAP_FAILED) {
      throw_errno("map " + path);
    }
    m_data = static_cast<const char*>(p);
  }
  ~Mapping() {
    if (m_data != nullptr) {
      munmap(const_cast<char*>(m_data), m_size);
    }
  }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  std::string_view view() const { return {m_data, m_size}; }

 private:
  const char* m_data = nullptr;
  uint64_t m_size;
};

} // namespace

StateJournal::StateJournal(std::string dir) : m_dir(std::move(dir)) {
  std::error_code ec;
  std::filesystem::create_directories(m_dir, ec);
  if (ec) {
    throw Error(ExitCode::io, fmt::format("create state directory {}: {}", m_dir, ec.message()));
  }
  std::string lock = m_dir + "/lock";
  m_lock = open_file(lock, O_RDWR | O_CREAT);
  while (flock(m_lock.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      throw Error(ExitCode::temporary,
                  fmt::format("state directory {} is locked by another running stage", m_dir));
    }
    if (errno != EINTR) {
      throw_errno("lock " + lock);
    }
  }
  scan();
}

StateJournal::~StateJournal() = default;

std::string StateJournal::segment_path(uint64_t first_seq) const {
  return fmt::format("{}/{}{:020}{}", m_dir, k_prefix, first_seq, k_suffix);
}

void StateJournal::scan() {
  for (const auto& entry : std::filesystem::directory_iterator(m_dir)) {
    std::string name = entry.path().filename().string();
    if (name.size() > 4 && name.substr(name.size() - 4) == ".tmp") {
      remove_file(entry.path().string()); // a snapshot that was never committed
      continue;
    }
    if (name.size() != k_prefix.size() + 20 + k_suffix.size() ||
        name.compare(0, k_prefix.size(), k_prefix) != 0 ||
        name.compare(name.size() - k_suffix.size(), k_suffix.size(), k_suffix) != 0) {
      continue;
    }
    Segment s;
    s.first_seq = std::stoull(name.substr(k_prefix.size(), 20));
    s.path = entry.path().string();
    m_segments.push_back(std::move(s));
  }
  std::sort(m_segments.begin(), m_segments.end(),
            [](const Segment& a, const Segment& b) { return a.first_seq < b.first_seq; });
  for (auto& s : m_segments) {
    scan_segment(s);
  }
}

// Lists the records of one segment, reading headers only. A record that is torn
// or damaged ends the segment: what follows it cannot be trusted.
void StateJournal::scan_segment(Segment& segment) {
  Fd fd = open_file(segment.path, O_RDONLY);
  uint64_t size = file_size(fd.get(), segment.path);
  uint64_t offset = 0;
  std::string buf;
  while (offset < size) {
    // The fixed part says how long the whole header is.
    uint64_t left = size - offset;
    if (left < k_record_fixed_size) {
      break;
    }
    buf.resize(k_record_fixed_size);
    pread_all(fd.get(), buf.data(), buf.size(), offset, segment.path);
    uint64_t want = std::min<uint64_t>(
        left, k_record_fixed_size + uint64_t{get_u32(buf.data() + 8)} + get_u32(buf.data() + 12) + 8);
    if (want > (2u << 20)) {
      break;
    }
    buf.resize(static_cast<size_t>(want));
    pread_all(fd.get(), buf.data(), buf.size(), offset, segment.path);
    Version v;
    size_t header_size = 0;
    if (decode_record_header(buf, &v.header, &header_size) != RecordRead::ok) {
      break;
    }
    uint64_t end = offset + record_size(header_size, v.header.payload_size);
    bool first = offset == 0;
    if (end > size || (first && (!v.header.snapshot || v.header.seq != segment.first_seq)) ||
        (!first && v.header.snapshot)) {
      break;
    }
    v.segment = segment.first_seq;
    v.end = end;
    m_versions.push_back(std::move(v));
    offset = end;
  }
  segment.end = offset;
}

const StateJournal::Version* StateJournal::find(const control::BarrierId& barrier) const {
  for (auto it = m_versions.rbegin(); it != m_versions.rend(); ++it) {
    if (it->header.barrier == barrier) {
      return &*it;
    }
  }
  return nullptr;
}

std::vector<SideSize> StateJournal::load(const control::BarrierId& barrier,
                                         const Apply& apply) const {
  const Version* v = find(barrier);
  if (v == nullptr) {
    corrupt(fmt::format("no saved state for {} in {}", describe(barrier), m_dir));
  }
  std::string path = segment_path(v->segment);
  Mapping map(path, v->end);
  std::string_view data = map.view();
  uint64_t offset = 0;
  while (offset < v->end) {
    RecordHeader h;
    size_t header_size = 0;
    if (decode_record_header(data.substr(offset), &h, &header_size) != RecordRead::ok ||
        record_size(header_size, h.payload_size) > v->end - offset) {
      corrupt(fmt::format("corrupt state file {}: damaged record at offset {}", path, offset));
    }
    std::string_view payload = data.substr(offset + header_size, h.payload_size);
    if (payload_checksum(payload) != get_u64(payload.data() + payload.size())) {
      corrupt(fmt::format("corrupt state file {}: checksum mismatch in the record of {}", path,
                          describe(h.barrier)));
    }
    apply(payload, h.snapshot);
    offset += record_size(header_size, h.payload_size);
  }
  return v->header.sides;
}

void StateJournal::discard_after(const control::BarrierId* barrier) {
  m_append = Fd();
  const Version* v = barrier == nullptr ? nullptr : find(*barrier);
  if (barrier != nullptr && v == nullptr) {
    corrupt(fmt::format("no saved state for {} in {}", describe(*barrier), m_dir));
  }
  uint64_t keep_segment = v == nullptr ? 0 : v->segment;
  uint64_t keep_end = v == nullptr ? 0 : v->end;
  bool changed = false;
  for (auto it = m_segments.begin(); it != m_segments.end();) {
    if (v != nullptr && it->first_seq < keep_segment) {
      ++it;
      continue;
    }
    if (v != nullptr && it->first_seq == keep_segment) {
      Fd fd = open_file(it->path, O_WRONLY);
      if (file_size(fd.get(), it->path) != keep_end) {
        if (ftruncate(fd.get(), static_cast<off_t>(keep_end)) != 0) {
          throw_errno("truncate " + it->path);
        }
        fsync_fd(fd.get(), it->path);
      }
      it->end = keep_end;
      ++it;
      continue;
    }
    remove_file(it->path);
    changed = true;
    it = m_segments.erase(it);
  }
  if (v != nullptr) {
    auto pos = std::find_if(m_versions.begin(), m_versions.end(),
                            [&](const Version& x) { return &x == v; });
    m_versions.erase(pos + 1, m_versions.end());
  } else {
    m_versions.clear();
  }
  if (changed) {
    fsync_dir(m_dir);
  }
  if (!m_segments.empty()) {
    m_append = open_file(m_segments.back().path, O_WRONLY | O_APPEND);
  }
}

uint64_t StateJournal::next_seq() const {
  return m_versions.empty() ? 1 : m_versions.back().header.seq + 1;
}

void StateJournal::append_delta(const control::BarrierId& barrier, std::string_view payload,
                                const std::vector<SideSize>& sides) {
  if (m_segments.empty()) {
    throw Error(ExitCode::internal, "state journal: a delta before any snapshot");
  }
  Segment& s = m_segments.back();
  if (!m_append.valid()) {
    m_append = open_file(s.path, O_WRONLY | O_APPEND);
    if (file_size(m_append.get(), s.path) != s.end &&
        ftruncate(m_append.get(), static_cast<off_t>(s.end)) != 0) {
      throw_errno("truncate " + s.path);
    }
  }
  RecordHeader h{false, next_seq(), barrier, sides, payload.size()};
  std::string record = encode_record(h, payload);
  write_all(m_append.get(), record.data(), record.size(), s.path);
  while (fdatasync(m_append.get()) != 0) {
    if (errno != EINTR) {
      throw_errno("fsync " + s.path);
    }
  }
  Version v;
  v.header = std::move(h);
  v.segment = s.first_seq;
  s.end += record.size();
  v.end = s.end;
  m_versions.push_back(std::move(v));
}

std::unique_ptr<StateJournal::SnapshotWriter>
StateJournal::begin_snapshot(const control::BarrierId& barrier, const std::vector<SideSize>& sides) {
  RecordHeader h{true, next_seq(), barrier, sides, 0};
  return std::unique_ptr<SnapshotWriter>(new SnapshotWriter(*this, std::move(h)));
}

void StateJournal::add_committed_snapshot(const RecordHeader& header, const std::string& path,
                                          uint64_t size) {
  m_append = Fd();
  Segment s{header.seq, path, size};
  m_segments.push_back(s);
  Version v;
  v.header = header;
  v.segment = header.seq;
  v.end = size;
  m_versions.push_back(std::move(v));
  m_append = open_file(path, O_WRONLY | O_APPEND);
}

uint64_t StateJournal::segment_bytes() const {
  return m_segments.empty() ? 0 : m_segments.back().end;
}

uint64_t StateJournal::total_bytes() const {
  uint64_t n = 0;
  for (const auto& s : m_segments) {
    n += s.end;
  }
  return n;
}

bool StateJournal::prune(const std::vector<control::BarrierId>& needed) {
  uint64_t oldest = UINT64_MAX;
  for (const auto& b : needed) {
    const Version* v = find(b);
    if (v == nullptr) {
      return false;
    }
    oldest = std::min(oldest, v->segment);
  }
  if (oldest == UINT64_MAX || m_segments.empty()) {
    return true;
  }
  bool changed = false;
  while (m_segments.size() > 1 && m_segments.front().first_seq < oldest) {
    remove_file(m_segments.front().path);
    m_segments.erase(m_segments.begin());
    changed = true;
  }
  std::erase_if(m_versions, [&](const Version& v) { return v.segment < oldest; });
  if (changed) {
    fsync_dir(m_dir);
  }
  return true;
}

std::optional<std::vector<SideSize>> StateJournal::base() const {
  std::string path = m_dir + "/base.json";
  simdjson::dom::parser parser;
  simdjson::padded_string text;
  if (simdjson::padded_string::load(path).get(text)) {
    return std::nullopt;
  }
  simdjson::dom::array sides;
  if (parser.parse(text)["sides"].get_array().get(sides)) {
    corrupt(fmt::format("corrupt state file {}", path));
  }
  std::vector<SideSize> out;
  for (auto s : sides) {
    std::string_view p;
    uint64_t size = 0;
    if (s["path"].get(p) || s["size"].get(size)) {
      corrupt(fmt::format("corrupt state file {}", path));
    }
    out.push_back({std::string(p), size});
  }
  return out;
}

void StateJournal::write_base(const std::vector<SideSize>& sides) {
  std::string text;
  JsonWriter w(&text);
  w.begin_object().key("sides").begin_array();
  for (const auto& s : sides) {
    w.begin_object().key("path").string(s.path).key("size").number(s.size).end_object();
  }
  w.end_array().end_object();
  text.push_back('\n');
  std::string path = m_dir + "/base.json";
  std::string tmp = path + ".tmp";
  {
    Fd fd = open_file(tmp, O_WRONLY | O_CREAT | O_TRUNC);
    write_all(fd.get(), text.data(), text.size(), tmp);
    fsync_fd(fd.get(), tmp);
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    throw_errno("rename " + tmp);
  }
  fsync_dir(m_dir);
}

// --- snapshots ---------------------------------------------------------------

StateJournal::SnapshotWriter::SnapshotWriter(StateJournal& journal, RecordHeader header)
    : m_journal(journal), m_header(std::move(header)),
      m_header_bytes(encode_record_header(m_header)),
      m_target(journal.segment_path(m_header.seq)), m_hash(XXH64_createState(), XXH64_freeState) {
  m_tmp = m_target + ".tmp";
  m_fd = open_file(m_tmp, O_WRONLY | O_CREAT | O_TRUNC);
  XXH64_reset(m_hash.get(), 0);
  // The header is rewritten with the payload's size at commit; its length does not change.
  write_all(m_fd.get(), m_header_bytes.data(), m_header_bytes.size(), m_tmp);
  m_buffer.reserve(1 << 20);
}

StateJournal::SnapshotWriter::~SnapshotWriter() {
  if (!m_committed) {
    m_fd = Fd();
    unlink(m_tmp.c_str());
  }
}

void StateJournal::SnapshotWriter::write(std::string_view bytes) {
  XXH64_update(m_hash.get(), bytes.data(), bytes.size());
  m_size += bytes.size();
  m_buffer.append(bytes);
  if (m_buffer.size() >= (1 << 20)) {
    flush();
  }
}

void StateJournal::SnapshotWriter::flush() {
  write_all(m_fd.get(), m_buffer.data(), m_buffer.size(), m_tmp);
  m_buffer.clear();
}

void StateJournal::SnapshotWriter::commit() {
  put_u64(&m_buffer, XXH64_digest(m_hash.get()));
  flush();
  m_header.payload_size = m_size;
  std::string header = encode_record_header(m_header);
  if (pwrite(m_fd.get(), header.data(), header.size(), 0) != static_cast<ssize_t>(header.size())) {
    throw_errno("write " + m_tmp);
  }
  fsync_fd(m_fd.get(), m_tmp);
  m_fd.close(m_tmp);
  if (rename(m_tmp.c_str(), m_target.c_str()) != 0) {
    throw_errno("rename " + m_tmp);
  }
  m_committed = true;
  fsync_dir(m_journal.m_dir);
  m_journal.add_committed_snapshot(m_header, m_target,
                                   record_size(header.size(), m_header.payload_size));
}

} // namespace sluice::core
