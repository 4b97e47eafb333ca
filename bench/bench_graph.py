#!/usr/bin/env python3
"""Benchmark the graph page (`graph --format html`) in headless Chromium at 300 and 2,500 people.

For each size: the synthetic vault of bench_index.py (N people, N/10 meetings, 50 companies),
`vaultnet graph --format html` as a fresh process, then the page in Debian's chromium:

- first draw: navigation start to the first frame after the network is drawn (the page's own
  `data-first-draw-ms`), split into the layout (ForceAtlas2) and cytoscape's drawing;
- floor: the same file with the page's code left out, so only the browser's parsing of the
  inlined library and data is left (what any self-contained page of this size pays);
- interaction: animation frames per second while a pan (mouse drag on the background), a
  wheel zoom and a node drag are going on (60 is the browser's ceiling).

Medians of --repeats page loads; the interaction is measured on the first. Nothing is asserted.

    .venv/bin/python bench/bench_graph.py                 # N = 300 and 2500 (make bench)
    .venv/bin/python bench/bench_graph.py --sizes 300 --repeats 1
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from bench_index import generate_vault, progress, run_child  # noqa: E402

from tests.browser import Browser, chromium  # noqa: E402

TODAY = "2026-11-22"
TICKER = "window.__ticks = []; (function tick(t) { window.__ticks.push(t); requestAnimationFrame(tick); })(performance.now());"


def floor_page(page: Path, out: Path) -> Path:
    """The page without its own code: the browser parses the library and the data, nothing more."""
    text = page.read_text(encoding="utf-8")
    start = text.index('<script id="graph-page">')
    end = text.index("</script>", start) + len("</script>")
    code = ('<script id="graph-page">JSON.parse(document.getElementById("data").textContent); '
            'requestAnimationFrame(() => { document.body.dataset.firstDrawMs = String(Math.round(performance.now())); '
            'document.body.dataset.ready = "1"; });</script>')
    out.write_text(text[:start] + code + text[end:], encoding="utf-8")
    return out


def frames_during(browser: Browser, gesture) -> float:
    """Animation frames per second while `gesture` runs (and 0.3 s after, for the last frames)."""
    since = browser.eval("performance.now()")
    start = time.perf_counter()
    gesture()
    time.sleep(0.3)
    seconds = time.perf_counter() - start
    ticks = browser.eval(f"window.__ticks.filter((t) => t > {since}).length")
    return ticks / seconds


def pan(browser: Browser) -> None:
    top = browser.eval("document.getElementById('graph').getBoundingClientRect().top")
    x, y = 4, top + 4  # a corner of the drawing: background, not a node
    browser.mouse("mouseMoved", x, y, button="none", clicks=0)
    browser.mouse("mousePressed", x, y)
    for i in range(1, 61):
        browser.mouse("mouseMoved", x + 5 * i, y + 3 * i, clicks=0)
        time.sleep(0.016)
    browser.mouse("mouseReleased", x + 300, y + 180)


def zoom(browser: Browser) -> None:
    for i in range(40):
        browser.wheel(640, 450, -120 if i < 20 else 120)
        time.sleep(0.03)


def drag_node(browser: Browser) -> None:
    hub = browser.eval("window.vaultnetGraph.labelled()[0]")
    at = browser.eval(f"window.vaultnetGraph.position({json.dumps(hub)})")
    x, y = at["x"], at["y"]
    browser.mouse("mouseMoved", x, y, button="none", clicks=0)
    browser.mouse("mousePressed", x, y)
    for i in range(1, 41):
        browser.mouse("mouseMoved", x + 3 * i, y + 2 * i, clicks=0)
        time.sleep(0.016)
    browser.mouse("mouseReleased", x + 120, y + 80)


def bench_size(base: Path, n: int, seed: int, repeats: int) -> dict:
    root = base / f"vault-{n}"
    progress(f"N={n}: generating")
    generate_vault(root, n, seed)
    page = base / f"graph-{n}.html"
    child = run_child([sys.executable, "-m", "vaultnet", "--vault", str(root), "--today", TODAY,
                       "graph", "--format", "html", "-o", str(page)])
    # The first run also indexes; the second is what writing the page costs.
    child = run_child([sys.executable, "-m", "vaultnet", "--vault", str(root), "--today", TODAY,
                       "graph", "--format", "html", "-o", str(page)])
    html = page.read_text(encoding="utf-8")
    start = html.index('type="application/json">') + len('type="application/json">')
    data = json.loads(html[start:html.index("</script>", start)])
    floor = floor_page(page, base / f"floor-{n}.html")
    row: dict = {"n": n, "nodes": len(data["nodes"]), "edges": len(data["edges"]),
                 "page_mb": page.stat().st_size / 1e6, "write_s": child.seconds}
    draws, layouts, drawings, floors = [], [], [], []
    for r in range(repeats):
        progress(f"N={n}: page load {r + 1}/{repeats}")
        with Browser(timeout=600) as browser:
            browser.open(page.as_uri())
            timings = browser.eval("Object.assign({}, document.body.dataset)")
            draws.append(int(timings["firstDrawMs"]))
            layouts.append(int(timings["layoutMs"]))
            drawings.append(int(timings["drawMs"]))
            if r == 0:
                browser.eval(TICKER)
                row["pan_fps"] = frames_during(browser, lambda: pan(browser))
                row["zoom_fps"] = frames_during(browser, lambda: zoom(browser))
                row["drag_fps"] = frames_during(browser, lambda: drag_node(browser))
        with Browser(timeout=600) as browser:
            browser.open(floor.as_uri())
            floors.append(int(browser.eval("document.body.dataset.firstDrawMs")))
    row.update(first_draw_ms=statistics.median(draws), layout_ms=statistics.median(layouts),
               draw_ms=statistics.median(drawings), floor_ms=statistics.median(floors))
    row["vs_floor"] = row["first_draw_ms"] / row["floor_ms"]
    return row


def render_table(rows: list[dict]) -> str:
    columns = [
        ("N", lambda r: f"{r['n']:,}"), ("nodes", lambda r: f"{r['nodes']:,}"), ("edges", lambda r: f"{r['edges']:,}"),
        ("page MB", lambda r: f"{r['page_mb']:.1f}"), ("write s", lambda r: f"{r['write_s']:.2f}"),
        ("first draw ms", lambda r: f"{r['first_draw_ms']:,.0f}"), ("layout ms", lambda r: f"{r['layout_ms']:,.0f}"),
        ("draw ms", lambda r: f"{r['draw_ms']:,.0f}"), ("floor ms", lambda r: f"{r['floor_ms']:,.0f}"),
        ("vs floor", lambda r: f"{r['vs_floor']:.1f}x"), ("pan fps", lambda r: f"{r['pan_fps']:.0f}"),
        ("zoom fps", lambda r: f"{r['zoom_fps']:.0f}"), ("drag fps", lambda r: f"{r['drag_fps']:.0f}"),
    ]
    lines = ["| " + " | ".join(h for h, _ in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(r) for _, cell in columns) + " |" for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="300,2500", help="comma-separated numbers of people (default: 300,2500)")
    parser.add_argument("--repeats", type=int, default=3, help="page loads per size (default: 3)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the results as JSON after the table")
    args = parser.parse_args(argv)
    if not chromium():
        sys.exit("bench: chromium is not installed (apt-get install chromium)")
    base = Path(tempfile.mkdtemp(prefix="vaultnet-bench-graph-"))
    try:
        rows = [bench_size(base, int(n), args.seed, args.repeats) for n in re.split(r"\s*,\s*", args.sizes) if n]
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(render_table(rows))
    if args.json:
        print(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
