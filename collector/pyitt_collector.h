// Host integration entry points of libpyitt-collector.so. The host resolves them with dlsym on the
// collector's handle; these names (and the __itt_* API) are the only symbols the library exports.
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

// Writes trace-<pid>.json and summary-<pid>.txt now (idempotent; later events are dropped), or
// trace-<pid>-2.json... when an earlier image of this pid (before an exec) has those names. Returns
// the number of trace events recorded (metadata events not counted), even if they could not be written.
unsigned long long pyitt_collector_finish(void);
// Paths written by finish, or NULL before it / when that file could not be written.
const char* pyitt_collector_trace_path(void);
const char* pyitt_collector_summary_path(void);
// The process's name in traces and merged summaries (its role in the run: "main", "SpawnPoolWorker-3").
void pyitt_collector_set_process_name(const char* name);
// Before finish, when the trace is written because the process crashed (SIGABRT, SIGSEGV...): the
// merge then lists the trace as ending at the crash.
void pyitt_collector_set_end_signal(int signal);
// Async-signal-safe: the calling thread holds one of the collector's locks (it is making a handle,
// filling a buffer...). A thread a signal stopped there must be let go before the collector can write.
int pyitt_collector_thread_holds_lock(void);
// In the process the user started, after finish: merges the trace-<pid>.json of every process of
// its run (PYITT_RUN_ID) into trace.json and writes summary.txt, in the output directory. Returns
// the number of processes of the run (0 on failure or outside a run); *incomplete counts those that
// left no trace or a cut one, *events the trace events of all.
int pyitt_collector_merge(int* incomplete, unsigned long long* events);
// After finish: the bounded summary for stderr (top labels, a line per thread), this process's, or
// the run's after a successful merge; NULL before finish.
const char* pyitt_collector_brief_summary(void);
// In the process the user started, after finish, when it is its run's only process: its summary,
// stacks and flame graph also under the run's names (summary.txt, stacks.txt, flamegraph.html), as
// the merge writes them for a run of several. Returns 1 when written.
int pyitt_collector_publish_run_profile(void);
// An MPI or Slurm job's merge (job/job_merge.cpp): the rank-<N>/ directories under roots[0..count)
// into roots[0]'s trace.json and summary.txt, each host's ranks on one timeline. With job_id, only
// that job's ranks 0..size-1. report_name (or NULL): the bounded summary left in roots[0] for
// rank 0 to print. Returns the processes merged, 0 on failure (said on stderr), -1 when no rank
// directory was found; *ranks_whole counts the ranks whose trace is complete.
int pyitt_collector_merge_job(const char* const* roots, int count, const char* job_id, int size,
                              const char* report_name, int* ranks_whole, unsigned long long* events);
// In the process the user started, alone in its run, after finish: its trace also gets the run's
// stable name, trace.<ext> (a hard link to trace-<pid>.<ext>, replacing an earlier run's). Returns
// that name, or NULL (and one warning) when it could not be made.
const char* pyitt_collector_name_run_trace(void);

#ifdef __cplusplus
}
#endif

#define PYITT_COLLECTOR_FINISH_SYMBOL "pyitt_collector_finish"
#define PYITT_COLLECTOR_TRACE_PATH_SYMBOL "pyitt_collector_trace_path"
#define PYITT_COLLECTOR_SUMMARY_PATH_SYMBOL "pyitt_collector_summary_path"
