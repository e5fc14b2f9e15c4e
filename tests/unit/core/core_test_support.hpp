// Test doubles and helpers shared by the tests of src/core: in-memory byte
// sources, a temp directory removed at the end, whole-file reads.
#pragma once

#include "core/byte_source.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace sluice::core::test {

// Returns its input in reads of at most `chunk` bytes (or at the given cut
// points); poll_fd() is -1: every read is ready at once.
class ChunkSource : public ByteSource {
public:
  ChunkSource(std::string data, size_t chunk) : m_data(std::move(data)), m_chunk(chunk) {}
  // Splits exactly at `cuts` (ascending offsets).
  ChunkSource(std::string data, std::vector<size_t> cuts)
      : m_data(std::move(data)), m_chunk(0), m_cuts(std::move(cuts)) {}

  size_t read(char* buf, size_t size) override {
    ++m_reads;
    size_t left = m_data.size() - m_pos;
    size_t n = std::min(left, size);
    if (m_chunk > 0) {
      n = std::min(n, m_chunk);
    } else {
      for (size_t cut : m_cuts) {
        if (cut > m_pos) {
          n = std::min(n, cut - m_pos);
          break;
        }
      }
    }
    std::copy_n(m_data.data() + m_pos, n, buf);
    m_pos += n;
    return n;
  }
  size_t reads() const { return m_reads; }

private:
  std::string m_data;
  size_t m_chunk;
  std::vector<size_t> m_cuts;
  size_t m_pos = 0;
  size_t m_reads = 0;
};

// Produces `count` bytes of a pattern without holding them (for huge lines).
class GeneratedSource : public ByteSource {
public:
  // prefix, then `fill_count` copies of `fill`, then suffix.
  GeneratedSource(std::string prefix, char fill, uint64_t fill_count, std::string suffix)
      : m_prefix(std::move(prefix)), m_fill(fill), m_fill_count(fill_count),
        m_suffix(std::move(suffix)) {}

  size_t read(char* buf, size_t size) override {
    size_t done = 0;
    while (done < size) {
      if (m_pos < m_prefix.size()) {
        buf[done++] = m_prefix[m_pos++];
      } else if (m_pos < m_prefix.size() + m_fill_count) {
        uint64_t left = m_prefix.size() + m_fill_count - m_pos;
        size_t n = static_cast<size_t>(std::min<uint64_t>(left, size - done));
        std::fill_n(buf + done, n, m_fill);
        done += n;
        m_pos += n;
      } else if (m_pos < m_prefix.size() + m_fill_count + m_suffix.size()) {
        buf[done++] = m_suffix[m_pos - m_prefix.size() - m_fill_count];
        ++m_pos;
      } else {
        break;
      }
    }
    return done;
  }

private:
  std::string m_prefix;
  char m_fill;
  uint64_t m_fill_count;
  std::string m_suffix;
  uint64_t m_pos = 0;
};

// A fresh directory under TMPDIR, removed with everything in it.
class TempDir {
public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sluice-core-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    m_path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return m_path; }
  std::string file(const std::string& name) const { return m_path + "/" + name; }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(m_path)) {
      out.push_back(e.path().filename().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

private:
  std::string m_path;
};

inline std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void write_whole_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// Splits text at '\n' (a final newline ends the last piece, no empty piece after it).
inline std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) {
      out.push_back(text.substr(start));
      break;
    }
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

} // namespace sluice::core::test

#include "core/signals.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <pthread.h>
#include <thread>
#include <unistd.h>

namespace sluice::core::test {

// Forgets every signal the signal hooks saw, before and after a test.
struct SignalReset {
  SignalReset() { signals::reset_for_test(); }
  ~SignalReset() { signals::reset_for_test(); }
};

// Owns both ends of a pipe.
struct Pipe {
  int read_end = -1;
  int write_end = -1;
  Pipe() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      throw std::runtime_error("pipe failed");
    }
    read_end = fds[0];
    write_end = fds[1];
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  void close_read() {
    if (read_end >= 0) {
      ::close(read_end);
      read_end = -1;
    }
  }
  void close_write() {
    if (write_end >= 0) {
      ::close(write_end);
      write_end = -1;
    }
  }
  // Fills the kernel buffer so that the next blocking write blocks.
  void fill() {
    int flags = fcntl(write_end, F_GETFL);
    fcntl(write_end, F_SETFL, flags | O_NONBLOCK);
    char block[4096];
    std::memset(block, 'f', sizeof block);
    while (::write(write_end, block, sizeof block) > 0) {
    }
    while (::write(write_end, block, 1) > 0) {
    }
    fcntl(write_end, F_SETFL, flags);
  }
  // Reads everything until EOF (the write end must be closed).
  std::string drain() {
    std::string out;
    char buf[65536];
    ssize_t n;
    while ((n = ::read(read_end, buf, sizeof buf)) > 0) {
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
};

// Interrupts a blocking system call of the thread that created it: SIGUSR1, whose handler
// is installed without SA_RESTART, is sent to it every few milliseconds until stop().
class Interrupter {
public:
  Interrupter() : m_target(pthread_self()) {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_handler = [](int) {};
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sigaction(SIGUSR1, &sa, &m_old);
    m_thread = std::thread([this] {
      while (!m_stop.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        if (!m_stop.load()) {
          pthread_kill(m_target, SIGUSR1);
          ++m_sent;
        }
      }
    });
  }
  ~Interrupter() {
    stop();
    sigaction(SIGUSR1, &m_old, nullptr);
  }
  void stop() {
    m_stop = true;
    if (m_thread.joinable()) {
      m_thread.join();
    }
  }
  int sent() const { return m_sent.load(); }

private:
  pthread_t m_target;
  struct sigaction m_old;
  std::atomic<bool> m_stop{false};
  std::atomic<int> m_sent{0};
  std::thread m_thread;
};

} // namespace sluice::core::test
