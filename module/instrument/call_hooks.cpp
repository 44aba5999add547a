// Which fast hook sees the program's Python calls. 3.9-3.11 have one, the frame-evaluation function
// (hook_eval_frame.cpp). 3.12+ have two: sys.monitoring (hook_monitoring.cpp), which costs nothing
// for code the filters leave alone once it has run but ~460 instructions a call for the rest, and
// the frame-evaluation function, which costs every call its inlining (~200 instructions) but is
// far cheaper for code it records. A run that records most calls starts with the second and hands
// over to sys.monitoring, once and for good, when python would run differently under it (a deep
// recursion: hook_eval_frame.cpp) or when it records few calls after all.
#include <cstdlib>
#include <string_view>

#include "eval_frame_on_demand.h"
#include "hooks.h"
#include "stderr_line.h"

namespace pyitt::instrument {
namespace {

int g_verbosity = 0;

// PYITT_CALL_HOOK, a diagnostic knob for tests and measurements: `monitoring` uses sys.monitoring
// from the start (3.12+), `evaluator` the frame-evaluation function whatever the filters select (it
// still hands over at a deep recursion on 3.12+; on 3.11 it is installed from the start, not on
// demand). Anything else: chosen from the options.
enum class Preference { kChosen, kMonitoring, kEvaluator };

Preference preference() {
    const char* value = std::getenv("PYITT_CALL_HOOK");
    if (value == nullptr) return Preference::kChosen;
    const std::string_view text(value);
    if (text == "monitoring") return Preference::kMonitoring;
    if (text == "evaluator") return Preference::kEvaluator;
    return Preference::kChosen;
}

// Why a run starts with sys.monitoring, or null when it starts with the frame-evaluation function.
[[maybe_unused]] const char* why_monitoring_first(const Config& config) {
    if (config.trace_c) return "--trace-c: C calls are its CALL events";
    switch (preference()) {
        case Preference::kMonitoring:
            return "PYITT_CALL_HOOK=monitoring";
        case Preference::kEvaluator:
            return nullptr;
        case Preference::kChosen:
            break;
    }
    // -R / -M select few functions, -b records only inside profile regions: most calls are not
    // recorded, and sys.monitoring lets those run as under python.
    if (!config.restrict_functions.empty() || !config.restrict_modules.empty()) return "-R/-M select few functions";
    if (config.builtin_regions) return "-b records only inside profile regions";
    return nullptr;
}

void report(const char* what) {
    if (g_verbosity >= 1) pyitt::print_stderr("pyitt-host: [v1] Python calls: {}\n", what);
}

}  // namespace

bool install_python_call_hooks(const Config& config) {
    g_verbosity = config.verbosity;
#if PY_VERSION_HEX >= 0x030C0000
    g_evaluator_kept = preference() == Preference::kEvaluator;
    const char* why = why_monitoring_first(config);
    if (why == nullptr && install_monitoring(config, /*events_now=*/false)) {
        if (install_eval_frame()) {
            report("the frame-evaluation function, until it hands over to sys.monitoring");
            return true;
        }
        start_monitoring_events();  // another tool's frame-evaluation function is installed
        report("sys.monitoring (another tool owns the frame-evaluation function)");
        return true;
    }
    if (!install_monitoring(config, /*events_now=*/true)) return false;
    report(why != nullptr ? fmt::format("sys.monitoring ({})", why).c_str() : "sys.monitoring");
    return true;
#else
    if (preference() != Preference::kEvaluator && arm_eval_frame_on_demand(config)) return true;  // reports itself
    stop_watching_code_made();
    if (!install_eval_frame()) return false;
    report("the frame-evaluation function");
    return true;
#endif
}

void switch_to_monitoring([[maybe_unused]] const char* why) {
#if PY_VERSION_HEX >= 0x030C0000
    if (g_monitoring_took_over) return;
    g_monitoring_took_over = true;
    uninstall_eval_frame();
    start_monitoring_events();
    if (g_verbosity >= 1) pyitt::print_stderr("pyitt-host: [v1] Python calls: handed over to sys.monitoring ({})\n", why);
#endif
}

}  // namespace pyitt::instrument
