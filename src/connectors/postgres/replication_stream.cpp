#include "connectors/postgres/replication_stream.hpp"

#include "core/error.hpp"

#include <fmt/format.h>
#include <poll.h>

namespace sluice::connectors::postgres {

using core::Error;
using core::ExitCode;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

namespace {

constexpr size_t k_queue_batches = 16;
constexpr size_t k_batch_messages = 1024;
constexpr size_t k_batch_bytes = 4 << 20;
// Longest sleep of the thread: how late it notices a new acknowledgement or stop().
constexpr milliseconds k_max_wait{50};
// Microseconds between 1970-01-01 and 2000-01-01, PostgreSQL's epoch.
constexpr int64_t k_pg_epoch_us = 946684800000000;

uint64_t read_u64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) {
    v = (v << 8) | static_cast<unsigned char>(p[i]);
  }
  return v;
}

void write_u64(char* p, uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    p[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
}

int64_t pg_now_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count() -
         k_pg_epoch_us;
}

} // namespace

ReplicationStream::ReplicationStream(PgConn conn, uint64_t acknowledged,
                                     milliseconds status_interval)
    : m_conn(std::move(conn)), m_status_interval(status_interval), m_queue(k_queue_batches),
      m_ack(acknowledged), m_received(acknowledged), m_sent_ack(acknowledged) {
  // Writes never block the thread: a status update waits in libpq's buffer.
  PQsetnonblocking(m_conn.get(), 1);
  m_thread = std::thread([this] { run(); });
}

ReplicationStream::~ReplicationStream() { stop(); }

void ReplicationStream::acknowledge(uint64_t lsn) {
  uint64_t old = m_ack.load();
  while (lsn > old && !m_ack.compare_exchange_weak(old, lsn)) {
  }
}

void ReplicationStream::stop() {
  if (!m_thread.joinable()) {
    return;
  }
  m_stop = true;
  m_queue.cancel();
  m_thread.join();
}

void ReplicationStream::run() {
  try {
    loop();
    if (!m_conn.is_broken()) {
      send_status(false);
      PQflush(m_conn.get());
    }
  } catch (...) {
    m_queue.fail(std::current_exception());
  }
}

void ReplicationStream::loop() {
  WalBatch batch;
  size_t bytes = 0;
  while (!m_stop) {
    bool due = Clock::now() - m_last_status >= m_status_interval;
    if (due || m_ack.load() != m_sent_ack) {
      send_status(false);
    }
    if (PQflush(m_conn.get()) < 0) {
      throw Error(ExitCode::temporary, fmt::format("replication stream from {}: {}",
                                                     m_conn.describe(),
                                                     PQerrorMessage(m_conn.get())));
    }
    bool more = batch.size() < k_batch_messages && bytes < k_batch_bytes &&
                read_messages(&batch, &bytes);
    if (more) {
      continue; // the socket may hold more: fill the batch first
    }
    if (!batch.empty()) {
      // Full or nothing more ready: hand it over, waiting for room at most until the
      // next status update is due (the loop then sends it and tries again).
      if (m_queue.push(batch, k_max_wait) == core::BoundedQueue<WalBatch>::Push::pushed) {
        batch.clear();
        bytes = 0;
      }
      continue;
    }
    wait_socket(k_max_wait);
  }
}

// Reads one message; false when none is ready.
bool ReplicationStream::read_messages(WalBatch* batch, size_t* bytes) {
  char* data = nullptr;
  int n = PQgetCopyData(m_conn.get(), &data, 1);
  if (n > 0) {
    *bytes += static_cast<size_t>(n);
    handle_copy_data(data, n, batch);
    return true;
  }
  if (n == 0) {
    return false;
  }
  if (n == -1) {
    PgResult end(PQgetResult(m_conn.get()));
    std::string state = end ? end.sqlstate() : "";
    // A shutdown, a lost connection or a lack of resources may pass; an error
    // of the decoding itself (a missing publication) will not.
    bool transient = state.empty() || state.rfind("57", 0) == 0 || state.rfind("08", 0) == 0 ||
                     state.rfind("53", 0) == 0 || m_conn.is_broken();
    std::string message = end && !end.ok() ? end.message() : "";
    if (message.find("publication") != std::string::npos &&
        message.find("does not exist") != std::string::npos) {
      message += " (a publication created after the slot is not visible to it: create the "
                 "publication first, then the slot)";
    }
    throw Error(transient ? ExitCode::temporary : ExitCode::unavailable,
                fmt::format("the server ended the replication stream from {}{}", m_conn.describe(),
                            message.empty() ? "" : ": " + message));
  }
  throw Error(ExitCode::temporary, fmt::format("replication stream from {}: {}",
                                               m_conn.describe(), PQerrorMessage(m_conn.get())));
}

void ReplicationStream::handle_copy_data(char* data, int size, WalBatch* batch) {
  std::unique_ptr<char, CopyBufferDeleter> owned(data);
  if (size >= 25 && data[0] == 'w') {
    WalMessage m;
    m.wal_start = read_u64(data + 1);
    m.wal_end = read_u64(data + 9);
    m.buffer = std::move(owned);
    m.size = size;
    m_received = std::max(m_received, m.wal_start);
    batch->push_back(std::move(m));
    return;
  }
  if (size >= 18 && data[0] == 'k') {
    WalMessage m;
    m.keepalive = true;
    m.wal_end = read_u64(data + 1);
    // Reporting the keepalive's position as written (never as flushed) stops the
    // server from repeating it until its position moves again.
    bool moved = m.wal_end > m_received;
    m_received = std::max(m_received, m.wal_end);
    bool reply = data[17] != 0;
    batch->push_back(std::move(m));
    if (reply || moved) {
      send_status(false);
    }
    return;
  }
  throw Error(ExitCode::unavailable,
              fmt::format("replication stream from {}: unexpected message '{}' of {} bytes",
                          m_conn.describe(), size > 0 ? data[0] : ' ', size));
}

// Standby status update: write = what was received, flush = apply = what the
// sinks have recorded (confirmed_flush_lsn follows flush).
void ReplicationStream::send_status(bool reply_requested) {
  uint64_t ack = m_ack.load();
  char msg[34];
  msg[0] = 'r';
  write_u64(msg + 1, std::max(m_received, ack));
  write_u64(msg + 9, ack);
  write_u64(msg + 17, ack);
  write_u64(msg + 25, static_cast<uint64_t>(pg_now_us()));
  msg[33] = reply_requested ? 1 : 0;
  if (PQputCopyData(m_conn.get(), msg, sizeof msg) != 1) {
    throw Error(ExitCode::temporary, fmt::format("send status update to {}: {}",
                                                   m_conn.describe(), PQerrorMessage(m_conn.get())));
  }
  m_sent_ack = ack;
  m_last_status = Clock::now();
}

void ReplicationStream::wait_socket(milliseconds timeout) {
  pollfd p{PQsocket(m_conn.get()), POLLIN, 0};
  poll(&p, 1, static_cast<int>(timeout.count()));
  if (PQconsumeInput(m_conn.get()) == 0) {
    throw Error(ExitCode::temporary, fmt::format("replication stream from {}: {}",
                                                 m_conn.describe(), PQerrorMessage(m_conn.get())));
  }
}

} // namespace sluice::connectors::postgres
