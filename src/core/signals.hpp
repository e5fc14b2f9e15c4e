// Process signal state: the one piece of global mutable state (STYLE 2.3).
//
// install() sets SIGINT/SIGTERM handlers without SA_RESTART, so a stage blocked in
// read() or write() sees EINTR and looks at the counters, and ignores SIGPIPE so
// writes to a closed pipe return EPIPE. The handler only bumps lock-free atomics.
#pragma once

namespace sluice::core::signals {

void install();

// True after the first SIGINT/SIGTERM: captures stop reading and drain.
bool stop_requested();

// After a second signal, throws Error(130 or 143) so the stage exits at once
// without recording anything; otherwise returns.
void check_hard_exit();

// Test hook: simulates delivery of a signal (as the handler would).
void raise_for_test(int signo);
// Test hook: forgets every signal seen.
void reset_for_test();

} // namespace sluice::core::signals
