"""The packages CPack makes: a .tar.gz that is a relocatable install tree, and, for a build that
embeds Debian's Python, a .deb that lintian accepts, that installs, runs, gives python3 `import
pyitt`, and leaves nothing behind once removed. The .deb is installed by `dpkg --root` into a
directory of the test's: the system's own packages are never touched, as root neither."""
import gzip
import os
import re
import shutil
import sys
import tarfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyitt_testing import REPO, run  # noqa: E402


def debian_python(python_exe: str) -> bool:
    """Whether the embedded Python is one of Debian's packages (then there must be a .deb)."""
    if shutil.which("dpkg-query") is None:
        return False
    return run(["dpkg-query", "-S", os.path.realpath(python_exe)]).returncode == 0


@pytest.fixture(scope="module")
def packages(build_dir, tmp_path_factory) -> dict:
    """{"tgz": path, "deb": path or None}: what `cpack` makes of the build, in a scratch directory."""
    if shutil.which("cpack") is None:
        pytest.skip("no cpack")
    out = tmp_path_factory.mktemp("cpack")
    result = run(["cpack", "--config", build_dir / "CPackConfig.cmake", "-B", out], cwd=out, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    [tgz] = out.glob("*.tar.gz")
    debs = list(out.glob("*.deb"))
    assert len(debs) <= 1
    return {"tgz": tgz, "deb": debs[0] if debs else None}


def test_tarball_is_a_relocatable_tree(packages, python_exe, build_dir, tmp_path, unrelated, user_env, check_fib_run):
    with tarfile.open(packages["tgz"]) as archive:
        names = archive.getnames()
        [top] = {n.split("/")[0] for n in names}
        assert re.fullmatch(r"pyitt-host-py3\d+-\d+\.\d+\.\d+-Linux-\w+", top), top
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}  # Python 3.12+ asks for one
        archive.extractall(tmp_path / "unpacked", **safe)
    prefix = tmp_path / "unpacked" / top
    check_fib_run(prefix / "bin" / "pyitt-host", prefix / "share" / "pyitt-host" / "samples" / "fib.py", unrelated)
    assert "not stripped" not in run(["file", "-L", prefix / "bin" / "pyitt-host"]).stdout
    setup = prefix / "share" / "pyitt-host" / "setup-env.sh"
    imported = run(["bash", "-c", f'. "{setup}" && "{python_exe}" -c "import pyitt; print(pyitt.__file__)"'],
                   env=user_env, cwd=unrelated)
    assert imported.returncode == 0 and imported.stdout.startswith(str(prefix) + "/lib/"), imported.stderr
    needles = {os.fsencode(p) for p in (REPO, REPO.resolve(), build_dir, build_dir.resolve())}
    leaks = [str(p) for p in prefix.rglob("*") if p.is_file() and any(n in p.read_bytes() for n in needles)]
    assert not leaks


def test_deb_only_for_debian_python(packages, python_exe):
    if debian_python(python_exe):
        assert packages["deb"] is not None, "the embedded Python is Debian's: cpack should make a .deb"
    else:
        assert packages["deb"] is None


@pytest.fixture
def deb(packages, python_exe):
    if not debian_python(python_exe):
        pytest.skip("the embedded Python is not a Debian package")
    return packages["deb"]


def control(deb: Path) -> dict:
    text = run(["dpkg-deb", "--field", deb]).stdout
    return dict(re.findall(r"^([\w-]+): (.*)$", text, re.M))


def test_deb_control_and_depends(deb, python_exe, tmp_path):
    fields = control(deb)
    version = run([python_exe, "-c", "import sys; print('%d %d' % sys.version_info[:2])"]).stdout.split()
    major, minor = map(int, version)
    assert fields["Package"] == f"pyitt-host-py{major}{minor}"
    depends = [d.strip() for d in fields["Depends"].split(",")]
    assert f"python{major}.{minor} (>= {major}.{minor}" in fields["Depends"]
    assert f"python3 (>= {major}.{minor}~)" in depends and f"python3 (<< {major}.{minor + 1})" in depends
    # Every shared library a binary of the package needs comes from a package it depends on.
    names = {d.split()[0] for d in depends}
    tree = tmp_path / "tree"
    assert run(["dpkg-deb", "-x", deb, tree]).returncode == 0
    needed = set()
    for binary in [tree / "usr" / "bin" / "pyitt-host", *tree.rglob("*.so")]:
        needed |= set(re.findall(r"\(NEEDED\)\s+Shared library: \[(.+)\]", run(["readelf", "-d", binary]).stdout))
    assert "libc.so.6" in needed
    for library in sorted(needed):
        owner = package_of_library(library)
        assert owner, f"{library} is not a library of an installed package"
        assert owner in names, f"{library} ({owner}) is not in Depends: {fields['Depends']}"


def test_deb_names_one_real_maintainer(deb, tmp_path):
    """The same maintainer in the control file, the changelog and the copyright, and not a placeholder."""
    maintainer = control(deb)["Maintainer"]
    assert re.fullmatch(r"[^<>]+ <[^@<>\s]+@[^@<>\s]+\.[a-z]+>", maintainer), maintainer
    assert not re.search(r"@(example\.(org|com|net)|localhost)\b", maintainer), maintainer
    tree = tmp_path / "tree"
    assert run(["dpkg-deb", "-x", deb, tree]).returncode == 0
    [docs] = (tree / "usr" / "share" / "doc").iterdir()
    changelog = gzip.decompress((docs / "changelog.gz").read_bytes()).decode()
    assert f" -- {maintainer}  " in changelog
    assert f"Upstream-Contact: {maintainer}\n" in (docs / "copyright").read_text()


