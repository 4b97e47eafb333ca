#!/usr/bin/env python3
"""Benchmark `vaultnet mcp`: how fast an assistant gets answers, against asking the shell.

For each N (people in a synthetic vault made by bench_index.generate_vault,
indexed once before), with the server started by the MCP SDK's own client
over stdio, as an assistant's host starts it:

- start: spawn to `initialize` answered (Python start-up, the sync at start);
- search / show / due: one tool call, median and p95 of 20, against the floor
  an assistant without the server has: `vaultnet ... --json` run as a fresh
  process (median of 5), the ratio taken pair by pair in the same run;
- log: one write tool call (the note written, atomically, under the lock);
- save-to-found: write a new note with a unique word, then call `search`
  until it finds it; median and p95 of 10 saves.

Prints a table; asserts nothing.

    .venv/bin/python bench/bench_mcp.py            # N = 1000 and 10000
    .venv/bin/python bench/bench_mcp.py --quick    # N = 1000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_index import generate_vault

CALLS = 20
SHELL_RUNS = 5
SAVES = 10
TODAY = "2026-11-22"


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def shell_seconds(root: Path, *args: str) -> float:
    """The median time of `vaultnet ARGS --json` as a fresh process (the index already current)."""
    times = []
    for _ in range(SHELL_RUNS):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "vaultnet", "--vault", str(root), "--today", TODAY, *args, "--json"],
                       check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def measure(root: Path, n: int) -> dict:
    params = StdioServerParameters(command=sys.executable,
                                   args=["-m", "vaultnet", "-q", "--vault", str(root), "--today", TODAY, "mcp"])
    out: dict = {"n": n}
    started = time.perf_counter()
    with open(os.devnull, "w") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            out["start"] = time.perf_counter() - started

            async def timed(tool: str, arguments: dict) -> float:
                t = time.perf_counter()
                result = await session.call_tool(tool, arguments)
                assert not result.is_error, result.content
                return time.perf_counter() - t

            person = json.loads((await session.call_tool("search", {"query": "*", "type": "person", "limit": 1}))
                                .content[0].text)[0]["name"]
            for tool, arguments in (("search", {"query": "kubernetes", "limit": 20}), ("show", {"name": person}),
                                    ("due", {"within": 7})):
                times = [await timed(tool, arguments) for _ in range(CALLS)]
                out[tool] = (statistics.median(times), p95(times))
            times = [await timed("log", {"name": person, "text": f"bench call {i}"}) for i in range(CALLS)]
            out["log"] = (statistics.median(times), p95(times))
            found = []
            for i in range(SAVES):
                word = f"zqxbench{i}word"
                t = time.perf_counter()
                (root / "People" / f"Bench Save {i}.md").write_text(f"---\ntype: person\n---\nMet at {word}.\n",
                                                                  encoding="utf-8")
                while not json.loads((await session.call_tool("search", {"query": word})).content[0].text):
                    await anyio.sleep(0.002)
                found.append(time.perf_counter() - t)
            out["save_to_found"] = (statistics.median(found), p95(found))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated numbers of people")
    parser.add_argument("--quick", action="store_true", help="N = 1000 only")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    sizes = [1000] if args.quick else [int(s) for s in args.sizes.split(",")]
    rows = []
    for n in sizes:
        base = Path(tempfile.mkdtemp(prefix="vaultnet-bench-mcp-"))
        try:
            root = base / "vault"
            progress(f"N={n}: generating and indexing")
            generate_vault(root, n, args.seed)
            subprocess.run([sys.executable, "-m", "vaultnet", "-q", "--vault", str(root), "index"], check=True)
            floor = {"search": shell_seconds(root, "search", "kubernetes", "--limit", "20"),
                     "due": shell_seconds(root, "due", "--within", "7")}
            progress(f"N={n}: the server")
            result = anyio.run(measure, root, n)
            result["floor"] = floor
            rows.append(result)
        finally:
            shutil.rmtree(base, ignore_errors=True)
    print("| N | start s | search ms (p95) | shell search ms | ratio | show ms | due ms (p95) | shell due ms "
          "| ratio | log ms | save-to-found ms (p95) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        ms = lambda pair: f"{pair[0] * 1000:.0f} ({pair[1] * 1000:.0f})"  # noqa: E731
        print(f"| {r['n']:,} | {r['start']:.2f} | {ms(r['search'])} | {r['floor']['search'] * 1000:.0f} "
              f"| {r['search'][0] / r['floor']['search']:.3f} | {r['show'][0] * 1000:.0f} | {ms(r['due'])} "
              f"| {r['floor']['due'] * 1000:.0f} | {r['due'][0] / r['floor']['due']:.3f} "
              f"| {r['log'][0] * 1000:.0f} | {ms(r['save_to_found'])} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
