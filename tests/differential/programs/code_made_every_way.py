"""Functions whose code objects come into being in every way a program's can: compiled from the
script, imported (source, then .pyc), exec'd and eval'd from strings, compile() + exec, marshal,
code.replace() + types.FunctionType, a zip import, the frozen stdlib, modules imported before the
program starts (encodings), and dataclasses' generated methods; each is called a known number of
times, some on a thread, some as generators and coroutines. For eval_frame_on_demand: a run that
selects any one of them must record its every call."""
import asyncio
import codecs
import dataclasses
import importlib
import marshal
import os
import sys
import threading
import types
import zipfile

here = os.path.dirname(os.path.abspath(__file__))
work = sys.argv[1]
sys.path.insert(0, work)


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


print("fib", fib(10))

with open(os.path.join(work, "made_module.py"), "w") as f:
    f.write("def helper_in_module(x):\n    return x * 3\n"
            "def numbers(n):\n    for i in range(n):\n        yield i\n"
            "async def twice(x):\n    return 2 * x\n")
made_module = importlib.import_module("made_module")
print("module", [made_module.helper_in_module(i) for i in range(3)], sum(made_module.numbers(4)),
      asyncio.run(made_module.twice(5)))

namespace = {}
exec("def made_by_exec(x):\n    return x + 1\n", namespace)
print("exec", namespace["made_by_exec"](1), namespace["made_by_exec"](2))
made_by_eval = eval("lambda: [made_in_eval() for made_in_eval in [lambda: 7]]")
print("eval", made_by_eval())

code = compile("def from_compiled():\n    return 'compiled'\n", "<compiled>", "exec")
exec(code, namespace)
print("compile", namespace["from_compiled"]())

loaded = marshal.loads(marshal.dumps(compile("def from_marshal():\n    return 'marshal'\n", "<marshal>", "exec")))
exec(loaded, namespace)
print("marshal", namespace["from_marshal"](), namespace["from_marshal"]())


def template():
    return "replaced"


renamed = types.FunctionType(template.__code__.replace(co_name="renamed", co_qualname="renamed"), {})
print("replace", renamed(), renamed())

archive = os.path.join(work, "zipped.zip")
with zipfile.ZipFile(archive, "w") as z:
    z.writestr("zipped_module.py", "def zipped():\n    return 'zip'\n")
sys.path.insert(0, archive)
import zipped_module  # noqa: E402

print("zip", zipped_module.zipped())

print("frozen", os.path.commonprefix(["/a/b", "/a/c"]), os.path.commonprefix(["x", "y"]))

for name in ("koi8_r", "cp437", "mac_roman"):
    codecs.lookup(name)
print("encodings looked up")


@dataclasses.dataclass
class Point:
    x: int
    y: int = 0


print("dataclass", Point(1), Point(2, 3))


def in_thread(n):
    return sum(range(n))


worker = threading.Thread(target=lambda: [in_thread(i) for i in range(5)], name="worker")
worker.start()
worker.join()
print("thread done")
