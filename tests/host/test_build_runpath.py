"""The build tree's binaries load shared libraries only from absolute or $ORIGIN-relative
directories: an empty or relative RPATH/RUNPATH entry is resolved against the current directory,
so a library planted wherever pyitt-host is started would run inside it (CWE-426)."""
import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyitt_testing import run  # noqa: E402


def elf_files(root: Path):
    for directory, _, names in os.walk(root):
        for name in names:
            path = Path(directory) / name
            if path.is_symlink() or not path.is_file():
                continue
            with open(path, "rb") as file:
                if file.read(4) == b"\x7fELF":
                    yield path


def search_paths(path: Path) -> list:
    """Every RPATH and RUNPATH entry of an ELF file, as readelf shows them (empty entries kept)."""
    entries = []
    for line in run(["readelf", "-d", path]).stdout.splitlines():
        if "(RPATH)" in line or "(RUNPATH)" in line:
            entries += line[line.index("[") + 1:line.rindex("]")].split(":")
    return entries


def test_no_binary_of_the_build_searches_the_current_directory(build_dir):
    if shutil.which("readelf") is None:
        pytest.skip("no readelf")
    binaries = list(elf_files(build_dir))
    assert build_dir / "pyitt-host" in binaries and build_dir / "libpyitt-collector.so" in binaries
    unsafe = [f"{path.relative_to(build_dir)}: {entry!r}" for path in binaries for entry in search_paths(path)
              if not entry.startswith(("/", "$ORIGIN", "${ORIGIN}"))]
    assert not unsafe, unsafe


def test_a_library_in_the_current_directory_is_not_loaded(host, clean_env, tmp_path):
    """What the empty entries did: a libz.so.1 (or any library the host needs) in the cwd won."""
    needed = [line.split("[")[1].rstrip("]") for line in run(["readelf", "-d", host]).stdout.splitlines()
              if "(NEEDED)" in line]
    planted = tmp_path / "planted"
    planted.mkdir()
    for name in needed:
        (planted / name).write_bytes(b"not a library")  # loading it would fail loudly
    result = run([host, "--collector", "none", "--", "-c", "print('ran')"], env=clean_env, cwd=planted)
    assert result.returncode == 0 and result.stdout == "ran\n", result.stderr
