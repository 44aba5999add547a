// Sees every code object libpython's compiler and marshal make (3.11, static libpython): pyitt-host
// is linked with --wrap=_PyCode_New, which sends their calls of the constructor here
// (module/instrument/eval_frame_on_demand.h says what for). Only those two files call it from outside
// its own; they make every code object but the frozen modules' and types.CodeType's.
#include "code_creation.h"

#include <Python.h>

#include "eval_frame_on_demand.h"
#include "program_setup.h"

extern "C" {
PyCodeObject* __real__PyCode_New(void* constructor);

PyCodeObject* __wrap__PyCode_New(void* constructor) {
    PyCodeObject* code = __real__PyCode_New(constructor);
    if (auto* made = pyitt::instrument::g_code_made; made != nullptr && code != nullptr) [[unlikely]] made(code);
    return code;
}
}

namespace pyitt::host {

void watch_code_creation(const HostOptions& options) {
    if (options.collector == "none") return;  // nothing is instrumented
    pyitt::instrument::watch_code_made_from_start(instrument_config(options));
}

}  // namespace pyitt::host
