// BoundedQueue: the one channel between a connector's session thread and the
// main thread (STYLE 2.3, DESIGN §5). Connectors that must keep a session
// alive while stdout is blocked (PostgreSQL keepalives, Kafka polls) run it
// on a thread that pushes what it receives here; the main thread pops.
//
// At most `capacity` items wait: a producer that finds the queue full waits
// (with a timeout, so it can keep its session alive meanwhile) — that pause is
// the back-pressure on the source. A producer that fails hands its exception
// over with fail(): the consumer gets every item pushed before it, then the
// exception is rethrown by pop. fd() is readable while an item, the end or a
// failure waits, so the consumer can poll() it beside other fds.
// Thread-safe for one producer and one consumer; throws only what was handed
// to fail() (and std::system_error when the eventfd cannot be made).
#pragma once

#include "core/fd.hpp"

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>
#include <sys/eventfd.h>
#include <system_error>
#include <unistd.h>

namespace sluice::core {

template <class T>
class BoundedQueue {
 public:
  enum class Push {
    pushed,
    timeout, // still full when the timeout passed: the item was not taken
    closed,  // the consumer cancelled: the item was not taken
  };

  explicit BoundedQueue(size_t capacity)
      : m_capacity(capacity > 0 ? capacity : 1), m_event(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (!m_event.valid()) {
      throw std::system_error(errno, std::generic_category(), "eventfd");
    }
  }
  BoundedQueue(const BoundedQueue&) = delete;
  BoundedQueue& operator=(const BoundedQueue&) = delete;

  // Producer: adds `item` when there is room within `timeout` (0: do not wait).
  // `item` is moved from only when the result is `pushed`.
  template <class Rep, class Period>
  Push push(T& item, std::chrono::duration<Rep, Period> timeout) {
    std::unique_lock lock(m_mutex);
    bool room = m_not_full.wait_for(
        lock, timeout, [&] { return m_cancelled || m_items.size() < m_capacity; });
    if (m_cancelled) {
      return Push::closed;
    }
    if (!room) {
      return Push::timeout;
    }
    m_items.push_back(std::move(item));
    signal_locked();
    m_not_empty.notify_one();
    return Push::pushed;
  }

  // Producer: no more items will come.
  void close() {
    std::lock_guard lock(m_mutex);
    m_closed = true;
    signal_locked();
    m_not_empty.notify_one();
  }

  // Producer: ends the queue with `error`, rethrown to the consumer after the
  // items pushed before it.
  void fail(std::exception_ptr error) {
    std::lock_guard lock(m_mutex);
    m_error = std::move(error);
    m_closed = true;
    signal_locked();
    m_not_empty.notify_one();
  }

  // Consumer: true with the oldest item; false when none waits (see is_ended()).
  // Rethrows the producer's failure once the items before it are taken.
  bool try_pop(T* out) {
    std::unique_lock lock(m_mutex);
    return take_locked(out);
  }

  // Consumer: waits up to `timeout` for an item; like try_pop otherwise.
  template <class Rep, class Period>
  bool pop(T* out, std::chrono::duration<Rep, Period> timeout) {
    std::unique_lock lock(m_mutex);
    m_not_empty.wait_for(lock, timeout, [&] { return !m_items.empty() || m_closed; });
    return take_locked(out);
  }

  // Consumer: stops the producer; its pushes return `closed` from now on.
  void cancel() {
    std::lock_guard lock(m_mutex);
    m_cancelled = true;
    m_not_full.notify_all();
  }

  // True when the producer closed or failed and every item was taken.
  bool is_ended() const {
    std::lock_guard lock(m_mutex);
    return m_closed && m_items.empty() && !m_error;
  }

  size_t size() const {
    std::lock_guard lock(m_mutex);
    return m_items.size();
  }
  size_t capacity() const { return m_capacity; }

  // Readable while an item, the end or a failure waits for the consumer.
  int fd() const { return m_event.get(); }

 private:
  // Keeps the eventfd readable exactly while something waits for the consumer.
  void signal_locked() {
    if (!m_signalled) {
      uint64_t one = 1;
      // A full eventfd counter is impossible: it is reset before it is set again.
      (void)!write(m_event.get(), &one, sizeof one);
      m_signalled = true;
    }
  }
  void unsignal_locked() {
    if (m_signalled && m_items.empty() && !m_closed) {
      uint64_t value = 0;
      (void)!read(m_event.get(), &value, sizeof value);
      m_signalled = false;
    }
  }

  bool take_locked(T* out) {
    if (!m_items.empty()) {
      *out = std::move(m_items.front());
      m_items.pop_front();
      unsignal_locked();
      m_not_full.notify_one();
      return true;
    }
    if (m_error) {
      std::exception_ptr error = std::exchange(m_error, nullptr);
      std::rethrow_exception(error);
    }
    return false;
  }

  const size_t m_capacity;
  Fd m_event;
  mutable std::mutex m_mutex;
  std::condition_variable m_not_full;
  std::condition_variable m_not_empty;
  std::deque<T> m_items;
  std::exception_ptr m_error;
  bool m_closed = false;
  bool m_cancelled = false;
  bool m_signalled = false;
};

} // namespace sluice::core
