"""pyitt-host runs any program exactly as the embedded python does: a differential suite.

Each case runs the same python command line through `python` and through `pyitt-host --` (and,
for scripts, omnitrace's form without `--`), and requires the same stdout, stderr (the
executable's name aside) and exit status.
"""
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyitt_testing import run, without_host_report  # noqa: E402



def default_sigint():
    """A child started from a background job inherits SIGINT ignored; a terminal's child does not."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def normalized(text, *executables):
    text = without_host_report(text)
    for exe in executables:
        text = text.replace(str(exe), "<EXE>")
    return text


class Differ:
    """Runs one python command line under python and under pyitt-host and compares them."""

    def __init__(self, host, python_exe, env, workdir):
        self.host, self.python, self.env, self.workdir = host, python_exe, env, workdir

    def write(self, name, source):
        path = self.workdir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
        return path

    def both(self, args, *, input=None, env=None, cwd=None, host_forms=("--",)):
        env = env or self.env
        cwd = cwd or self.workdir
        expected = run([self.python, *args], env=env, cwd=cwd, input=input)
        results = []
        for form in host_forms:
            prefix = [self.host, "--"] if form == "--" else [self.host]
            results.append(run([*prefix, *args], env=env, cwd=cwd, input=input))
        return expected, results

    def same(self, args, **kwargs):
        expected, results = self.both(args, **kwargs)
        exes = (self.host, self.python)
        for got in results:
            assert got.returncode == expected.returncode, (got.stderr, expected.stderr)
            assert normalized(got.stdout, *exes) == normalized(expected.stdout, *exes)
            assert normalized(got.stderr, *exes) == normalized(expected.stderr, *exes)
        return expected


@pytest.fixture
def differ(host, python_exe, clean_env, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    return Differ(host, python_exe, clean_env, work)


BOTH_FORMS = ("--", "bare")

SHOW_ARGV = """
    import sys
    print(sys.argv)
    print(repr(sys.path[0]))
    print([a if i else 'EXE' for i, a in enumerate(sys.orig_argv)] if hasattr(sys, 'orig_argv') else '')
