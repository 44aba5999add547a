// The flame graph page: the frames as JSON in the page, drawn as SVG by a small script of our own
// (top-down: the root on top, a frame's width its total weight). Names from the program are data
// only: escaped in the JSON, set with textContent, never parsed as markup.
#include <fmt/compile.h>
#include <fmt/format.h>

#include "frame_tree.h"

namespace pyitt::flamegraph {
namespace {

void json_string(std::string& out, std::string_view s) {
    out += '"';
    for (unsigned char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            default:
                // <, > and & too: the JSON sits inside a <script> element.
                if (c < 0x20 || c == '<' || c == '>' || c == '&') out += fmt::format("\\u{:04x}", c);
                else out += static_cast<char>(c);
        }
    }
    out += '"';
}

constexpr std::string_view kPageHead = R"PAGE(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>)PAGE";

constexpr std::string_view kPageStyle = R"PAGE(</title>
<style>
body { margin: 0; padding: 8px 10px; font: 12px monospace; background: #f8f8f4; color: #222; }
#bar { display: flex; gap: 12px; align-items: center; margin-bottom: 6px; }
#bar h1 { font-size: 14px; margin: 0; flex: 1; }
#search { width: 18em; font: 12px monospace; }
#chart { width: 100%; display: block; }
#chart g.frame { cursor: pointer; }
#chart rect { stroke: #f8f8f4; stroke-width: 0.5; }
#chart g.frame:hover rect { stroke: #000; stroke-width: 1; }
#chart text { font: 11px monospace; fill: #000; pointer-events: none; }
#chart g.ancestor rect { opacity: 0.55; }
#status { margin-top: 6px; min-height: 1.3em; white-space: pre; overflow: hidden; }
</style></head><body>
<div id="bar"><h1 id="title"></h1>
<span id="matched"></span>
<button id="reset" type="button" disabled>Reset zoom</button>
<input id="search" type="search" placeholder="Search (text or regex), Enter" aria-label="search frames"></div>
<svg id="chart" xmlns="http://www.w3.org/2000/svg" height="20"></svg>
<div id="status">Click a frame to zoom on it, the top frame to zoom out. Ctrl+F or / to search, Esc to reset.</div>
<script type="application/json" id="frames">)PAGE";

// The data: {"title", "unit", "names": [...], "frames": [name, parent, self, ...]}, parents before
// their children.
constexpr std::string_view kPageScript = R"PAGE(</script>
<script>
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("frames").textContent);
  const svgNS = "http://www.w3.org/2000/svg";
  const count = data.frames.length / 3;
  const name = new Array(count), parent = new Int32Array(count), self = new Float64Array(count);
  const total = new Float64Array(count), depth = new Int32Array(count), start = new Float64Array(count);
  const children = [];
  for (let i = 0; i < count; i++) {
    name[i] = data.names[data.frames[3 * i]];
    parent[i] = data.frames[3 * i + 1];
    self[i] = data.frames[3 * i + 2];
    children.push([]);
    if (i > 0) { children[parent[i]].push(i); depth[i] = depth[parent[i]] + 1; }
  }
  for (let i = count - 1; i >= 0; i--) { total[i] += self[i]; if (i > 0) total[parent[i]] += total[i]; }
  for (let i = 0; i < count; i++) {
    let x = start[i];
    for (const c of children[i]) { start[c] = x; x += total[c]; }
  }
  const chart = document.getElementById("chart"), status = document.getElementById("status");
  const searchBox = document.getElementById("search"), matchedText = document.getElementById("matched");
  const resetButton = document.getElementById("reset");
  document.getElementById("title").textContent = data.title;
  const rowHeight = 18;
  let zoom = 0, matcher = null;

  function amount(v) {
    if (data.unit !== "ns") return v.toLocaleString() + " " + data.unit;
    if (v >= 1e9) return (v / 1e9).toFixed(3) + " s";
    if (v >= 1e6) return (v / 1e6).toFixed(3) + " ms";
    if (v >= 1e3) return (v / 1e3).toFixed(3) + " us";
    return v + " ns";
  }
  function percent(v) { return total[0] > 0 ? (100 * v / total[0]).toFixed(2) + "%" : "0%"; }
  function describe(i) {
    return name[i] + "\n" + amount(total[i]) + " (" + percent(total[i]) + " of all), self " + amount(self[i]);
  }
  // Warm colours from the name, so a function keeps its colour when zooming.
  function colour(s) {
    let h = 2166136261;
    for (let k = 0; k < s.length; k++) { h ^= s.charCodeAt(k); h = Math.imul(h, 16777619); }
    const a = (h >>> 0) % 1000 / 1000, b = ((h >>> 10) % 1000) / 1000;
    return "rgb(" + Math.round(205 + 50 * a) + "," + Math.round(80 + 120 * b) + "," + Math.round(40 + 40 * a) + ")";
  }
  function matches(i) { return matcher !== null && i > 0 && matcher(name[i]); }

  function draw() {
    const width = Math.max(200, chart.getBoundingClientRect().width || document.body.clientWidth - 20);
    const scale = total[zoom] > 0 ? width / total[zoom] : 0;
    const origin = start[zoom];
    while (chart.firstChild) chart.removeChild(chart.firstChild);
    let maxDepth = 0;
    const add = (i, x, w, ancestor) => {
      const y = depth[i] * rowHeight;
      maxDepth = Math.max(maxDepth, depth[i]);
      const g = document.createElementNS(svgNS, "g");
      g.setAttribute("class", ancestor ? "frame ancestor" : "frame");
      g.setAttribute("data-index", i);
      g.setAttribute("data-name", name[i]);
      const tip = document.createElementNS(svgNS, "title");
      tip.textContent = describe(i);
      const r = document.createElementNS(svgNS, "rect");
      r.setAttribute("x", x.toFixed(2));
      r.setAttribute("y", y);
      r.setAttribute("width", w.toFixed(2));
      r.setAttribute("height", rowHeight - 1);
      r.setAttribute("fill", matches(i) ? "rgb(224,64,224)" : i === 0 ? "rgb(200,200,190)" : colour(name[i]));
      g.appendChild(tip);
      g.appendChild(r);
      const fits = Math.floor((w - 6) / 7);
      if (fits >= 3) {
        const t = document.createElementNS(svgNS, "text");
        t.setAttribute("x", (x + 3).toFixed(2));
        t.setAttribute("y", y + rowHeight - 5);
        const label = i === 0 ? "all: " + amount(total[0]) : name[i];
        t.textContent = label.length <= fits ? label : label.slice(0, fits - 2) + "..";
        g.appendChild(t);
      }
      chart.appendChild(g);
    };
    if (zoom > 0) {  // the zoomed frame's ancestors, full width
      for (let a = parent[zoom]; ; a = parent[a]) { add(a, 0, width, true); if (a === 0) break; }
    }
    const stack = [zoom];
    while (stack.length > 0) {
      const i = stack.pop();
      const w = total[i] * scale;
      if (w < 0.3) continue;  // too narrow to see, and so are its children
      add(i, (start[i] - origin) * scale, w, false);
      for (let k = children[i].length - 1; k >= 0; k--) stack.push(children[i][k]);
    }
    chart.setAttribute("height", (maxDepth + 1) * rowHeight);
    resetButton.disabled = zoom === 0;
  }

  function search(text) {
    matcher = null;
    matchedText.textContent = "";
    if (text !== "") {
      let re = null;
      try { re = new RegExp(text); } catch (e) { re = null; }
      matcher = re !== null ? (s) => re.test(s) : (s) => s.includes(text);
      // Matched weight: a match inside another match is not counted twice.
      let sum = 0;
      const stack = [[0, false]];
      while (stack.length > 0) {
        const [i, inside] = stack.pop();
        const hit = matches(i);
        if (hit && !inside) sum += total[i];
        for (const c of children[i]) stack.push([c, inside || hit]);
      }
      matchedText.textContent = "Matched: " + percent(sum) + " (" + amount(sum) + ")";
    }
    draw();
  }

  chart.addEventListener("click", (e) => {
    const g = e.target.closest("g.frame");
    if (!g) return;
    const i = Number(g.getAttribute("data-index"));
    zoom = g.classList.contains("ancestor") || i !== zoom ? i : parent[i];  // the zoomed frame again: one up
    draw();
  });
  chart.addEventListener("mouseover", (e) => {
    const g = e.target.closest("g.frame");
    if (g) status.textContent = describe(Number(g.getAttribute("data-index"))).replace("\n", ": ");
  });
  resetButton.addEventListener("click", () => { zoom = 0; draw(); });
  searchBox.addEventListener("keydown", (e) => { if (e.key === "Enter") search(searchBox.value); });
  searchBox.addEventListener("search", () => search(searchBox.value));
  document.addEventListener("keydown", (e) => {
    if ((e.key === "f" && (e.ctrlKey || e.metaKey)) || (e.key === "/" && document.activeElement !== searchBox)) {
      e.preventDefault();
      searchBox.focus();
    }
  });
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    searchBox.value = "";
    zoom = 0;
    search("");
  });
  if (total[0] === 0) status.textContent = "Nothing to show: no task was recorded (the summary says why).";
  window.addEventListener("resize", draw);
  window.flamegraph = { zoom: (i) => { zoom = i; draw(); }, search: search };
  draw();
})();
</script>
</body></html>
)PAGE";

}  // namespace

