"""`cmake --install` gives a complete, relocatable tree: installed into one prefix and moved to
another, pyitt-host runs from anywhere, finds its collector, and nothing names the build machine's
checkout; setup-env.sh, the modulefile and the man page work; --version says where it all is."""
import gzip
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyitt_testing import REPO, run  # noqa: E402


def site_dir(python_exe: str) -> str:
    """The embedded Python's site-packages, relative to a prefix (what setup-env.sh puts on PYTHONPATH)."""
    return run([python_exe, "-c", "import sysconfig; print(sysconfig.get_path('platlib', 'posix_prefix', "
                "vars={'platbase': '', 'base': ''}).lstrip('/'))"]).stdout.strip()


@pytest.fixture(scope="module")
def installed(build_dir, tmp_path_factory):
    """(original prefix, moved prefix): the whole install, made in one place and moved to another."""
    if shutil.which("cmake") is None:
        pytest.skip("no cmake")
    root = tmp_path_factory.mktemp("install")
    prefix = root / "first" / "prefix"
    result = run(["cmake", "--install", build_dir, "--prefix", prefix])
    assert result.returncode == 0, result.stdout + result.stderr
    moved = root / "elsewhere" / "deeper" / "pyitt"
    moved.parent.mkdir(parents=True)
    prefix.rename(moved)
    return prefix, moved


def test_install_tree_has_everything(installed, python_exe):
    _, prefix = installed
    version = re.match(r"pyitt-host (\S+)\n", run([prefix / "bin" / "pyitt-host", "--version"]).stdout).group(1)
    site = prefix / site_dir(python_exe)
    assert os.access(prefix / "bin" / "pyitt-host", os.X_OK)
    assert (prefix / "lib" / "pyitt-host" / "libpyitt-collector.so").is_file()
    assert len(list(site.glob("pyitt.cpython-*.so"))) == 1
    assert (site / "pyitt-stubs" / "__init__.pyi").is_file()
    assert (prefix / "share" / "pyitt-host" / "samples" / "fib.py").is_file()
    assert (prefix / "share" / "pyitt-host" / "setup-env.sh").is_file()
    assert (prefix / "share" / "modulefiles" / "pyitt-host" / version).is_file()
    assert (prefix / "share" / "man" / "man1" / "pyitt-host.1.gz").is_file()
    assert (prefix / "share" / "doc" / "pyitt-host" / "LICENSE").is_file()
    assert not list(prefix.rglob("__pycache__"))


def test_moved_install_runs_a_sample_from_an_unrelated_directory(installed, unrelated, check_fib_run):
    original, prefix = installed
    assert not original.exists()
    check_fib_run(prefix / "bin" / "pyitt-host", prefix / "share" / "pyitt-host" / "samples" / "fib.py", unrelated)


