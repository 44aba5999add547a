"""Browser tests: skipped, with the reason, where chromium or npm is missing."""
import subprocess
from pathlib import Path

import pytest

from headless import chromium

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def speedscope(build_dir):
    """speedscope's built app (npm), installed into the build directory by install_viewers.sh."""
    if chromium() is None:
        pytest.skip("chromium is not installed (third_party/bootstrap.sh installs it)")
    app = build_dir / "browser" / "node_modules" / "speedscope" / "dist" / "release"
    if not (app / "index.html").exists():
        result = subprocess.run([str(HERE / "install_viewers.sh"), str(build_dir)], capture_output=True, text=True,
                                timeout=600)
        if result.returncode != 0:
            pytest.skip(f"speedscope could not be installed from npm: {result.stderr.strip()[-300:]}")
    return app
