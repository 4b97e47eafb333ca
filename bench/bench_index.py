#!/usr/bin/env python3
"""Benchmark vaultnet's index against the floors it cannot beat.

Every vaultnet number is printed next to a floor measured in the same run on
the same files: parsing every note with python-frontmatter (first index), a
bare os.scandir + stat walk (no-change sync), and rg/grep (search).  Ratios to
floors travel between machines; absolute seconds do not.

Run it with the interpreter that has vaultnet installed:

    .venv/bin/python bench/bench_index.py            # N = 1000 and 10000
    .venv/bin/python bench/bench_index.py --quick    # N = 1000 only

The table goes to stdout, progress to stderr.  Nothing is asserted: it reports.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import frontmatter

# Goals from the project's performance brief; printed next to the ratios.
GOAL_INDEX_VS_PARSE = 4.0
GOAL_SYNC_VS_WALK = 2.0
GOAL_SEARCH_VS_GREP = 5.0

REPEATS = 5
NOTE_BYTES = 2000  # target size of every generated note
N_COMPANIES = 50
MARKER = "bench-generated"  # file in .vaultnet/ that marks a vault this script may delete
QUERY = "kubernetes"

FIRST = """Ada Alan Grace Linus Barbara Ken Dennis Margaret Edsger Donald Frances Radia
Guido Bjarne Anders Yukihiro Rob Nadia Sophie Tim Hedy Katherine Annie Joan Niklaus
Leslie John Lucia Ravi Leila Kenji Aisha Alex Priya Omar Mei Tomas Ingrid Kwame Sana""".split()
LAST = """Lovelace Turing Hopper Torvalds Liskov Thompson Ritchie Hamilton Dijkstra Knuth
Allen Perlman Rossum Stroustrup Hejlsberg Matsumoto Pike Wilson Berners Lamarr Johnson
Easley Clarke Wirth Lamport Backus Romero Iyer Karimi Watanabe Bello Kim Nair Haddad
Chen Novak Larsen Mensah Qureshi""".split()
ROLES = ["Staff Engineer", "Engineering Manager", "Product Manager", "CTO", "Designer",
         "Data Scientist", "Recruiter", "SRE", "Founder", "VP Engineering", "Researcher"]
TAGS = ["kubernetes", "rust", "python", "ml", "mentor", "hiring", "design", "security",
        "compilers", "startups", "databases", "close", "conference", "investor"]
CADENCES = ["2w", "30d", "monthly", "3m", "quarterly", "1y"]
ACTIVITIES = ["Coffee with", "Call with", "Lunch with", "Intro to", "Sent an article to",
              "Video chat with", "Dinner with", "Met at a conference with"]
WORDS = """the a of and to in on for with about from after before while over under
team project platform migration release roadmap design review incident outage budget
hiring interview offer career growth mentor advice feedback launch customer product
market startup funding round investor board strategy pricing contract partner vendor
cluster service latency throughput database query cache queue pipeline deploy rollout
compiler runtime language library framework benchmark memory thread kernel network
talked asked shared promised suggested introduced recommended helped learned noticed
planned wondered mentioned explained agreed disagreed followed wrote read sent met
quickly carefully honestly really mostly probably again later soon still already
new old big small early late hard easy good better best clear open shared remote
week month quarter year morning afternoon evening weekend conference meetup talk paper
idea question answer problem solution tradeoff risk detail summary draft plan note
kubernetes terraform postgres python rust golang observability security privacy""".split()


# --------------------------------------------------------------------------- vault


def person_name(i: int, width: int) -> str:
    """File name stem of person i: every first/last pairing occurs; the number keeps stems unique."""
    return f"{FIRST[i % len(FIRST)]} {LAST[i // len(FIRST) % len(LAST)]} {i:0{width}d}"


def prose(rng: random.Random, size: int, link_pool: list[str]) -> str:
    """English-ish paragraphs with links and #tags sprinkled at roughly real-note density."""
    out: list[str] = []
    length = 0
    paragraph: list[str] = []
    while length < size:
        words = rng.choices(WORDS, k=rng.randint(8, 16))
        if rng.random() < 0.25:
            words.insert(rng.randrange(len(words)), f"[[{rng.choice(link_pool)}]]")
        if rng.random() < 0.2:
            words.append(f"#{rng.choice(TAGS)}")
        sentence = " ".join(words) + "."
        sentence = sentence[0].upper() + sentence[1:]  # not str.capitalize(): it lowercases links
        paragraph.append(sentence)
        length += len(sentence) + 1
        if len(paragraph) >= rng.randint(3, 6):
            out.append(" ".join(paragraph))
            paragraph = []
    if paragraph:
        out.append(" ".join(paragraph))
    return "\n\n".join(out) + "\n"


