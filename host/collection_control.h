// Collection control from the command line, on the host's side: the state at start
// (--start-paused and what implies it), timers, signals and detaching. Triggers (--resume-on,
// --pause-on, -b regions) live in module/instrument; everything meets in the process-wide switch
// (module/control/collection_switch.h).
#pragma once

#include <optional>
#include <string>

#include "host_options.h"
#include "signal_names.h"

namespace pyitt::host {

// Whether the options start the process paused: --start-paused, or something whose first act is
// to resume (--resume-on, -b, --resume-after without an earlier --pause-after).
bool starts_paused(const HostOptions& options);

// steady_clock nanoseconds, the clock of --run-started.
long long monotonic_now_ns();

// In the process the user started, with --resume-on or --pause-on: creates the (empty) file where
// children report the patterns they matched, and names it in the options they inherit. In the
// built-in collector's output directory when there is one (given here), else in $TMPDIR.
void prepare_trigger_report(HostOptions& options, const std::string& output_dir);

// Before the program (GIL held): sets the scope, pauses if the options start paused, applies the
// timers already due (a child started late), installs the signal handlers and starts the control
// thread. After os.fork() the child gets a control thread of its own.
void start_collection_control(const HostOptions& options);

// Before start_collection_control: when a signal that ends the process arrives (SIGTERM, SIGHUP,
// SIGQUIT, SIGXCPU, SIGXFSZ at their default; SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL also under
// faulthandler), no more of the program runs, the control thread calls write_outputs(signal)
// (without Python) and the process then dies of that signal, as it would have (faulthandler's
// traceback first, where it is enabled). Signals that are ignored or the program's are left alone.
// `holds_collector_lock` (async-signal-safe, may be null) tells whether the signalled thread holds a
// lock the writing needs: that thread is then let go at once rather than held.
void write_outputs_on_ending_signals(void (*write_outputs)(int signal), int (*holds_collector_lock)());

// From the host's first line until its handlers are in place: a SIGTERM, SIGHUP, SIGQUIT, SIGXCPU
// or SIGXFSZ that arrives while the host starts waits for them (milliseconds) instead of ending a
// process that has begun recording before it can write its trace. A pool that terminates workers
// still starting up sends exactly that. Stopping is idempotent and leaves alone any of those
// signals that were blocked when the process began.
void defer_ending_signals();
void stop_deferring_ending_signals();

// SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL: signals that report a fault of the thread they reach.
bool is_crash_signal(int signal);

// At exit, before this process's outputs are written: stops the control thread; --detach-on-exit
// detaches (when not done already). An ending signal that arrives from here on waits for
// outputs_written_at_exit(), then ends the process as it would have.
void finish_collection_control();
void outputs_written_at_exit();

}  // namespace pyitt::host
