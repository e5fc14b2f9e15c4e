#include "core/file_store.hpp"

#include "core/error.hpp"
#include "core/fd.hpp"
#include "core/json_writer.hpp"

#include <algorithm>
#include <cerrno>
#include <tuple>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <simdjson.h>
#include <sys/file.h>
#include <unistd.h>

namespace sluice::core {
namespace {

// Holds an exclusive flock for the life of the object.
class FileLock {
 public:
  explicit FileLock(const std::string& path) : m_fd(open_file(path, O_RDWR | O_CREAT)) {
    while (flock(m_fd.get(), LOCK_EX) != 0) {
      if (errno != EINTR) {
        throw_errno("lock " + path);
      }
    }
  }

 private:
  Fd m_fd; // closing the fd releases the lock
};

// A temp file that is removed unless commit() renamed it over its target.
class TempFile {
 public:
  explicit TempFile(std::string target)
      : m_target(std::move(target)), m_path(m_target + ".tmp." + std::to_string(getpid())),
        m_fd(open_file(m_path, O_WRONLY | O_CREAT | O_TRUNC)) {}
  ~TempFile() {
    if (!m_committed) {
      unlink(m_path.c_str());
    }
  }
  void write(const std::string& data) { write_all(m_fd.get(), data.data(), data.size(), m_path); }
  void commit() {
    fsync_fd(m_fd.get(), m_path);
    m_fd.close(m_path);
    if (rename(m_path.c_str(), m_target.c_str()) != 0) {
      throw_errno("rename " + m_path);
    }
    m_committed = true;
    fsync_parent_dir(m_target);
  }

 private:
  std::string m_target;
  std::string m_path;
  Fd m_fd;
  bool m_committed = false;
};

std::string element_json(simdjson::dom::element e) { return simdjson::minify(e); }

[[noreturn]] void corrupt(const std::string& path, const std::string& why) {
  throw Error(ExitCode::data, fmt::format("corrupt checkpoint store {}: {}", path, why));
}

StoreEntry parse_entry(const std::string& path, simdjson::dom::object o) {
  StoreEntry e;
  std::string_view source;
  std::string_view sink;
  if (o["source"].get(source) || o["sink"].get(sink)) {
    corrupt(path, "an entry lacks its source or sink");
  }
  e.source = source;
  e.sink = sink;
  std::string_view run;
  uint64_t checkpoint = 0;
  if (!o["run"].get(run) && !o["checkpoint"].get(checkpoint)) {
    e.barrier = control::BarrierId{std::string(run), checkpoint};
  }
  simdjson::dom::element v;
  if (!o["pos"].get(v)) {
    e.pos = element_json(v);
  }
  if (!o["state"].get(v)) {
    e.state = element_json(v);
  }
  int64_t updated = 0;
  if (!o["updated"].get(updated)) {
    e.updated_ms = updated;
  }
  return e;
}

} // namespace

FileStore::FileStore(std::string path) : m_path(std::move(path)) {}

std::vector<StoreEntry> FileStore::all_entries() {
  simdjson::padded_string text;
  auto error = simdjson::padded_string::load(m_path).get(text);
  if (error == simdjson::IO_ERROR && access(m_path.c_str(), F_OK) != 0 && errno == ENOENT) {
    return {};
  }
  if (error) {
    throw Error(ExitCode::io, fmt::format("read checkpoint store {}: {}", m_path,
                                          simdjson::error_message(error)));
  }
  simdjson::dom::parser parser;
  simdjson::dom::object root;
  simdjson::dom::array list;
  if (parser.parse(text).get(root) || root["entries"].get(list)) {
    corrupt(m_path, "not a sluice checkpoint file");
  }
  std::vector<StoreEntry> out;
  for (auto item : list) {
    simdjson::dom::object o;
    if (item.get(o)) {
      corrupt(m_path, "an entry is not an object");
    }
    out.push_back(parse_entry(m_path, o));
  }
  std::stable_sort(out.begin(), out.end(), [](const StoreEntry& a, const StoreEntry& b) {
    return std::tie(a.source, a.sink) < std::tie(b.source, b.sink);
  });
  return out;
}

std::vector<StoreEntry> FileStore::entries(std::string_view source) {
  std::vector<StoreEntry> out;
  for (auto& e : all_entries()) {
    if (e.source == source) {
      out.push_back(std::move(e));
    }
  }
  return out;
}

void FileStore::write_all_entries(const std::vector<StoreEntry>& entries) {
  std::string text;
  JsonWriter w(&text);
  w.begin_object().key("version").number(1).key("entries").begin_array();
  for (const auto& e : entries) {
    text.push_back('\n');
    w.begin_object().key("source").string(e.source).key("sink").string(e.sink);
    if (e.barrier) {
      w.key("run").string(e.barrier->run).key("checkpoint").number(e.barrier->checkpoint);
    }
    w.key("pos").raw(e.pos).key("state").raw(e.state).key("updated").number(e.updated_ms);
    w.end_object();
  }
  w.end_array().end_object();
  text.push_back('\n');
  // pos and state are JSON texts from elsewhere: one that the DOM parser cannot read
  // (invalid, or a number beyond 64 bits) would leave a store that every later run
  // calls corrupt. Refuse it while the store still holds the last good entries.
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto error = parser.parse(text).get(root)) {
    throw Error(ExitCode::data, fmt::format("cannot record in checkpoint store {}: a position or "
                                            "state would not read back ({})",
                                            m_path, simdjson::error_message(error)));
  }
  TempFile tmp(m_path);
  tmp.write(text);
  tmp.commit();
}

StoreEntry FileStore::register_sink(const std::string& source, const std::string& sink,
                                    const std::string& state) {
  std::filesystem::path parent = std::filesystem::path(m_path).parent_path();
  std::error_code ec;
  if (!parent.empty()) {
    std::filesystem::create_directories(parent, ec);
  }
  FileLock lock(m_path + ".lock");
  auto entries = all_entries();
  for (const auto& e : entries) {
    if (e.source == source && e.sink == sink) {
      return e;
    }
  }
  StoreEntry added{source, sink, std::nullopt, "null", state, wall_clock_ms()};
  entries.push_back(added);
  write_all_entries(entries);
  return added;
}

void FileStore::record(const StoreEntry& entry) {
  FileLock lock(m_path + ".lock");
  auto entries = all_entries();
  bool replaced = false;
  for (auto& e : entries) {
    if (e.source == entry.source && e.sink == entry.sink) {
      e = entry;
      replaced = true;
    }
  }
  if (!replaced) {
    entries.push_back(entry);
  }
  write_all_entries(entries);
}

} // namespace sluice::core

namespace sluice::core {

bool FileStore::remove(const std::string& source, const std::string& sink) {
  if (access(m_path.c_str(), F_OK) != 0) {
    return false;
  }
  FileLock lock(m_path + ".lock");
  auto entries = all_entries();
  auto kept = entries;
  std::erase_if(kept, [&](const StoreEntry& e) { return e.source == source && e.sink == sink; });
  if (kept.size() == entries.size()) {
    return false;
  }
  write_all_entries(kept);
  return true;
}

bool FileStore::lock_running(RunLock mode) {
  m_run_lock = FlockFile::acquire(m_path + ".run.lock", mode);
  return m_run_lock.has_value();
}

} // namespace sluice::core