def rand_date(rng: random.Random) -> str:
    """A date in the past year or so, so log lines count as contact rather than plans."""
    year = rng.choice([2025, 2026])
    month = rng.randint(1, 12 if year == 2025 else 4)
    return f"{year}-{month:02d}-{rng.randint(1, 28):02d}"


def log_line(rng: random.Random, other: str) -> str:
    tags = " ".join(f"#{t}" for t in rng.sample(TAGS, rng.randint(1, 2)))
    ledger = rng.choice(["", "", " #gave", " #got"])
    return f"- {rand_date(rng)} {rng.choice(ACTIVITIES)} [[{other}]] about {tags}{ledger}"


def person_note(rng: random.Random, i: int, people: list[str]) -> str:
    """A contact note shaped like the spec's examples: every field kind, links, a log."""
    name = people[i]
    first, last, _ = name.split(" ")
    company = rng.randint(1, N_COMPANIES)
    fm = [f"name: {json.dumps(name)}"]
    if rng.random() < 0.3:
        fm.append(f"aliases: [{json.dumps(first)}, {json.dumps(f'{first[0]}. {last}')}]")
    fm += [
        f'company: "[[Company {company}]]"',
        f"role: {json.dumps(rng.choice(ROLES))}",
        f"email: {first.lower()}.{last.lower()}.{i}@company{company}.example",
        f'phone: "+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}"',
        f"tags: [{', '.join(rng.sample(TAGS, rng.randint(1, 3)))}]",
    ]
    if i % 2 == 0:
        fm.append(f"cadence: {rng.choice(CADENCES)}")
    others = [p for p in rng.sample(people, min(8, len(people))) if p != name] or [name]
    log = "\n".join(log_line(rng, rng.choice(others)) for _ in range(rng.randint(3, 6)))
    head = "---\n" + "\n".join(fm) + f"\n---\n# {name}\n\n"
    tail = f"\n## Log\n\n{log}\n"
    body = prose(rng, NOTE_BYTES - len(head) - len(tail), others)
    return head + body + tail


def meeting_note(rng: random.Random, j: int, people: list[str]) -> tuple[str, str]:
    """A dated note: every person it links gets an interaction on that date."""
    date = f"2026-{rng.randint(1, 4):02d}-{rng.randint(1, 28):02d}"
    attendees = rng.sample(people, min(len(people), rng.randint(2, 5)))
    head = (f"---\ndate: {date}\ntype: meeting\n---\n# Meeting {j:04d}\n\n"
            f"Attendees: {', '.join(f'[[{a}]]' for a in attendees)}\n\n")
    bullets: list[str] = []
    while len(head) + sum(len(b) + 1 for b in bullets) < NOTE_BYTES:
        bullets.append("- " + prose(rng, 80, attendees).strip())
    return f"Meetings/{date} Meeting {j:04d}.md", head + "\n".join(bullets) + "\n"


def company_note(rng: random.Random, k: int, people: list[str]) -> str:
    head = (f"---\ntype: company\nindustry: {json.dumps(rng.choice(TAGS))}\n"
            f"url: https://company{k}.example\n---\n# Company {k}\n\n")
    return head + prose(rng, NOTE_BYTES - len(head), rng.sample(people, min(5, len(people))))


