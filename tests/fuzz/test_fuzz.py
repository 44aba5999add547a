"""A short libFuzzer run of each target of tests/fuzz (the merge's trace reader, the host's option
decoder), built with clang into a build directory of its own next to the build under test."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
TARGETS = ["fuzz_trace_reader", "fuzz_perfetto_reader", "fuzz_decode_args"]
SECONDS = int(os.environ.get("PYITT_FUZZ_SECONDS", "20"))
# A fixed seed: the suite's short run takes the same path each time, so a red run is reproducible and
# a green one stays green; PYITT_FUZZ_SEED=0 (libFuzzer: a new seed each run) for longer hunts.
SEED = int(os.environ.get("PYITT_FUZZ_SEED", "1"))


@pytest.fixture(scope="module")
def fuzz_build(build_dir):
    clang, clangxx = shutil.which("clang"), shutil.which("clang++")
    if clang is None or clangxx is None:
        pytest.skip("clang not installed (third_party/bootstrap.sh installs it)")
    out = build_dir / "fuzz"
    env = dict(os.environ, CC=clang, CXX=clangxx)
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    steps = [["cmake", "-S", HERE, "-B", out, *generator, "-DCMAKE_BUILD_TYPE=RelWithDebInfo"],
             ["cmake", "--build", out, "-j", "2"]]
    for step in steps:
        result = subprocess.run([str(s) for s in step], env=env, capture_output=True, text=True, timeout=1200)
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return out


@pytest.mark.parametrize("target", TARGETS)
def test_fuzz_target_survives_a_short_run(fuzz_build, target, tmp_path):
    corpus = tmp_path / "corpus"  # what the run finds; the committed seeds are only read
    corpus.mkdir()
    seeds = HERE / "corpus" / target.removeprefix("fuzz_")
    result = subprocess.run(
        [str(fuzz_build / target), f"-max_total_time={SECONDS}", f"-seed={SEED}", "-rss_limit_mb=512", "-timeout=5",
         "-max_len=65536", f"-artifact_prefix={tmp_path}/", str(corpus), str(seeds)],
        capture_output=True, text=True, timeout=SECONDS + 120)
    crashes = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("crash-", "timeout-", "oom-", "leak-")))
    assert result.returncode == 0 and not crashes, f"{crashes}\n{result.stderr[-6000:]}"
    assert "Done" in result.stderr, result.stderr[-2000:]