def test_installed_extension_imports_with_stubs(build_dir, python_exe, clean_env, tmp_path):
    """The `python` component alone: plain python imports pyitt from the prefix's site-packages."""
    if shutil.which("cmake") is None:
        pytest.skip("no cmake")
    prefix = tmp_path / "prefix"
    installed = subprocess.run(["cmake", "--install", str(build_dir), "--prefix", str(prefix), "--component", "python"],
                               capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr
    site = prefix / site_dir(python_exe)
    assert {p.parent for p in prefix.rglob("pyitt*.so")} == {site}
    assert (site / "pyitt-stubs" / "__init__.pyi").exists()
    assert (site / "pyitt-stubs" / "compatibility_layers" / "itt_python" / "__init__.pyi").exists()
    env = dict(clean_env, PYTHONPATH=str(site))
    result = run([python_exe, "-c", "import pyitt, pyitt.compatibility_layers.itt_python as itt; "
                  "print(pyitt.__file__); print(pyitt.in_host, callable(itt.task_begin))"], env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    path, flags = result.stdout.splitlines()
    assert path.startswith(str(site)) and flags == "False True"


def test_no_build_or_source_path_in_installed_files(installed, build_dir):
    _, prefix = installed
    needles = {os.fsencode(p) for p in (REPO, REPO.resolve(), build_dir, build_dir.resolve())}
    found = []
    for path in prefix.rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            if path.suffix == ".gz":
                data += gzip.decompress(data)
            found += [f"{path.relative_to(prefix)}: {n.decode()}" for n in needles if n in data]
    assert not found


def runpaths(path: Path) -> list:
    out = run(["readelf", "-d", path]).stdout
    return [d for m in re.finditer(r"\((?:RPATH|RUNPATH)\)\s+Library r(?:un)?path: \[(.*)\]", out)
            for d in m.group(1).split(":")]


def test_rpaths_name_no_directory_of_ours(installed, build_dir, python_exe):
    """Nothing we install needs a library of ours (the collector is loaded by its path): no RPATH
    makes the dynamic loader search a directory of the install for system libraries, and only a
    libpython outside the system directories (pyenv) is found through one."""
    if shutil.which("readelf") is None:
        pytest.skip("no readelf")
    _, prefix = installed
    assert runpaths(prefix / "lib" / "pyitt-host" / "libpyitt-collector.so") == []
    libpl = run([python_exe, "-c", "import sysconfig; print(sysconfig.get_config_var('LIBDIR'))"]).stdout.strip()
    assert set(runpaths(prefix / "bin" / "pyitt-host")) <= {libpl}
    for binary in [prefix / "bin" / "pyitt-host", *prefix.rglob("*.so")]:
        for entry in runpaths(binary):
            # A pyenv libpython keeps its own absolute directory: never one of this checkout.
            assert entry.startswith("$ORIGIN") or (
                os.path.isabs(entry) and not Path(entry).resolve().is_relative_to(REPO.resolve())
                and not Path(entry).resolve().is_relative_to(build_dir.resolve())), (binary, entry)


def test_setup_env_puts_the_moved_install_on_path(installed, python_exe, unrelated, user_env):
    _, prefix = installed
    setup = prefix / "share" / "pyitt-host" / "setup-env.sh"
    site = prefix / site_dir(python_exe)
    script = (f'. "{setup}" && . "{setup}" && command -v pyitt-host && echo "$PATH" && echo "$PYTHONPATH" && '
              f'"{python_exe}" -c "import pyitt; print(pyitt.__file__, pyitt.in_host)" && pyitt-host --version')
    result = run(["bash", "-c", script], env=user_env, cwd=unrelated)
    assert result.returncode == 0, result.stderr
    found, path, pythonpath, imported, *version = result.stdout.splitlines()
    assert found == str(prefix / "bin" / "pyitt-host")
    assert path.split(":").count(str(prefix / "bin")) == 1  # sourced twice, added once
    assert pythonpath == str(site)
    assert imported.startswith(str(site) + "/pyitt.cpython-") and imported.endswith(" False")
    assert f"installed at {prefix / 'bin' / 'pyitt-host'}" in version


def test_setup_env_in_a_shell_that_cannot_tell_where_it_is(installed, unrelated, user_env):
    _, prefix = installed
    setup = prefix / "share" / "pyitt-host" / "setup-env.sh"
    if shutil.which("dash") is None:
        pytest.skip("no dash")
    lost = run(["dash", "-c", f'. "{setup}"; echo "$PATH"'], env=user_env, cwd=unrelated)
    assert "PYITT_HOST_PREFIX" in lost.stderr and str(prefix) not in lost.stdout
    told = run(["dash", "-c", f'. "{setup}"; command -v pyitt-host'], env=dict(user_env, PYITT_HOST_PREFIX=str(prefix)),
               cwd=unrelated)
    assert told.returncode == 0 and told.stdout.strip() == str(prefix / "bin" / "pyitt-host"), told.stderr


def test_modulefile_loads_the_moved_install(installed, python_exe, unrelated, user_env):
    init = Path("/usr/share/modules/init/bash")
    if not init.exists():
        pytest.skip("Environment Modules is not installed (Debian package environment-modules)")
    _, prefix = installed
    script = (f'. {init} && module use "{prefix}/share/modulefiles" && module load pyitt-host && '
              f'command -v pyitt-host && "{python_exe}" -c "import pyitt; print(pyitt.__file__)" && '
              f'module unload pyitt-host && echo "$PATH"')
    result = run(["bash", "-c", script], env=user_env, cwd=unrelated)
    assert result.returncode == 0, result.stderr
    found, imported, path_after = result.stdout.splitlines()
    assert found == str(prefix / "bin" / "pyitt-host")
    assert imported.startswith(str(prefix / site_dir(python_exe)))
    assert str(prefix) not in path_after
    assert "ERROR" not in result.stderr, result.stderr


def test_man_page_is_a_manual(installed, host, user_env):
    """help2man's page: the help's synopsis and options, and the sections a manual has that --help
    leaves to it; man (groff) has nothing to warn about."""
    if shutil.which("man") is None:
        pytest.skip("no man")
    _, prefix = installed
    page = prefix / "share" / "man" / "man1" / "pyitt-host.1.gz"
    env = dict(user_env, LC_ALL="C.UTF-8", MANWIDTH="120", MAN_KEEP_FORMATTING="")
    shown = run(["man", "--warnings", "-l", page], env=env)
    assert shown.returncode == 0 and shown.stderr == "", shown.stderr  # groff's warnings included
    source = gzip.decompress(page.read_bytes()).decode()
    assert "generated by help2man" in source and '.TH PYITT-HOST "1"' in source

    def flat(text: str) -> str:
        return " ".join(text.replace("\u2010", "-").replace("\u2212", "-").replace("\u00ad", "").split())

    text = flat(shown.stdout)
    sections = [line for line in shown.stdout.splitlines() if re.fullmatch(r"[A-Z][A-Z ]+", line)]
    assert sections == ["NAME", "SYNOPSIS", "DESCRIPTION", "EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES",
                        "SEE ALSO"]
    assert "NAME pyitt-host - run a Python program with its calls as Intel ITT tasks SYNOPSIS" in text
    assert "pyitt-host [OPTIONS] [--] SCRIPT [ARGS...] pyitt-host [OPTIONS] -- [PYTHON-FLAGS]" in text
    for variable in ("PYITT_OUTPUT_DIR", "PYITT_HOST_OPTIONS", "INTEL_LIBITTNOTIFY64", "PYITT_PROCESS_NAME",
                     "PYITT_COLLECTOR_CLOCK", "PYITT_COLLECTOR_BUFFER_EVENTS"):
        assert f"ENVIRONMENT" in text and re.search(rf"ENVIRONMENT .*\b{variable}\b.* FILES", text), variable
    for name in ("trace-PID.perfetto-trace", "trace-PID.json", "summary-PID.txt", "trace.perfetto-trace", "trace.json",
                 "summary.txt", "unfinished-PID.txt"):
        assert re.search(rf"FILES .*{re.escape(name)}.* EXAMPLES", text), name
    # Every option of --help is in the page, spelled as in the help.
    help_text = run([host, "--help"], env=dict(user_env, COLUMNS="80")).stdout
    for line in help_text.splitlines():
        if line.startswith("  -"):
            spec = re.split(r"\s{2,}", line.strip())[0]
            assert f" {spec} " in text, spec
    for glitch in ("FILE:FILE", "{false}", "... ...", "Usage: [OPTIONS]", ":{"):
        assert glitch not in text, glitch


def test_version_says_where_it_is_and_which_collector(installed, unrelated, tmp_path, user_env):
    _, prefix = installed
    host = prefix / "bin" / "pyitt-host"
    collector = prefix / "lib" / "pyitt-host" / "libpyitt-collector.so"
    result = run([host, "--version"], env=user_env, cwd=unrelated)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert f"installed at {host}" in lines
    assert f"default collector: built-in {collector}" in lines

    vtune = tmp_path / "libittnotify_collector.so"
    vtune.write_bytes(b"")
    result = run([host, "--version"], env=dict(user_env, INTEL_LIBITTNOTIFY64=str(vtune)), cwd=unrelated)
    [line] = [x for x in result.stdout.splitlines() if x.startswith("default collector: ")]
    assert line.startswith(f"default collector: INTEL_LIBITTNOTIFY64={vtune} ")
    assert "no such file" not in line and f"the built-in {collector} is not used" in line

    alone = tmp_path / "bin" / "pyitt-host"  # a host without its collector
    alone.parent.mkdir()
    shutil.copy2(host, alone)
    result = run([alone, "--version"], env=dict(user_env, INTEL_LIBITTNOTIFY64=""), cwd=unrelated)
    assert result.returncode == 0, result.stderr
    assert f"installed at {alone}" in result.stdout
    [line] = [x for x in result.stdout.splitlines() if x.startswith("default collector: ")]
    assert line.startswith("default collector: none: the built-in libpyitt-collector.so is missing")


def test_version_in_the_build_tree(host, build_dir, clean_env):
    result = run([host, "--version"], env=clean_env)
    assert result.returncode == 0, result.stderr
    assert f"installed at {host.resolve()}" in result.stdout.splitlines()
    assert f"default collector: built-in {(build_dir / 'libpyitt-collector.so').resolve()}" in result.stdout.splitlines()
