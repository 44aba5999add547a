"""The flame graph as a person sees it: a real run's flamegraph.html opened in headless chromium.
The frames' widths match the stacks' weights, a click zooms, a search highlights (read back from
the rendered DOM), and the screenshot shows the highlighted frame at its width."""
import json
import re
import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from browser import headless  # noqa: E402
from pyitt_testing import run  # noqa: E402

PROGRAM = """
def heavy():
    return sum(i * i for i in range(200000))

def light():  # a quarter of heavy: their order holds however a loaded machine stretches either, and
    return sum(i * i for i in range(50000))  # light stays wide enough for its whole name

def main():
    for _ in range(3):
        heavy()
        light()

main()
"""

WIDTH, HEIGHT = 1000, 300
HIGHLIGHT = (224, 64, 224)  # the page's colour for frames that match the search


@pytest.fixture(scope="module")
def chromium():
    path = headless.chromium()
    if path:
        return path
    pytest.skip("no chromium on PATH: third_party/bootstrap.sh installs Debian's chromium package")


@pytest.fixture(scope="module")
def flame_run(host, tmp_path_factory):
    import os
    tmp = tmp_path_factory.mktemp("flame")
    (tmp / "prog.py").write_text(textwrap.dedent(PROGRAM))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYITT_", "INTEL_", "PYTHON"))}
    result = run([host, "-q", "-o", tmp / "out", "-R", "^(main|heavy|light)$", "--", tmp / "prog.py"], env=env,
                 cwd=tmp)
    assert result.returncode == 0, result.stderr
    weights = {}
    for line in (tmp / "out" / "stacks.txt").read_text().splitlines():
        stack, count = line.rsplit(" ", 1)
        weights[stack.split(";")[-1]] = int(count)
    return tmp, weights


def with_script(tmp, name, script):
    """The page as written, with a script of the test's appended after the page's own."""
    page = tmp / name
    html = (tmp / "out" / "flamegraph.html").read_text()
    page.write_text(html.replace("</body></html>", f"<script>{script}</script></body></html>"))
    return page


PROBE = """
function frames() {
  const out = {};
  for (const g of document.querySelectorAll("#chart g.frame")) {
    const r = g.querySelector("rect"), t = g.querySelector("text");
    out[g.getAttribute("data-name")] = {x: +r.getAttribute("x"), width: +r.getAttribute("width"),
      fill: r.getAttribute("fill"), text: t ? t.textContent : ""};
  }
  return out;
}
function click(name) {
  const g = [...document.querySelectorAll("#chart g.frame")].find(g => g.getAttribute("data-name") === name);
  g.querySelector("rect").dispatchEvent(new MouseEvent("click", {bubbles: true}));
}
const result = {chart: document.getElementById("chart").getBoundingClientRect().width, initial: frames()};
click("light");
result.zoomed = frames();
click("all");
result.unzoomed = frames();
const box = document.getElementById("search");
box.value = "^hea";
box.dispatchEvent(new KeyboardEvent("keydown", {key: "Enter", bubbles: true}));
result.searched = frames();
result.matched = document.getElementById("matched").textContent;
const pre = document.createElement("pre");
pre.id = "probe";
pre.textContent = JSON.stringify(result);
document.body.appendChild(pre);
"""


def test_widths_zoom_and_search_in_the_dom(chromium, flame_run):
    tmp, weights = flame_run
    page = with_script(tmp, "probe.html", PROBE)
    dom = headless.rendered_dom(page.as_uri(), size=(WIDTH, HEIGHT))
    probe = json.loads(re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S).group(1).replace("&quot;", '"')
                       .replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
    chart, initial = probe["chart"], probe["initial"]
    total = sum(weights.values())
    assert set(weights) == {"main", "heavy", "light"}
    for name in ("heavy", "light"):  # a frame is as wide as its share of the whole
        assert abs(initial[name]["width"] - chart * weights[name] / total) < 1.5, (name, initial[name], weights)
        assert initial[name]["text"] == name
    assert initial["heavy"]["width"] > initial["light"]["width"]
    assert initial["all"]["text"].startswith("all: ")
    # a click on light zooms on it: full width, its siblings gone, its ancestors kept as a path
    zoomed = probe["zoomed"]
    assert abs(zoomed["light"]["width"] - chart) < 1 and zoomed["light"]["x"] == 0
    assert "heavy" not in zoomed and {"all", "main"} <= set(zoomed)
    assert probe["unzoomed"].keys() == initial.keys()  # the top frame zooms back out
    # the search paints what matches, only that, and says how much of the whole it is
    searched = probe["searched"]
    assert searched["heavy"]["fill"] == "rgb(224,64,224)"
    assert all(f["fill"] != "rgb(224,64,224)" for n, f in searched.items() if n != "heavy")
    share = float(re.match(r"Matched: ([\d.]+)%", probe["matched"]).group(1))
    assert abs(share - 100 * weights["heavy"] / total) < 0.05


def test_screenshot_shows_the_search_highlight_at_the_frame_width(chromium, flame_run):
    tmp, weights = flame_run
    page = with_script(tmp, "search.html", 'flamegraph.search("heavy");')
    shot = tmp / "search.png"
    headless.screenshot(page.as_uri(), shot, size=(WIDTH, HEIGHT))
    width, height, rows = headless.png_pixels(shot)
    assert (width, height) == (WIDTH, HEIGHT)
    highlighted = [(x, y) for y, row in enumerate(rows) for x, px in enumerate(row) if px == HIGHLIGHT]
    assert highlighted, "no frame is highlighted in the screenshot"
    xs = sorted({x for x, _ in highlighted})
    ys = sorted({y for _, y in highlighted})
    assert ys[-1] - ys[0] < 20  # one row of frames: heavy, under main
    # its width on screen: its share of the page's chart (the body's 10-pixel margins aside)
    expected = (WIDTH - 20) * weights["heavy"] / sum(weights.values())
    assert abs((xs[-1] - xs[0] + 1) - expected) < 4, (xs[0], xs[-1], expected)
    # the other frames keep their own colours
    frame_rows = rows[ys[0]:ys[-1] + 1]
    others = {px for row in frame_rows for px in row if px != HIGHLIGHT}
    assert len(others) > 2