def generate_vault(root: Path, n: int, seed: int) -> int:
    """Write the synthetic vault; same seed and N give byte-identical files, so runs compare."""
    rng = random.Random(f"{seed}-{n}")
    width = max(4, len(str(n - 1)))
    people = [person_name(i, width) for i in range(n)]
    for folder in ("People", "Meetings", "Companies", ".vaultnet"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / ".vaultnet" / "config.toml").write_text(
        'people_dirs = ["People"]\norg_dirs = ["Companies"]\n', encoding="utf-8")
    (root / ".vaultnet" / MARKER).write_text("made by bench/bench_index.py; safe to delete\n")
    count = 0
    for i in range(n):
        (root / "People" / f"{people[i]}.md").write_text(person_note(rng, i, people), encoding="utf-8")
        count += 1
    for j in range(n // 10):
        rel, text = meeting_note(rng, j, people)
        (root / rel).write_text(text, encoding="utf-8")
        count += 1
    for k in range(1, N_COMPANIES + 1):
        (root / "Companies" / f"Company {k}.md").write_text(company_note(rng, k, people), encoding="utf-8")
        count += 1
    return count


# --------------------------------------------------------------------------- measuring


@dataclass
class Child:
    seconds: float
    maxrss_mb: float
    stdout: str


def run_child(args: list[str]) -> Child:
    """Run one process and reap it with wait4, so its peak RSS is its own, not the run's maximum.

    Output goes to files, not /dev/null: grep and rg stop at the first match
    when they see stdout is /dev/null, which would make the floor meaningless.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    # grep and rg exit 1 when nothing matched: a valid answer, not a failure.
    ok = (0, 1) if args[0] in ("rg", "grep") else (0,)
    if proc.returncode not in ok:
        sys.exit(f"bench: {' '.join(args)} exited {proc.returncode}:\n{stderr.strip()}")
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KB on Linux
    return Child(seconds, usage.ru_maxrss / scale, stdout)


def median_of(fn, repeats: int = REPEATS) -> float:
    """Median, not mean: one page-cache miss or scheduler hiccup should not move the number."""
    return statistics.median(fn() for _ in range(repeats))


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def note_paths(root: Path) -> list[str]:
    """The .md files vaultnet would read: hidden folders (.vaultnet) are not notes."""
    out = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        out += [os.path.join(folder, f) for f in files if f.endswith(".md")]
    return out


def parse_floor(paths: list[str]) -> None:
    """The least work any indexer must do: read each note and split off its YAML."""
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            frontmatter.loads(fh.read())


def stat_walk(root: str) -> int:
    """The least work a no-change check must do: list every folder and stat every note."""
    count = 0
    stack = [root]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif entry.name.endswith(".md"):
                    entry.stat()
                    count += 1
    return count


def in_process_sync(root: Path) -> None:
    """Fresh objects each time, as one CLI invocation would make them, minus interpreter start-up."""
    from vaultnet.index import NoteIndex
    from vaultnet.vault.folder import Vault

    index = NoteIndex(Vault(root))
    try:
        index.sync()
    finally:
        index.close()


def grep_command(root: Path) -> tuple[str, list[str]]:
    """rg if installed, else GNU grep, both limited to the .md notes vaultnet searches."""
    if shutil.which("rg"):
        return "rg", ["rg", "-c", "-g", "*.md", QUERY, str(root)]
    return "grep", ["grep", "-rc", "--include=*.md", "--exclude-dir=.*", QUERY, str(root)]


@dataclass
class Result:
    n: int
    notes: int
    parse_floor_s: float
    first_index_s: float
    index_vs_parse: float
    notes_per_s: float
    peak_mb: float
    sync_cli_s: float
    sync_inproc_s: float
    walk_s: float
    sync_vs_walk: float
    one_change_ms: float
    search_s: float
    search_hits: int
    grep_tool: str
    grep_s: float
    search_vs_grep: float
    due_s: float
    due_vs_grep: float


def bench_vault(root: Path, n: int, notes: int) -> Result:
    """All measurements on one vault, in the order a user meets them: build, re-check, edit, search."""
    cli = [sys.executable, "-m", "vaultnet", "--vault", str(root)]

    progress(f"N={n}: parse floor")
    paths = note_paths(root)
    parse_floor(paths)  # warm the page cache so the floor and vaultnet both read from memory
    floor = median_of(lambda: timed(lambda: parse_floor(paths)), 3)

    progress(f"N={n}: first index")
    shutil.rmtree(root / ".vaultnet" / "index", ignore_errors=True)
    first = run_child(cli + ["index"])

    progress(f"N={n}: no-change sync")
    sync_cli = median_of(lambda: run_child(cli + ["index"]).seconds)
    in_process_sync(root)  # warm-up: module imports belong to start-up, not to the sync
    sync_inproc = median_of(lambda: timed(lambda: in_process_sync(root)))
    walk = median_of(lambda: timed(lambda: stat_walk(str(root))))

    progress(f"N={n}: one changed note")
    people = sorted((root / "People").iterdir())
    rng = random.Random(n)
    changes = []
    for victim in rng.sample(people, REPEATS):
        with open(victim, "a", encoding="utf-8") as fh:
            fh.write(f"- 2026-04-30 Benchmark edit with [[{people[0].stem}]] #{QUERY}\n")
        changes.append(timed(lambda: in_process_sync(root)))
    one_change = statistics.median(changes)

    progress(f"N={n}: search")
    search_args = cli + ["search", QUERY, "--limit", "20", "--json"]
    hits = len(json.loads(run_child(search_args).stdout))  # warm-up, and proof it found something
    search = median_of(lambda: run_child(search_args).seconds)
    tool, grep_args = grep_command(root)
    run_child(grep_args)
    grep = median_of(lambda: run_child(grep_args).seconds)

    progress(f"N={n}: due")
    due_args = cli + ["--today", "2026-11-22", "due", "--json"]
    run_child(due_args)  # warm-up: the first run after edits refolds nothing, but loads caches
    due = median_of(lambda: run_child(due_args).seconds)

    return Result(
        n=n, notes=notes, parse_floor_s=floor, first_index_s=first.seconds,
        index_vs_parse=first.seconds / floor, notes_per_s=notes / first.seconds,
        peak_mb=first.maxrss_mb, sync_cli_s=sync_cli, sync_inproc_s=sync_inproc, walk_s=walk,
        sync_vs_walk=sync_inproc / walk, one_change_ms=one_change * 1000, search_s=search,
        search_hits=hits, grep_tool=tool, grep_s=grep, search_vs_grep=search / grep,
        due_s=due, due_vs_grep=due / grep,
    )


# --------------------------------------------------------------------------- output


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def render_table(results: list[Result], python_start: float) -> str:
    """Plain aligned text with the goal under each ratio, so a reader needs no legend to judge."""
    tool = results[0].grep_tool if results else "grep"
    columns = [  # (header line 1, header line 2, cell)
        ("N", "", lambda r: f"{r.n}"),
        ("notes", "", lambda r: f"{r.notes}"),
        ("parse", "floor s", lambda r: f"{r.parse_floor_s:.3f}"),
        ("first", "index s", lambda r: f"{r.first_index_s:.2f}"),
        ("index/", f"parse<={GOAL_INDEX_VS_PARSE:g}", lambda r: f"{r.index_vs_parse:.1f}x"),
        ("notes/s", "", lambda r: f"{r.notes_per_s:.0f}"),
        ("peak", "MB", lambda r: f"{r.peak_mb:.0f}"),
        ("sync s", "process", lambda r: f"{r.sync_cli_s:.3f}"),
        ("sync s", "in-proc", lambda r: f"{r.sync_inproc_s:.4f}"),
        ("walk", "s", lambda r: f"{r.walk_s:.4f}"),
        ("sync/", f"walk<={GOAL_SYNC_VS_WALK:g}", lambda r: f"{r.sync_vs_walk:.1f}x"),
        ("1-change", "ms", lambda r: f"{r.one_change_ms:.0f}"),
        ("search", "s", lambda r: f"{r.search_s:.3f}"),
        (tool, "s", lambda r: f"{r.grep_s:.3f}"),
        ("search/", f"{tool}<={GOAL_SEARCH_VS_GREP:g}", lambda r: f"{r.search_vs_grep:.1f}x"),
        ("due", "s", lambda r: f"{r.due_s:.3f}"),
        ("due/", f"{tool}<={GOAL_SEARCH_VS_GREP:g}", lambda r: f"{r.due_vs_grep:.1f}x"),
    ]
    rows = [[h1 for h1, _, _ in columns], [h2 for _, h2, _ in columns]]
    rows += [[cell(r) for _, _, cell in columns] for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in rows]
    lines.insert(2, "  ".join("-" * w for w in widths))

    lines.append("")
    lines.append(f"python -c pass: {python_start:.3f} s (interpreter start-up, part of every "
                 "'process' number)")
    lines.append(f"search floor: {tool} -c {QUERY} over the same .md files")
    for r in results:
        verdicts = [
            ("first index", r.index_vs_parse, GOAL_INDEX_VS_PARSE, "parse floor"),
            ("no-change sync", r.sync_vs_walk, GOAL_SYNC_VS_WALK, "stat walk"),
            ("search", r.search_vs_grep, GOAL_SEARCH_VS_GREP, tool),
            ("due", r.due_vs_grep, GOAL_SEARCH_VS_GREP, tool),
        ]
        parts = [f"{what} {ratio:.1f}x {floor} (goal <= {goal:g}x: {'met' if ratio <= goal else 'MISSED'})"
                 for what, ratio, goal, floor in verdicts]
        lines.append(f"N={r.n}: " + "; ".join(parts) + f"; search hits {r.search_hits}"
                     f"; one changed note {r.one_change_ms:.0f} ms (goal <= 100 ms, derived facts included)")
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000",
                        help="comma-separated numbers of people (default: 1000,10000)")
    parser.add_argument("--quick", action="store_true", help="N=1000 only")
    parser.add_argument("--keep", action="store_true", help="keep the generated vaults")
    parser.add_argument("--json", action="store_true", help="print the results as JSON after the table")
    parser.add_argument("--out", type=Path, help="generate the vaults here (kept) instead of a temp folder")
    parser.add_argument("--seed", type=int, default=1, help="seed for the generated vaults (default: 1)")
    args = parser.parse_args(argv)
    args.sizes = [1000] if args.quick else [int(s) for s in args.sizes.split(",") if s.strip()]
    return args


def fresh_vault_dir(base: Path, n: int) -> Path:
    """A clean folder for vault N; only ever deletes a folder this script generated."""
    root = base / f"vault-{n}"
    if root.exists():
        if not (root / ".vaultnet" / MARKER).exists():
            sys.exit(f"bench: {root} exists and was not generated by this script; not touching it")
        shutil.rmtree(root)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        import vaultnet  # noqa: F401  -- the in-process numbers need it importable here
    except ImportError:
        sys.exit(f"bench: vaultnet is not importable from {sys.executable}; run with .venv/bin/python")

    base = args.out if args.out else Path(tempfile.mkdtemp(prefix="vaultnet-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    keep = args.keep or args.out is not None
    progress(f"vaults in {base}")
    python_start = median_of(lambda: run_child([sys.executable, "-c", "pass"]).seconds)

    results = []
    try:
        for n in args.sizes:
            root = fresh_vault_dir(base, n)
            progress(f"N={n}: generating")
            notes = generate_vault(root, n, args.seed)
            results.append(bench_vault(root, n, notes))
            if not keep:
                shutil.rmtree(root, ignore_errors=True)
    finally:
        if not keep:
            shutil.rmtree(base, ignore_errors=True)
        else:
            progress(f"kept vaults in {base}")

    print(render_table(results, python_start))
    if args.json:
        print(json.dumps({"python_start_s": python_start, "results": [asdict(r) for r in results]},
                         indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
