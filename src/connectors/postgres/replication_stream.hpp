// ReplicationStream: the session thread of `capture postgres` (DESIGN §5,
// STYLE 2.3). It owns a replication connection already in COPY BOTH mode
// (after START_REPLICATION), reads XLogData and keepalive messages and hands
// them to the main thread in batches through a core::BoundedQueue, and
// answers the server: a standby status update every status interval, at once
// when a keepalive asks for one, and when the acknowledged position moves.
// While the queue is full it stops reading (the server then pauses) but keeps
// sending status updates, so a blocked stdout never gets the session killed
// by wal_sender_timeout.
//
// The main thread passes the acknowledged position with acknowledge() (an
// atomic: the flush LSN of the next status update). A failure of the thread
// (connection lost, server error) reaches the main thread as the Error
// rethrown by next() after the batches before it. Thread-safe as described;
// the destructor stops the thread.
#pragma once

#include "connectors/postgres/pg_conn.hpp"
#include "core/bounded_queue.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string_view>
#include <thread>
#include <vector>

namespace sluice::connectors::postgres {

struct CopyBufferDeleter {
  void operator()(char* p) const { PQfreemem(p); }
};

// One message of the stream: XLogData ('w', with its pgoutput payload) or a
// primary keepalive ('k').
struct WalMessage {
  bool keepalive = false;
  uint64_t wal_start = 0; // XLogData: the LSN the data belongs to
  uint64_t wal_end = 0;   // the server's position when it sent the message
  std::unique_ptr<char, CopyBufferDeleter> buffer;
  int size = 0;
  // The pgoutput message of an XLogData (after its 25-byte header).
  std::string_view payload() const {
    return size > 25 ? std::string_view(buffer.get() + 25, static_cast<size_t>(size - 25))
                     : std::string_view();
  }
};

using WalBatch = std::vector<WalMessage>;

class ReplicationStream {
 public:
  ReplicationStream(PgConn conn, uint64_t acknowledged, std::chrono::milliseconds status_interval);
  ~ReplicationStream();
  ReplicationStream(const ReplicationStream&) = delete;
  ReplicationStream& operator=(const ReplicationStream&) = delete;

  // Readable while a batch (or the thread's failure) waits.
  int fd() const { return m_queue.fd(); }
  // Takes the next batch without waiting; false when none waits. Rethrows the
  // thread's failure once the batches before it are taken.
  bool next(WalBatch* out) { return m_queue.try_pop(out); }
  // The flush position of the next status update (never moves back).
  void acknowledge(uint64_t lsn);
  uint64_t acknowledged() const { return m_ack.load(); }
  // Sends a last status update with the acknowledged position and ends the thread.
  void stop();

 private:
  void run();
  void loop();
  bool read_messages(WalBatch* batch, size_t* bytes);
  void handle_copy_data(char* data, int size, WalBatch* batch);
  void send_status(bool reply_requested);
  void wait_socket(std::chrono::milliseconds timeout);

  PgConn m_conn;
  std::chrono::milliseconds m_status_interval;
  core::BoundedQueue<WalBatch> m_queue;
  std::atomic<uint64_t> m_ack;
  std::atomic<bool> m_stop{false};
  // Thread-only state.
  uint64_t m_received = 0;
  uint64_t m_sent_ack = 0;
  std::chrono::steady_clock::time_point m_last_status{};
  std::thread m_thread;
};

} // namespace sluice::connectors::postgres
