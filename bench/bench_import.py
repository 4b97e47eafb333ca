#!/usr/bin/env python3
"""Benchmark `vaultnet import linkedin` on a large Connections.csv.

Prints, for N rows: the import into an empty vault (every row a new note), the
same file imported again (every row matched, nothing to write), and the floor
it is compared with: reading the CSV with the csv module and writing one small
file per row with plain open/write (no fsync, no matching, no YAML).

    .venv/bin/python bench/bench_import.py              # 50,000 rows
    .venv/bin/python bench/bench_import.py --rows 5000

The table goes to stdout, progress to stderr. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_index import FIRST, LAST, ROLES, progress, run_child

GOAL_SECONDS = 60.0
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def generate_csv(path: Path, rows: int, seed: int) -> None:
    """LinkedIn's shape: a BOM, Notes lines, then the header; some rows lack a name or an email."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        fh.write("Notes:\n\"When exporting your connection data, you may notice that some of the email "
                 "addresses are missing.\"\n\n")
        out = csv.writer(fh)
        out.writerow(["First Name", "Last Name", "URL", "Email Address", "Company", "Position",
                      "Connected On"])
        for i in range(rows):
            first, last = rng.choice(FIRST), f"{rng.choice(LAST)}{i}"
            if rng.random() < 0.01:
                first = last = ""
            email = f"{first.lower()}.{last.lower()}@example.com" if rng.random() < 0.4 else ""
            out.writerow([first, last, f"https://www.linkedin.com/in/{first}-{last}".lower(), email,
                          f"Company {rng.randrange(2000)}, Inc.", rng.choice(ROLES),
                          f"{rng.randint(1, 28):02d} {rng.choice(MONTHS)} {rng.randint(2008, 2026)}"])


def plain_floor(csv_path: Path, out_dir: Path) -> float:
    start = time.perf_counter()
    out_dir.mkdir()
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        lines = fh.read().splitlines(keepends=True)
    reader = csv.DictReader(lines[3:])
    for i, row in enumerate(reader):
        text = "---\n" + "".join(f"{k}: {v}\n" for k, v in row.items()) + "---\n"
        with open(out_dir / f"{i}.md", "w", encoding="utf-8") as fh:
            fh.write(text)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    vaultnet = str(Path(sys.executable).with_name("vaultnet"))
    base = Path(tempfile.mkdtemp(prefix="vaultnet-bench-import-"))
    try:
        csv_path = base / "Connections.csv"
        generate_csv(csv_path, args.rows, args.seed)
        vault = base / "vault"
        progress(f"bench: importing {args.rows:,} rows into an empty vault")
        run_child([vaultnet, "init", str(vault)])
        first = run_child([vaultnet, "--vault", str(vault), "--quiet", "import", "linkedin", str(csv_path)])
        notes = sum(1 for _ in (vault / "People").glob("*.md"))
        progress("bench: indexing the new notes (what the next command's sync does)")
        indexed = run_child([vaultnet, "--vault", str(vault), "--quiet", "index"])
        progress("bench: importing the same file again")
        again = run_child([vaultnet, "--vault", str(vault), "--quiet", "import", "linkedin", str(csv_path)])
        progress("bench: the floor (csv read + plain file writes)")
        floor = plain_floor(csv_path, base / "plain")
    finally:
        shutil.rmtree(base, ignore_errors=True)

    print("| run | rows | notes | seconds | rows/s | peak MB | floor s | ratio | goal |")
    print("|---|---|---|---|---|---|---|---|---|")
    for label, child in (("first import", first), ("index the new notes", indexed),
                         ("same file again", again)):
        print(f"| {label} | {args.rows:,} | {notes:,} | {child.seconds:.1f} | {args.rows / child.seconds:,.0f} | "
              f"{child.maxrss_mb:.0f} | {floor:.1f} | {child.seconds / floor:.1f}x | <= {GOAL_SECONDS:.0f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
