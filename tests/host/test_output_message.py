"""The last line names the output directory as the user would type it from where they are."""
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyitt_testing import run  # noqa: E402


def shown_dir(result) -> str:
    assert result.returncode == 0, result.stderr
    match = re.search(r"trace in (\S+)/ ", result.stderr.splitlines()[-1])
    assert match, result.stderr
    return match.group(1)


def test_a_directory_outside_the_cwd_is_shown_absolute(host, clean_env, tmp_path):
    work = tmp_path / "work" / "deeper"
    work.mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere" / "out"
    result = run([host, "-o", elsewhere, "--", "-c", "import pyitt"], env=clean_env, cwd=work)
    assert shown_dir(result) == str(elsewhere)  # not ../../elsewhere/out


def test_a_directory_under_the_cwd_is_shown_relative(host, clean_env, tmp_path):
    result = run([host, "-o", "out", "--", "-c", "import pyitt"], env=clean_env, cwd=tmp_path)
    assert shown_dir(result) == "out"


def test_a_directory_given_absolute_is_shown_absolute(host, clean_env, tmp_path):
    result = run([host, "-o", tmp_path / "out", "--", "-c", "import pyitt"], env=clean_env, cwd=tmp_path)
    assert shown_dir(result) == str(tmp_path / "out")  # -o $PWD/out: not out
