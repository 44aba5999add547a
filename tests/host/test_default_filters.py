"""The default exclusions, matched natively, mean exactly the regular expressions they are written as."""
import collections
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyitt_testing import read_trace, run, trace_files  # noqa: E402

FUNCTION_PATTERNS = ["^<.*>$"]
MODULE_PATTERNS = ["(encoder|decoder|threading)\\.py$", "^<.*>$", "(^|/)importlib(/|\\.|$)",
                   "(^|/)_distutils_hack(/|$)"]
NAMES = ["f", "<lambda>", "<a\nb>", "<x>\n", "<x>\n\n", "<", "<>", "x<y>", "<y>x", "\n<y>"]
FILES = ["/a/prog.py", "/a/json/encoder.py", "/a/decoder.py\n", "/a/threading.py/x", "xthreading.py",
         "<frozen importlib._bootstrap>", "<string>\n", "<a\nb>", "importlib", "importlib\n", "/x/importlib.py",
         "/x/importlib/__init__.py", "/x/myimportlib/y.py", "/x/importlibs/y.py", "/x/\udc80/importlib/y.py",
         "/x/importlib\udc80", "_distutils_hack", "/s/_distutils_hack/override.py", "/s/_distutils_hack.py",
         "/a/importlib_x.py", "/a/ximportlib"]
MODULES = ["prog", "importlib.util", "json.encoder", "importlibx", "a.importlib", "_distutils_hack.override"]


def expected_recorded(name, file, module):
    if any(re.search(p, name) for p in FUNCTION_PATTERNS):
        return False
    return not any(re.search(p, text) for p in MODULE_PATTERNS for text in (file, module))


def test_default_filters_mean_their_regular_expressions(host, clean_env, tmp_path):
    cases = [(n, f, "prog") for n in NAMES for f in FILES[:2]] + [("f", f, m) for f in FILES for m in MODULES]
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    program = tmp_path / "prog.py"
    program.write_text(
        "import json\n"
        "cases = json.loads(open('cases.json').read())\n"
        "for i, (name, file, module) in enumerate(cases):\n"
        "    ns = {'__name__': module}\n"
        "    exec(compile('def f():\\n    pass\\n', file, 'exec'), ns)\n"
        "    f = ns['f']\n"
        "    code = f.__code__.replace(co_name=name)\n"
        "    if hasattr(code, 'co_qualname'):\n"
        "        code = code.replace(co_qualname='case%d' % i)\n"
        "    f.__code__, f.__qualname__ = code, 'case%d' % i\n"
        "    ns['case%d' % i] = f\n"
        "    f()\n")
    out = tmp_path / "out"
    result = run([host, "-o", out, "--", program], env=clean_env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    [trace] = trace_files(out)
    recorded = collections.Counter(e["name"] for e in read_trace(trace)["traceEvents"] if e["ph"] == "X")
    wrong = [(case, expected_recorded(*case)) for i, case in enumerate(cases)
             if (f"case{i}" in recorded) != expected_recorded(*case)]
    assert not wrong
    assert 0 < sum(name.startswith("case") for name in recorded) < len(cases)
