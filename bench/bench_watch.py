"""Benchmark `vaultnet watch`: how soon a saved note is searchable, and how a burst settles.

For each N (people in a synthetic vault made by bench_index.generate_vault):
- save-to-visible: with `vaultnet watch` running, write a new note holding a
  unique word, then poll the index (a fresh reader after each commit, no sync:
  only the watcher can have updated it) until a search finds it; median and p95;
- burst: copy B files into the vault at once; the time until every one is
  searchable and the index holds exactly the notes on disk (nothing stale),
  against a first index of a vault of just those B files.
Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_index import generate_vault

from vaultnet.index import NoteIndex
from vaultnet.vault.folder import Vault

SAVES = 20
POLL = 0.005


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def generation(root: Path) -> list[str]:
    """The index's table-of-contents files: they change with every commit, and listing them is cheap."""
    return sorted(p.name for p in (root / ".vaultnet" / "index").glob("_MAIN_*.toc"))


_readers: dict[Path, NoteIndex] = {}


def searchable(root: Path, word: str) -> int:
    """Hits for `word` in the latest commit (no sync: only the watcher updates the index)."""
    index = _readers.setdefault(root, NoteIndex(Vault(root)))
    index.close()  # drop the old reader: see the newest commit
    return len(index.search(word, limit=None))


def wait_until(check, timeout: float = 600.0) -> float:
    started = time.perf_counter()
    while not check():
        if time.perf_counter() - started > timeout:
            raise TimeoutError("the watcher did not catch up")
        time.sleep(POLL)
    return time.perf_counter() - started


def start_watch(root: Path, reports: bool = False) -> subprocess.Popen:
    args = [sys.executable, "-m", "vaultnet", "--vault", str(root), "watch"] + ([] if reports else ["--no-reports"])
    proc = subprocess.Popen(args,
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    line = proc.stderr.readline()  # "watching ...": the start-up reconcile is done
    if not line.startswith("watching"):
        raise RuntimeError(f"watch did not start: {line}")
    return proc


def save_latencies(root: Path) -> list[float]:
    """Seconds from writing a note until the index finds it, one per save."""
    folder = root / "Saves"
    folder.mkdir(exist_ok=True)
    out = []
    for i in range(SAVES):
        word = f"zqx{i}savedword"
        before = generation(root)
        started = time.perf_counter()
        (folder / f"Save {i}.md").write_text(f"A fresh note with {word} and [[Someone]].\n")
        wait_until(lambda before=before, word=word: generation(root) != before and searchable(root, word) == 1)
        out.append(time.perf_counter() - started)
        time.sleep(0.3)  # let the watcher go quiet between saves
    return out


def burst(root: Path, n: int, work: Path) -> tuple[float, float]:
    """(seconds until a burst of n notes is fully searchable, first index of those notes alone)."""
    source = work / f"burst-{n}"
    if not source.exists():
        source.mkdir(parents=True)
        for i in range(n):
            (source / f"Burst {i:05d}.md").write_text(
                f"---\nname: Burst {i}\n---\nBurst note {i} about qqburstword and [[Person {i % 97}]].\n" + "x " * 900)
    alone = work / f"alone-{n}"
    shutil.rmtree(alone, ignore_errors=True)
    (alone / ".vaultnet").mkdir(parents=True)
    shutil.copytree(source, alone / "Burst")
    started = time.perf_counter()
    with NoteIndex(Vault(alone)) as index:
        index.sync()
    first_index = time.perf_counter() - started

    expected = set(Vault(root).scan().files) | {f"Burst/{p.name}" for p in source.iterdir()}
    started = time.perf_counter()
    shutil.copytree(source, root / "Burst")

    seen = [generation(root)]

    def settled() -> bool:
        now = generation(root)
        if now == seen[0]:
            return False  # no new commit: nothing to look at
        seen[0] = now
        with NoteIndex(Vault(root)) as index:
            index._ensure_state()
            return set(index._files or ()) == expected
    wait_until(settled)
    seconds = time.perf_counter() - started
    assert searchable(root, "qqburstword") == n
    shutil.rmtree(root / "Burst")
    return seconds, first_index


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="vault sizes (people), comma-separated")
    parser.add_argument("--bursts", default="1000,10000", help="burst sizes, comma-separated")
    parser.add_argument("--quick", action="store_true", help="N=1000 and a 1,000-file burst only")
    parser.add_argument("--reports", action="store_true",
                        help="watch with the report notes on, as `vaultnet watch` runs by default")
    args = parser.parse_args()
    sizes = [1000] if args.quick else [int(x) for x in args.sizes.split(",")]
    bursts = [1000] if args.quick else [int(x) for x in args.bursts.split(",") if x.strip()]
    rows = []
    with tempfile.TemporaryDirectory(prefix="vaultnet-bench-watch-") as tmp:
        work = Path(tmp)
        for n in sizes:
            root = work / f"vault-{n}"
            progress(f"N={n}: generating and indexing")
            generate_vault(root, n, seed=1)
            with NoteIndex(Vault(root)) as index:
                index.sync()
            watch = start_watch(root, args.reports)
            try:
                progress(f"N={n}: save-to-visible")
                lat = sorted(save_latencies(root))
                p95 = lat[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))]
                if not bursts:
                    rows.append((n, statistics.median(lat) * 1000, p95 * 1000, 0, 0.0, 1.0))
                for b in bursts:
                    progress(f"N={n}: burst of {b}")
                    settle, first = burst(root, b, work)
                    rows.append((n, statistics.median(lat) * 1000, p95 * 1000, b, settle, first))
            finally:
                watch.send_signal(signal.SIGTERM)
                watch.wait(timeout=60)
    header = ("N", "save→visible median ms", "p95 ms", "burst", "settled s", "first index s", "ratio (goal <= 2x)")
    lines = [header] + [(str(n), f"{m:.0f}", f"{p:.0f}", str(b), f"{s:.2f}", f"{f:.2f}", f"{s / f:.2f}x")
                        for n, m, p, b, s, f in rows]
    widths = [max(len(r[i]) for r in lines) for i in range(len(header))]
    for r in lines:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths)))
    print("goal: save-to-visible p95 <= 300 ms at 10k notes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
