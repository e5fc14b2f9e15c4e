#include "core/signals.hpp"

#include "core/error.hpp"

#include <atomic>
#include <csignal>
#include <cstring>

namespace sluice::core::signals {
namespace {

std::atomic<int> g_count{0};
std::atomic<int> g_last{0};
static_assert(std::atomic<int>::is_always_lock_free);

void on_signal(int signo) {
  g_last.store(signo, std::memory_order_relaxed);
  g_count.fetch_add(1, std::memory_order_relaxed);
}

} // namespace

void install() {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0; // no SA_RESTART: blocked calls return EINTR
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

bool stop_requested() { return g_count.load(std::memory_order_relaxed) > 0; }

void check_hard_exit() {
  if (g_count.load(std::memory_order_relaxed) < 2) {
    return;
  }
  bool is_int = g_last.load(std::memory_order_relaxed) == SIGINT;
  throw Error(is_int ? ExitCode::interrupted : ExitCode::terminated,
              is_int ? "interrupted twice, exiting at once" : "terminated twice, exiting at once");
}

void raise_for_test(int signo) { on_signal(signo); }

void reset_for_test() {
  g_count.store(0);
  g_last.store(0);
}

} // namespace sluice::core::signals