"""


def test_script_argv_and_path(differ):
    differ.write("prog.py", SHOW_ARGV)
    differ.same(["prog.py", "a", "-x", "--y", "with space", "ünï"], host_forms=BOTH_FORMS)


def test_script_in_other_directory_sets_path0_to_its_directory(differ, tmp_path):
    script = differ.write("sub/dir/prog.py", SHOW_ARGV)
    differ.same([str(script), "arg"], cwd=tmp_path, host_forms=BOTH_FORMS)


def test_dash_c_argv_and_path(differ):
    differ.same(["-c", "import sys; print(sys.argv, repr(sys.path[0]), __name__)", "a", "b"])


def test_dash_m_module(differ):
    differ.write("mymod.py", """
        import sys
        print(__name__, __file__, __spec__.name, sys.argv)
        print(repr(sys.path[0]))
    """)
    differ.same(["-m", "mymod", "x", "y"])


def test_dash_m_package_runs_its_main(differ):
    differ.write("pkg/__init__.py", "print('init', __name__)\n")
    differ.write("pkg/__main__.py", """
        import sys
        print('main', __name__, __spec__.name, __package__, sys.argv)
    """)
    differ.same(["-m", "pkg", "arg"])


def test_dash_m_stdlib_module(differ):
    differ.write("data.json", '{"b": 1, "a": [1, 2]}')
    differ.same(["-m", "json.tool", "--sort-keys", "data.json"])


def test_dash_m_missing_module(differ):
    result = differ.same(["-m", "no_such_module_here"])
    assert result.returncode == 1


def test_stdin_with_dash(differ):
    differ.same(["-", "arg1"], input="import sys\nprint('from stdin', sys.argv, __name__)\n")


def test_stdin_without_program(differ):
    differ.same([], input="import sys\nprint('piped', sys.argv)\n")


@pytest.mark.parametrize("code,status", [
    ("raise SystemExit(3)", 3),
    ("import sys; sys.exit('fatal: stopped')", 1),
    ("import sys; sys.exit(None)", 0),
    ("import sys; sys.exit(256 + 7)", None),
    ("raise ValueError('boom')", 1),
])
def test_exit_status_and_messages(differ, code, status):
    differ.write("prog.py", code + "\n")
    result = differ.same(["prog.py"], host_forms=BOTH_FORMS)
    if status is not None:
        assert result.returncode == status


def test_syntax_error_traceback(differ):
    differ.write("bad.py", "def f(:\n    pass\n")
    result = differ.same(["bad.py"], host_forms=BOTH_FORMS)
    assert result.returncode == 1 and "SyntaxError" in result.stderr


def test_missing_script(differ):
    result = differ.same(["no_such_script.py"], host_forms=BOTH_FORMS)
    assert result.returncode == 2 and "can't open file" in result.stderr


def test_directory_without_main(differ):
    (differ.workdir / "adir").mkdir()
    differ.same(["adir"], host_forms=BOTH_FORMS)


def test_directory_with_main(differ):
    differ.write("app/__main__.py", "import sys; print('app main', __name__, sys.argv)\n")
    differ.same(["app", "x"], host_forms=BOTH_FORMS)


def test_unreadable_script(differ):
    script = differ.write("secret.py", "print('read anyway')\n")
    script.chmod(0)
    differ.same(["secret.py"], host_forms=BOTH_FORMS)


def test_main_module_identity_and_pickling(differ):
    differ.write("prog.py", """
        import pickle, sys
        import __main__
        def work(x):
            return x * 2
        class Thing:
            pass
        print(__main__.__dict__ is globals(), sys.modules['__main__'] is __main__)
        print(__file__, __spec__)
        print(pickle.loads(pickle.dumps(work))(21), type(pickle.loads(pickle.dumps(Thing()))).__name__)
    """)
    differ.same(["prog.py"], host_forms=BOTH_FORMS)


def test_child_with_sys_executable(differ):
    differ.write("child.py", "import sys; print('child', sys.argv[1:], __name__)\n")
    differ.write("prog.py", """
        import subprocess, sys
        subprocess.run([sys.executable, 'child.py', 'a', 'b'], check=True)
        subprocess.run([sys.executable, '-c', 'import sys; print("code", sys.argv)', 'z'], check=True)
        r = subprocess.run([sys.executable, '-c', 'raise SystemExit(5)'])
        print('child status', r.returncode)
        out = subprocess.run([sys.executable, '-'], input=b'print(6*7)', capture_output=True).stdout
        print('stdin child', out)
    """)
    differ.same(["prog.py"], host_forms=BOTH_FORMS)


@pytest.mark.parametrize("method", ["spawn", "forkserver", "fork"])
def test_multiprocessing_pool_with_script_function(differ, method):
    differ.write("pool.py", f"""
        import multiprocessing as mp
        def square(x):
            return x * x
        if __name__ == '__main__':
            ctx = mp.get_context('{method}')
            with ctx.Pool(2) as pool:
                print(sorted(pool.map(square, range(8))))
            p = ctx.Process(target=print, args=('from process',))
            p.start(); p.join()
            print('exitcode', p.exitcode)
    """)
    differ.same(["pool.py"], host_forms=BOTH_FORMS)


def test_non_daemon_threads_joined_and_atexit(differ):
    differ.write("prog.py", """
        import atexit, threading, time
        atexit.register(lambda: print('atexit ran'))
        def late():
            time.sleep(0.3)
            print('thread finished after main')
        threading.Thread(target=late).start()
        print('main done')
    """)
    differ.same(["prog.py"], host_forms=BOTH_FORMS)


def test_unbuffered_flag(differ):
    differ.write("prog.py", """
        import sys
        print(sys.flags.unbuffered, sys.stdout.write_through, sys.stdout.line_buffering)
        sys.stdout.write('out1 '); sys.stderr.write('err1 '); sys.stdout.write('out2\\n')
    """)
    differ.same(["-u", "prog.py"])


def test_buffering_without_u_keeps_order_in_a_pipe(differ):
    differ.write("prog.py", "import sys\nfor i in range(3):\n    print(i)\n    print('e', i, file=sys.stderr)\n")
    differ.same(["prog.py"])


def test_optimize_flags(differ):
    differ.write("prog.py", '''
        """module doc"""
        import sys
        def f():
            """doc"""
        assert False, 'asserts are on'
        print(sys.flags.optimize, __debug__, f.__doc__, __doc__)
    ''')
    differ.same(["-O", "prog.py"])
    differ.same(["-OO", "prog.py"])


FLAGS = "import sys; f = sys.flags; print([(n, getattr(f, n)) for n in dir(f) if not n.startswith('_') and n not in ('count', 'index')], sys.warnoptions, sys._xoptions, sys.dont_write_bytecode)"


@pytest.mark.parametrize("flags", [
    ["-B"], ["-E"], ["-I"], ["-s"], ["-S"], ["-q"], ["-b"], ["-R"],
    ["-W", "error"], ["-Wignore::DeprecationWarning"], ["-X", "utf8"], ["-X", "dev"],
    ["-X", "faulthandler", "-X", "pycache_prefix=pycache"], ["-B", "-s", "-S", "-E", "-u", "-O"],
])
def test_flags_reach_sys_flags(differ, flags):
    differ.same([*flags, "-c", FLAGS])


def test_verbose_flag_sets_sys_flags(host, clean_env, tmp_path):
    result = run([host, "--", "-v", "-c", "import sys; print('verbose', sys.flags.verbose)"], env=clean_env,
                 cwd=tmp_path)
    assert result.returncode == 0
    assert "verbose 1" in result.stdout


def test_warning_options(differ):
    differ.write("prog.py", "import warnings\nwarnings.warn('careful', UserWarning)\nprint('after')\n")
    differ.same(["prog.py"])
    differ.same(["-W", "error", "prog.py"])


def test_keyboard_interrupt_ends_by_sigint(differ):
    differ.write("prog.py", "print('before', flush=True)\nraise KeyboardInterrupt\n")
    result = differ.same(["prog.py"], host_forms=BOTH_FORMS)
    assert result.returncode == -signal.SIGINT


def test_real_sigint_while_running(host, python_exe, clean_env, tmp_path):
    script = tmp_path / "sleepy.py"
    script.write_text("import time\nprint('ready', flush=True)\ntime.sleep(30)\n")
    statuses = []
    for cmd in ([python_exe, script], [host, "--", script]):
        proc = subprocess.Popen([str(c) for c in cmd], env=clean_env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True,
                                preexec_fn=default_sigint)
        assert proc.stdout.readline() == "ready\n"
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
        statuses.append(proc.returncode)
    assert statuses[0] == statuses[1] == -signal.SIGINT


def test_python_help_and_version_after_dashdash(differ):
    differ.same(["-V"])
    differ.same(["-h"])


def test_python_usage_error_after_dashdash(differ):
    result = differ.same(["-Z"])
    assert result.returncode == 2


def test_virtual_environment_is_honoured(host, python_exe, clean_env, tmp_path):
    venv = tmp_path / "venv"
    made = run([python_exe, "-m", "venv", "--without-pip", venv], env=clean_env)
    if made.returncode != 0:
        pytest.skip(f"this python cannot make a venv: {made.stderr.strip()}")
    version = run([python_exe, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"]).stdout.strip()
    site = venv / "lib" / f"python{version}" / "site-packages"
    (site / "venv_only_module.py").write_text("WHERE = 'venv'\n")
    env = dict(clean_env, VIRTUAL_ENV=str(venv), PATH=f"{venv}/bin:{clean_env.get('PATH', '')}")
    code = ("import sys, site, venv_only_module; "
            "print(sys.prefix, sys.base_prefix != sys.prefix, venv_only_module.WHERE); "
            "print([p for p in sys.path if 'site-packages' in p or 'dist-packages' in p])")
    expected = run([venv / "bin" / "python", "-c", code], env=env, cwd=tmp_path)
    got = run([host, "--", "-c", code], env=env, cwd=tmp_path)
    assert expected.returncode == 0, expected.stderr
    assert (got.returncode, got.stdout, without_host_report(got.stderr)) == (0, expected.stdout, expected.stderr)


def test_sys_executable_is_the_host(host, clean_env, tmp_path):
    code = "import sys, os; print(sys.executable); print(os.path.isabs(sys.executable))"
    result = run([host, "--", "-c", code], env=clean_env, cwd=tmp_path)
    assert result.stdout.split() == [str(host), "True"]
    relative = run([Path(os.path.relpath(host, tmp_path))] + ["--", "-c", code], env=clean_env, cwd=tmp_path)
    assert relative.stdout.split() == [str(host), "True"]


def test_children_come_back_to_the_host(host, clean_env, tmp_path):
    code = ("import subprocess, sys; "
            "print(subprocess.run([sys.executable, '-c', 'import sys, pyitt; print(sys.executable, pyitt.in_host)'], "
            "capture_output=True, text=True).stdout.strip())")
    result = run([host, "--", "-c", code], env=clean_env, cwd=tmp_path)
    assert result.stdout.split() == [str(host), "True"], result.stderr
