// The process-wide collection switch. ITT's pause and resume act on the whole process, while
// several things may want to flip them: the program (pyitt.pause(), active_region...), the
// host's triggers (--resume-on, -b regions), timers and signals. They all come here, so that
//  - the latest request wins, and the switch knows the state it last set (signal toggles);
//  - detach is final: nothing resumes afterwards;
//  - --collection-scope picks the scoped calls once, for every source but the program.
// Thread-safe; never touches Python (timer and signal threads call it without the GIL).
#pragma once

namespace pyitt::control {

enum class Source : unsigned char {
    kProgram,  // pyitt's API: always the unscoped call or the scope the program named
    kHost,     // --start-paused, triggers, -b regions: --collection-scope applies
    kTimerOrSignal,  // the control thread's timers and signals: as kHost; a pause -b put off comes first
};

// --collection-scope: itt_abi::kScopeHost, kScopeOffload or kScopeAll (default, the plain calls).
// Scoped calls are used only when the collector exports them; otherwise the plain ones.
void set_host_scope(int scope);

// Each returns false when it changed nothing ITT would see (already detached).
bool pause(Source source);
bool resume(Source source);
bool toggle(Source source);
bool detach(Source source);
// The program's scoped calls: tracked as pause/resume when the scope includes the host.
bool pause_scoped(int scope);
bool resume_scoped(int scope);

bool paused();
bool detached();

}  // namespace pyitt::control
