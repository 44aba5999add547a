"""The trace as a person sees it: a run's trace.json opened in speedscope (npm) in headless
chromium shows the program's threads and its nested tasks as a flame chart."""
import re
import shutil
import textwrap

from headless import png_pixels, rendered_dom, screenshot, serving
from pyitt_testing import run

PROGRAM = textwrap.dedent("""
    import threading
    def fib(n):
        return n if n < 2 else fib(n - 1) + fib(n - 2)
    def worker():
        fib(12)
    t = threading.Thread(target=worker, name="Worker-7")
    t.start(); t.join()
    fib(12)
""")


def flame_rows(rows, top=140):
    """Screen rows below the toolbar and the overview that hold a speedscope frame (saturated colour)."""
    found = 0
    for y in range(top, len(rows), 2):
        colored = sum(1 for r, g, b in rows[y][::4] if max(r, g, b) - min(r, g, b) > 40)
        found += colored > 5
    return found


def test_trace_opens_in_speedscope_as_a_flame_chart(host, clean_env, tmp_path, speedscope):
    (tmp_path / "prog.py").write_text(PROGRAM)
    out = tmp_path / "out"
    result = run([host, "--trace-format", "json", "-R", "^fib$", "-o", out, "--", "prog.py"], env=clean_env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    site = tmp_path / "site"
    shutil.copytree(speedscope, site / "speedscope")
    shutil.copy(out / "trace.json", site / "trace.json")
    with serving(site) as base:
        url = f"{base}/speedscope/index.html#profileURL={base}/trace.json"
        dom = rendered_dom(url)
        shot = screenshot(url, tmp_path / "speedscope.png")
    # speedscope names the profile it shows after the process and thread of our metadata events.
    assert "main (pid " in dom and "MainThread (tid " in dom, dom[-3000:]
    width, height, rows = png_pixels(shot)
    assert (width, height) == (1400, 900)
    # fib(12) nests 12 deep: a frame on every level of the chart, not an empty or error page.
    assert flame_rows(rows) >= 12 * 20 // 2 // 2, "no flame chart in the screenshot"
    # Each thread is a profile of its own: the worker is listed by its name, the main thread's is 1 of 2.
    assert re.search(r"main \(pid \d+\), Worker-7 \(tid \d+\)", dom), dom[-3000:]
    assert "(1/2)" in dom, dom[-3000:]
