// The program's child processes, on the host's side: what role a process has in the run, the
// multiprocessing start method, and making every process write its output however it ends
// (os._exit, as forked workers end). How children come back to the host is main.cpp's marker.
#pragma once

#include <string>
#include <vector>

#include "host_options.h"

namespace pyitt::host {

// What a python command line is in a run: "main" for the process the user started; for children
// "forkserver", "resource tracker", "spawned child" (multiprocessing renames it once it knows the
// Process: "SpawnPoolWorker-3"), "python child.py", "python -m mod", "python -c".
std::string process_role(const std::vector<std::string>& python_argv, bool is_child);

// multiprocessing's resource tracker: a helper of the program, not part of it; it runs uninstrumented.
bool is_resource_tracker(const std::vector<std::string>& python_argv);

// Names this process in the collector's output (the built-in collector's process_name); no-op
// when the collector is not ours.
void name_this_process(const std::string& role);

// How this process's output is written when it ends without the interpreter's exit.
struct EndingsWithoutExit {
    void (*os_exit)();                        // os._exit (forked workers)
    void (*before_exec)(bool run_goes_on);    // os.exec* that is about to succeed; run_goes_on: the
                                              // new image is a pyitt-host of this run
};

// Before the program, GIL held. Sets multiprocessing's default start method when the program
// imports it (and names each multiprocessing child after its Process), warns about fork under an
// external collector, makes os._exit() and os.exec*() write this process's output first, and
// stops the forkserver at the end of the process the user started (so that its trace is there
// for the merge).
void prepare_child_processes(const HostOptions& options, bool is_child, bool external_collector,
                             EndingsWithoutExit endings);

}  // namespace pyitt::host
