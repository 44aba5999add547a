"""Records some calls, then crashes (a NULL read): under -X faulthandler python prints the
traceback and dies of SIGSEGV; the trace holds what was recorded before."""
import ctypes
import faulthandler


def before(n):
    return n


for n in range(25):
    before(n)
print("faulthandler", faulthandler.is_enabled(), flush=True)
ctypes.string_at(0)
