"""-c FILE: a TOML file of options. Every key it sets takes effect, the command line wins, and any
mistake in it (a misspelt key, a wrong type, a syntax error, an unreadable file) is one line that
names the file and the line, and exit status 2: never a run without the filter the user meant."""
import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyitt_testing import read_trace, run, trace_files  # noqa: E402

PROGRAM = "def fib(n): return n if n < 2 else fib(n - 1) + fib(n - 2)\ndef other(): pass\nother()\nprint(fib(5))\n"


@pytest.fixture
def program(tmp_path):
    path = tmp_path / "prog.py"
    path.write_text(PROGRAM)
    return path


def task_counts(out: Path) -> dict:
    [trace] = trace_files(out)
    counts = {}
    for event in read_trace(trace)["traceEvents"]:
        if event.get("ph") == "X":
            counts[event["name"]] = counts.get(event["name"], 0) + 1
    return counts


def test_config_options_take_effect_and_the_command_line_wins(host, clean_env, program, tmp_path):
    config = tmp_path / "cfg.toml"
    config.write_text('# what to trace\nfunction-restrict = [\n  "^fib$",  # the hot one\n  \'^nothing\\d$\',\n]\n'
                      'domain = "from-config"\nfull-filepath = true\nresume-after = 0\n')
    out = tmp_path / "out"
    result = run([host, "-c", config, "-o", out, program], env=clean_env)
    assert result.returncode == 0 and result.stdout == "5\n", result.stderr
    assert task_counts(out) == {"fib": 15}

    out = tmp_path / "out2"
    result = run([host, "-c", config, "-R", "^other$", "-o", out, program], env=clean_env)
    assert result.returncode == 0, result.stderr
    assert task_counts(out) == {"other": 1}


@pytest.mark.parametrize("text,line,words", [
    ('domain = "x"\n\nfuntion-include = ["fib"]\n', 3, ["unknown key 'funtion-include'", "did you mean 'function-include'"]),
    ('function_restrict = "fib"\n', 1, ["unknown key 'function_restrict'", "'function-restrict'"]),
    ('completely-unknown = 1\n', 1, ["unknown key 'completely-unknown'"]),
    ('run-started = 5\n', 1, ["unknown key 'run-started'"]),
    ('function-include = ["fib"]\n[filters]\nexclude = ["x"]\n', 2, ["[tables]"]),
    ('filters.function-include = ["fib"]\n', 1, ["dotted keys"]),
    ('function-include = 5\n', 1, ["'function-include' takes a string or an array of strings, not a number"]),
    ('function-include = [["fib"]]\n', 1, ["arrays of arrays"]),
    ('function-include = {a = "fib"}\n', 1, ["inline tables"]),
    ('domain = ["a", "b"]\n', 1, ["'domain' takes a string, not an array"]),
    ('trace-c = "yes"\n', 1, ["'trace-c' takes true or false, not a string"]),
    ('resume-after = "soon"\n', 1, ["'resume-after' takes a number of seconds, not a string"]),
    ('resume-after = -1\n', 1, ["--resume-after", "negative"]),
    ('collection-scope = "gpu"\n', 1, ["--collection-scope", "gpu"]),
    ('function-include = fib\n', 1, ["put strings in quotes"]),
    ('function-include = ["fib"\n', 2, ["'function-include'", "']'"]),
    ('function-include "fib"\n', 1, ["expected '='"]),
    ('domain = "x" "y"\n', 1, ["after the value of 'domain'"]),
    ('domain = "open\n', 1, ["not closed"]),
    ('function-include = "^fib\\d$"\n', 1, ["escape"]),
    ('domain = "a"\ndomain = "b"\n', 2, ["'domain' is given twice (first on line 1)"]),
    ("\n\n\x00\x01\x02\xff\xfe binary", 3, ["NUL"]),
    ('"a\\nb" = 1\n', 1, ["unknown key 'a\\x0ab'"]),
    ('domain = "a\rb"\n', 1, ["a control character (\\x0d) in a string"]),
])
def test_a_bad_config_file_is_one_line_naming_file_line_and_key(host, clean_env, program, tmp_path, text, line, words):
    config = tmp_path / "cfg.toml"
    config.write_bytes(text.encode("latin-1"))
    result = run([host, "-c", config, program], env=clean_env)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith(f"pyitt-host: error: {config}:{line}: "), result.stderr
    for word in words:
        assert word in result.stderr
    assert not (tmp_path / "pyitt-output").exists()


@pytest.mark.parametrize("make", [lambda d: d / "missing.toml", lambda d: d, lambda d: ""])
def test_an_unreadable_config_file_is_one_line(host, clean_env, program, tmp_path, make):
    config = make(tmp_path)
    result = run([host, "-c", config, program], env=clean_env)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [result.stderr.rstrip("\n")]
    assert f"cannot read the config file '{config}'" in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file of mode 000")
def test_a_config_file_without_read_permission_is_one_line(host, clean_env, program, tmp_path):
    config = tmp_path / "cfg.toml"
    config.write_text('domain = "x"\n')
    config.chmod(0)
    result = run([host, "-c", config, program], env=clean_env)
    assert result.returncode == 2 and "Permission denied" in result.stderr
