// MetricsServer: the HTTP endpoint of --metrics (Boost.Beast), one thread.
//
// It binds at construction (Error(usage) when the host does not resolve,
// Error(unavailable) when the address is in use or cannot be bound) and then
// serves from its own thread: GET or HEAD /metrics answers 200 with the text
// of `render` (called on the server thread; it must only read relaxed
// counters), any other path 404, another method on /metrics 405. Requests are
// bounded (8 KiB of headers, 4 KiB of body), each connection gets 5 s to send
// its request and read the answer, and at most 16 connections are served at
// once (more are closed at once). One response per connection. The destructor
// stops the thread and closes every connection. Not copyable; methods are
// called from one thread.
#pragma once

#include "core/metrics_text.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace sluice::core {

class MetricsServer {
 public:
  MetricsServer(const MetricsAddress& address, std::function<std::string()> render);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // The port bound (the one asked for, or the one picked for port 0).
  uint16_t port() const;
  // Stops serving (idempotent).
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace sluice::core
