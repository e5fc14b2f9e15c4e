#include "core/signals.hpp"

#include "core/error.hpp"
#include "core_test_support.hpp"

#include <catch2/catch.hpp>
#include <csignal>

namespace sluice::core {
namespace {

using test::SignalReset;

ExitCode hard_exit_code() {
  try {
    signals::check_hard_exit();
  } catch (const Error& e) {
    return e.code();
  }
  return ExitCode::ok;
}

TEST_CASE("signals start with nothing requested", "[core][signals]") {
  SignalReset reset;
  CHECK_FALSE(signals::stop_requested());
  CHECK_NOTHROW(signals::check_hard_exit());
}

TEST_CASE("signals the first SIGTERM asks to stop without a hard exit", "[core][signals]") {
  SignalReset reset;
  signals::raise_for_test(SIGTERM);
  CHECK(signals::stop_requested());
  CHECK_NOTHROW(signals::check_hard_exit());
}

TEST_CASE("signals a second SIGTERM exits at once with 143", "[core][signals]") {
  SignalReset reset;
  signals::raise_for_test(SIGTERM);
  signals::raise_for_test(SIGTERM);
  CHECK(hard_exit_code() == ExitCode::terminated);
  CHECK(static_cast<int>(ExitCode::terminated) == 143);
  // It keeps throwing: every later check exits too.
  CHECK(hard_exit_code() == ExitCode::terminated);
}

TEST_CASE("signals a second SIGINT exits at once with 130", "[core][signals]") {
  SignalReset reset;
  signals::raise_for_test(SIGINT);
  CHECK_NOTHROW(signals::check_hard_exit());
  signals::raise_for_test(SIGINT);
  CHECK(hard_exit_code() == ExitCode::interrupted);
  CHECK(static_cast<int>(ExitCode::interrupted) == 130);
}

TEST_CASE("signals the last of two different signals names the exit", "[core][signals]") {
  SignalReset reset;
  signals::raise_for_test(SIGTERM);
  signals::raise_for_test(SIGINT);
  CHECK(hard_exit_code() == ExitCode::interrupted);
  signals::reset_for_test();
  signals::raise_for_test(SIGINT);
  signals::raise_for_test(SIGTERM);
  CHECK(hard_exit_code() == ExitCode::terminated);
}

TEST_CASE("signals reset forgets every signal", "[core][signals]") {
  SignalReset reset;
  signals::raise_for_test(SIGTERM);
  signals::raise_for_test(SIGTERM);
  signals::reset_for_test();
  CHECK_FALSE(signals::stop_requested());
  CHECK_NOTHROW(signals::check_hard_exit());
}

TEST_CASE("signals install counts real deliveries and ignores SIGPIPE", "[core][signals]") {
  SignalReset reset;
  struct sigaction old_int, old_term, old_pipe;
  sigaction(SIGINT, nullptr, &old_int);
  sigaction(SIGTERM, nullptr, &old_term);
  sigaction(SIGPIPE, nullptr, &old_pipe);

  signals::install();
  struct sigaction now;
  sigaction(SIGTERM, nullptr, &now);
  CHECK((now.sa_flags & SA_RESTART) == 0);
  sigaction(SIGINT, nullptr, &now);
  CHECK((now.sa_flags & SA_RESTART) == 0);
  sigaction(SIGPIPE, nullptr, &now);
  CHECK(now.sa_handler == SIG_IGN);

  raise(SIGTERM);
  CHECK(signals::stop_requested());
  CHECK_NOTHROW(signals::check_hard_exit());
  raise(SIGINT);
  CHECK(hard_exit_code() == ExitCode::interrupted);

  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  // SIGPIPE stays ignored: tests of EPIPE rely on it.
}

} // namespace
} // namespace sluice::core
