// CPython is initialised with the C API rather than pybind11's initialize_interpreter(), because
// the latter turns python's own exit statuses (-V, -h, bad flags: exit 0 or 2) into exceptions.
// Py_RunMain then runs the program with python's exact semantics: script, -m, -c, stdin,
// SystemExit, tracebacks, KeyboardInterrupt, atexit, thread joins.
#include "interpreter.h"
#include "stderr_line.h"

#include <Python.h>
#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <ucontext.h>
#include <vector>

#include "instrumenter.h"

namespace pyitt::host {
namespace {

[[noreturn]] void exit_like_python(PyStatus status) { Py_ExitStatusException(status); }

void check(PyStatus status) {
    if (PyStatus_Exception(status)) exit_like_python(status);
}

bool is_file(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

// The `version` an activated venv's pyvenv.cfg records ("3.11.2"), or "" if unreadable.
std::string venv_python_version(const std::string& config_path) {
    std::ifstream config(config_path);
    std::string line;
    while (std::getline(config, line)) {
        const auto equals = line.find('=');
        if (equals == std::string::npos) continue;
        auto trim = [](std::string s) {
            const auto first = s.find_first_not_of(" \t\r");
            const auto last = s.find_last_not_of(" \t\r");
            return first == std::string::npos ? std::string() : s.substr(first, last - first + 1);
        };
        const std::string key = trim(line.substr(0, equals));
        if (key == "version" || key == "version_info") return trim(line.substr(equals + 1));
    }
    return {};
}

// The executable CPython computes its paths from. The embedded python's own path gives exactly
// its sys.prefix and sys.path; an activated venv's python gives that venv's, as running
// `python` in the activated shell would. sys.executable is pointed at the host afterwards.
std::string executable_for_paths(const HostPaths& paths) {
    const char* venv = std::getenv("VIRTUAL_ENV");
    if (venv == nullptr || *venv == '\0') return paths.embedded_python;
    const std::string config = std::string(venv) + "/pyvenv.cfg";
    if (!is_file(config)) {
        pyitt::print_stderr("pyitt-host: warning: VIRTUAL_ENV={} has no pyvenv.cfg; ignoring it\n", venv);
        return paths.embedded_python;
    }
    const std::string ours = fmt::format("{}.{}", PY_MAJOR_VERSION, PY_MINOR_VERSION);
    const std::string theirs = venv_python_version(config);
    if (theirs != ours && theirs.rfind(ours + ".", 0) != 0) {
        pyitt::print_stderr(
                   "pyitt-host: warning: VIRTUAL_ENV={} is for Python {}, but this pyitt-host embeds "
                   "Python {}; ignoring it\n",
                   venv, theirs.empty() ? "(unknown)" : theirs, ours);
        return paths.embedded_python;
    }
    return std::string(venv) + "/bin/python";
}

#if PY_VERSION_HEX < 0x030C0000
// 3.9-3.11: the frame-evaluation hook makes every Python call a C call (3.11 itself runs them on
// the heap; 3.9/3.10 nest less per call without it), so a recursion 50,000 deep that python runs
// would overflow the 8 MiB main stack. The program runs on a larger stack, reserved, not committed:
// memory is used only as deep as it goes. Same thread, same signals; rlimits untouched.
constexpr size_t kProgramStackSize = size_t{1} << 30;
constexpr size_t kGuardSize = 64 * 1024;  // below it: SIGSEGV, which the crash handler reports

struct ProgramOnLargeStack {
    ucontext_t caller{};
    ucontext_t program{};
    const std::function<void()>* before_program = nullptr;
    int status = 0;
};
ProgramOnLargeStack g_large_stack;

void enlarge_default_thread_stack();

// The host's own preparation runs there too: its Python code meets the frame-evaluation hook, which
// would otherwise find the main thread's stack bounds first (glibc reads /proc/self/maps for them).
void run_main_on_large_stack() {
    const stack_t& stack = g_large_stack.program.uc_stack;
    pyitt::instrument::set_stack_floor_for_this_thread(static_cast<char*>(stack.ss_sp) + kGuardSize,
                                                      stack.ss_size - kGuardSize);
    if (*g_large_stack.before_program) (*g_large_stack.before_program)();
    enlarge_default_thread_stack();
    g_large_stack.status = Py_RunMain();
}

// Threads the program starts get a larger default stack too (as reserved address space, committed
// only as deep as they go); threading.stack_size() still says 0, and a size the program sets wins.
constexpr size_t kThreadStackSize = size_t{64} << 20;

void enlarge_default_thread_stack() {
    pthread_attr_t attributes;
    if (::pthread_getattr_default_np(&attributes) != 0) return;
    size_t size = 0;
    if (::pthread_attr_getstacksize(&attributes, &size) == 0 && size < kThreadStackSize) {
        ::pthread_attr_setstacksize(&attributes, kThreadStackSize);
        ::pthread_setattr_default_np(&attributes);
    }
    ::pthread_attr_destroy(&attributes);
}

int run_main(const std::function<void()>& before_program) {
    g_large_stack.before_program = &before_program;
    for (size_t size = kProgramStackSize; size >= kProgramStackSize / 16; size /= 4) {
        void* base = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
                            -1, 0);
        if (base == MAP_FAILED) continue;  // strict overcommit: try smaller
        ::mprotect(base, kGuardSize, PROT_NONE);
        if (::getcontext(&g_large_stack.program) != 0) break;
        g_large_stack.program.uc_stack.ss_sp = base;
        g_large_stack.program.uc_stack.ss_size = size;
        g_large_stack.program.uc_link = &g_large_stack.caller;
        ::makecontext(&g_large_stack.program, run_main_on_large_stack, 0);
        if (::swapcontext(&g_large_stack.caller, &g_large_stack.program) != 0) break;
        return g_large_stack.status;
    }
    // No memory to reserve: the thread's own stack.
    if (before_program) before_program();
    enlarge_default_thread_stack();
    return Py_RunMain();
}
#else
int run_main(const std::function<void()>& before_program) {
    if (before_program) before_program();
    return Py_RunMain();
}
#endif

}  // namespace

int run_python(const Invocation& invocation, const HostPaths& paths, const ProgramHooks& hooks) {
    std::vector<char*> argv;
    for (const auto& arg : invocation.python_argv) argv.push_back(const_cast<char*>(arg.c_str()));
    const auto argc = static_cast<Py_ssize_t>(argv.size());

    // Pre-initialisation reads -E, -I, -X utf8 and -X dev from the command line, as python does.
    PyPreConfig preconfig;
    PyPreConfig_InitPythonConfig(&preconfig);
    preconfig.parse_argv = 1;
    check(Py_PreInitializeFromBytesArgs(&preconfig, argc, argv.data()));

    PyConfig config;
    PyConfig_InitPythonConfig(&config);
    config.parse_argv = 1;
    const std::string path_source = executable_for_paths(paths);
    // Python's own messages name the python they come from ("python3: can't open file ..."): the
    // embedded one, not pyitt-host.
    PyStatus status = PyConfig_SetBytesString(&config, &config.program_name, paths.embedded_python.c_str());
    if (!PyStatus_Exception(status)) {
        status = PyConfig_SetBytesString(&config, &config.executable, path_source.c_str());
    }
    if (!PyStatus_Exception(status)) status = PyConfig_SetBytesArgv(&config, argc, argv.data());
    if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    check(status);

    // Children started with sys.executable come back to the host, unless they are not to be followed.
    const std::string& children_executable = invocation.options.follow_children ? paths.host_executable : path_source;
    PyObject* executable = PyUnicode_DecodeFSDefault(children_executable.c_str());
    if (executable == nullptr || PySys_SetObject("executable", executable) != 0) {
        PyErr_Print();
        return 1;
    }
    Py_DECREF(executable);

    if (hooks.at_finalize != nullptr) Py_AtExit(hooks.at_finalize);
    return run_main(hooks.before_program);
}

}  // namespace pyitt::host