def package_of_library(name: str) -> str:
    """The Debian package that holds the system's shared library `name` (libfmt.so.9), or ""."""
    word = "x86-64" if os.uname().machine == "x86_64" else ""
    for flags, path in re.findall(rf"^\s+{re.escape(name)} \(([^)]*)\) => (\S+)$", run(["ldconfig", "-p"]).stdout,
                                  re.M):
        if word not in flags:
            continue
        real = os.path.realpath(path)
        candidates = [path, real, os.path.join(os.path.dirname(path), os.path.basename(real))]
        # With merged /usr, dpkg knows a file under one of /lib and /usr/lib only.
        candidates += [c[len("/usr"):] if c.startswith("/usr/") else "/usr" + c for c in candidates]
        for candidate in candidates:
            found = run(["dpkg-query", "-S", candidate])
            if found.returncode == 0:
                return found.stdout.split(":")[0]
    return ""


def test_lintian_finds_no_errors(deb):
    if shutil.which("lintian") is None:
        pytest.skip("no lintian (Debian package lintian)")
    result = run(["lintian", "--no-tag-display-limit", "--display-info", deb], timeout=300)
    assert result.returncode in (0, 1), result.stderr  # 1: tags of lower severity were reported
    lines = (result.stdout + result.stderr).splitlines()
    errors = [line for line in lines if line.startswith("E:")]
    assert not errors, result.stdout
    # Nothing at all about the man page (groff's warnings, its NAME as whatis reads it, its section).
    about_the_manual = [line for line in lines if re.match(r"[EWIP]: ", line) and ("manpage" in line or "usr/share/man/" in line)]
    assert not about_the_manual, result.stdout


def dpkg_root(tmp_path: Path, deb: Path) -> Path:
    """A directory for `dpkg --root`: dpkg's database there knows only the packages the .deb depends on,
    copied from this system's, so installing checks its Depends as `dpkg -i` would, and changes nothing
    outside the directory."""
    root = tmp_path / "dpkg-root"
    admin = root / "var" / "lib" / "dpkg"
    (admin / "info").mkdir(parents=True)
    (admin / "updates").mkdir()
    (admin / "available").touch()
    stanzas = []
    for name in sorted({d.split()[0] for d in control(deb)["Depends"].split(",") for d in d.split("|")}):
        shown = run(["dpkg-query", "-s", name])
        if shown.returncode != 0:
            continue  # not installed here: dpkg in the root then says which dependency is missing
        stanzas.append(shown.stdout.strip() + "\n")
        package = run(["dpkg-query", "-W", "-f", "${binary:Package}", name]).stdout.strip()
        (admin / "info" / f"{package}.list").touch()  # installed with no files, as far as the root knows
    (admin / "status").write_text("\n".join(stanzas))
    return root


def test_deb_installs_runs_and_leaves_nothing_behind(deb, unrelated, user_env, check_fib_run, tmp_path):
    root = dpkg_root(tmp_path, deb)
    dpkg = ["dpkg", f"--root={root}"] + ([] if os.geteuid() == 0 else ["--force-not-root"])
    name = control(deb)["Package"]

    installing = run([*dpkg, "-i", deb], timeout=300)
    assert installing.returncode == 0, installing.stdout + installing.stderr
    assert "warning" not in installing.stderr, installing.stderr
    files = run([*dpkg, "-L", name]).stdout.splitlines()
    assert "/usr/bin/pyitt-host" in files and "/usr/lib/pyitt-host/libpyitt-collector.so" in files

    usr = root / "usr"
    host, collector = usr / "bin" / "pyitt-host", usr / "lib" / "pyitt-host" / "libpyitt-collector.so"
    check_fib_run(host, usr / "share" / "pyitt-host" / "samples" / "fib.py", unrelated)
    version = run([host, "--version"], env=user_env, cwd=unrelated).stdout.splitlines()
    assert f"installed at {host}" in version
    assert f"default collector: built-in {collector}" in version
    # The module is where Debian's python3 looks without being told (checked on its sys.path), and imports.
    site = "/usr/lib/python3/dist-packages"
    imported = run(["/usr/bin/python3", "-c", f"import sys, pyitt; print(pyitt.__file__, pyitt.in_host, {site!r} in sys.path)"],
                   env=dict(user_env, PYTHONPATH=str(root) + site), cwd=unrelated)
    assert imported.returncode == 0, imported.stderr
    assert re.fullmatch(rf"{re.escape(str(root) + site)}/pyitt\.cpython-\S+\.so False True\n", imported.stdout)

    removing = run([*dpkg, "-r", name], timeout=300)
    assert removing.returncode == 0, removing.stdout + removing.stderr
    # No maintainer script or conffile keeps it in dpkg's database (state "config-files") either.
    status = run(["dpkg-query", f"--root={root}", "-W", "-f", "${db:Status-Abbrev}", name])
    assert status.returncode != 0 or status.stdout.strip() in ("un", "pn"), status.stdout
    left = [str(p.relative_to(root)) for p in root.rglob("*") if not p.is_dir() and not p.is_relative_to(root / "var")]
    assert not left
