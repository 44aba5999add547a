"""What a start leaves out (issue 16, the start): -b puts pyitt's own `profile`/`noprofile` in builtins
without importing pyitt, and patterns of a plain form are matched without importing `re`."""
import collections
import json
import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyitt_testing import run  # noqa: E402


def run_program(host, env, tmp_path, source, *options, python_flags=()):
    (tmp_path / "prog.py").write_text(textwrap.dedent(source))
    out = tmp_path / "out"
    result = run([host, "-o", out, "--trace-format", "json", *options, "--", *python_flags, "prog.py"], env=env,
                 cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (trace,) = out.glob("trace-*.json")
    events = json.loads(trace.read_text())["traceEvents"]
    return result, collections.Counter(e["name"] for e in events if e["ph"] == "X")


def test_b_puts_pyitts_own_regions_in_builtins_without_importing_pyitt(host, clean_env, tmp_path):
    source = """
        import sys
        print("pyitt" in sys.modules, type(profile).__name__, type(noprofile).__name__)
        def inner(): pass
        @profile
        def work(): inner()
        work()
        import pyitt
        print(pyitt.profile is profile, pyitt.noprofile is noprofile)
        with pyitt.profile:
            inner()
    """
    result, counts = run_program(host, clean_env, tmp_path, source, "-b")
    assert result.stdout.splitlines() == ["False _ProfileRegion _ProfileRegion", "True True"]
    assert counts == {"work": 1, "inner": 2}


PROGRAM = """
    def work(): pass
    def other_work(): pass
    def network(): pass
    for f in (work, other_work, network):
        f()
"""


def imported_modules(stderr):
    """The modules -X importtime saw imported (by the program, python's start or pyitt-host)."""
    return {line.rsplit("|", 1)[1].strip() for line in stderr.splitlines() if line.startswith("import time:")}


def test_plain_patterns_select_as_re_search_does_without_importing_re(host, clean_env, tmp_path):
    result, counts = run_program(host, clean_env, tmp_path, PROGRAM, "-R", "^work$", "^other",
                                 python_flags=("-X", "importtime"))
    assert counts == {"work": 1, "other_work": 1}
    assert "re" not in imported_modules(result.stderr) and "sre_compile" not in imported_modules(result.stderr)


def test_a_pattern_that_is_not_plain_is_still_a_regular_expression(host, clean_env, tmp_path):
    result, counts = run_program(host, clean_env, tmp_path, PROGRAM, "-R", "^wor[k]", "k$",
                                 python_flags=("-X", "importtime"))
    assert counts == {"work": 1, "network": 1, "other_work": 1}
    assert "re" in imported_modules(result.stderr)


def test_a_bad_regular_expression_is_still_a_usage_error(host, clean_env, tmp_path):
    (tmp_path / "prog.py").write_text("pass\n")
    result = run([host, "-o", tmp_path / "out", "-R", "^ok$", "fib(", "--", "prog.py"], env=clean_env, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "pyitt-host: error: -R: 'fib(' is not a Python regular expression: missing ), unterminated subpattern at position 3"]