std::string flamegraph_html(const FrameTree& tree, std::string_view title, std::string_view unit) {
    std::string out(kPageHead);
    for (char c : title) {
        if (c == '<') out += "&lt;";
        else if (c == '&') out += "&amp;";
        else out += c;
    }
    out += kPageStyle;
    out += "{\"title\":";
    json_string(out, title);
    out += ",\"unit\":";
    json_string(out, unit);
    // Names are shared: a label that appears under many parents is written once.
    std::unordered_map<std::string_view, std::size_t> name_index;
    std::string names = "[", frames = "[";
    const auto& all = tree.frames();
    for (std::size_t i = 0; i < all.size(); ++i) {
        auto [it, fresh] = name_index.try_emplace(all[i].name, name_index.size());
        if (fresh) {
            if (names.size() > 1) names += ',';
            json_string(names, all[i].name);
        }
        // Compiled: a frame of every process's stacks in a merged run's graph, parsed once.
        fmt::format_to(std::back_inserter(frames), FMT_COMPILE("{}{},{},{}"), i == 0 ? "" : ",", it->second, all[i].parent,
                       all[i].self);
        if (i % 16 == 15) frames += '\n';
    }
    out += ",\"names\":" + names + "],\n\"frames\":" + frames + "]}";
    out += kPageScript;
    return out;
}

}  // namespace pyitt::flamegraph
