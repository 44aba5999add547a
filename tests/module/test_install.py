"""`cmake --install` gives plain python an importable pyitt with its stubs."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyitt_testing import run  # noqa: E402


def test_installed_extension_imports_with_stubs(build_dir, python_exe, clean_env, tmp_path):
    if shutil.which("cmake") is None:
        pytest.skip("no cmake")
    prefix = tmp_path / "prefix"
    installed = subprocess.run(["cmake", "--install", str(build_dir), "--prefix", str(prefix), "--component", "python"],
                               capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr
    [site] = {p.parent for p in prefix.glob("lib/python3*/site-packages/pyitt*.so")}
    assert (site / "pyitt-stubs" / "__init__.pyi").exists()
    assert (site / "pyitt-stubs" / "compatibility_layers" / "itt_python.pyi").exists()
    env = dict(clean_env, PYTHONPATH=str(site))
    result = run([python_exe, "-c", "import pyitt, pyitt.compatibility_layers.itt_python as itt; "
                  "print(pyitt.__file__); print(pyitt.in_host, callable(itt.task_begin))"], env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    path, flags = result.stdout.splitlines()
    assert path.startswith(str(site)) and flags == "False True"
