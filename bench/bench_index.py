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
import compileall
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import frontmatter

from vaultnet.vault.config import CONFIG_TEMPLATE

# Goals from the project's performance brief; printed next to the ratios.
GOAL_LIST_VS_GREP = 2.0  # due, show, ledger, news, references
GOAL_SEARCH_VS_GREP = 3.0  # in every run
GOAL_CHANGED_VS_DUE = 1.5  # due right after one note changed, against a no-change due
GOAL_FIRST_ANSWER = 3.0  # due on a vault with no index yet, against the parse floor
GOAL_FIRST_INDEX = 8.0  # a complete first index, against the parse floor
GOAL_SYNC_VS_WALK = 2.0
GOAL_PEAK_MB = 500

REPEATS = 5
# The measured processes' environment: each command answers itself, unless a row says a
# `vaultnet watch` answers it (cli/resident.py), whatever the machine runs besides.
CHILD_ENV: dict[str, str] = {**os.environ, "VAULTNET_NO_SERVER": "1"}
SERVED_ENV: dict[str, str] = {k: v for k, v in os.environ.items() if k != "VAULTNET_NO_SERVER"}
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


def moments(i: int, name: str, others: list[str]) -> tuple[list[str], list[str]]:
    """(frontmatter lines, log lines) of the moments (SPEC §8): birthdays, references, #news and
    #noticed. From their own generator, so the rest of the vault stays what it was for a seed."""
    rng = random.Random(f"moments-{name}")
    fm, log = [], []
    if i % 7 == 0:
        year = str(rng.randint(1960, 2000)) if rng.random() < 0.7 else "-"  # --MM-DD: the year unknown
        fm.append(f"birthday: {year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")
    if i % 11 == 0:
        fm.append(f"reference: {json.dumps('the ' + rng.choice(TAGS) + ' migration')}")
    if i % 5 == 0:
        log.append(f"- 2026-{rng.randint(9, 11):02d}-{rng.randint(1, 20):02d} New role at Company "
                   f"{rng.randint(1, N_COMPANIES)} #news")
    if i % 9 == 0:
        log.append(f"- {rand_date(rng)} [[{rng.choice(others)}]] liked the {rng.choice(TAGS)} talk #noticed")
    return fm, log


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
    extra_fm, extra_log = moments(i, name, others)
    fm += extra_fm
    log = "\n".join([log_line(rng, rng.choice(others)) for _ in range(rng.randint(3, 6))] + extra_log)
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
    # The settings `vaultnet init` writes, as a user's vault has them (its `Templates/**` glob too).
    (root / ".vaultnet" / "config.toml").write_text(CONFIG_TEMPLATE, encoding="utf-8")
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


def run_child(args: list[str], env: dict[str, str] | None = None) -> Child:
    """Run one process and reap it with wait4, so its peak RSS is its own, not the run's maximum.

    Output goes to files, not /dev/null: grep and rg stop at the first match
    when they see stdout is /dev/null, which would make the floor meaningless.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                env=CHILD_ENV if env is None else env)
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


def wait_for_lock(root: Path) -> float:
    """Seconds until no process holds the vault's index lock (the index written behind a first answer)."""
    from vaultnet.vault.locks import wait_for_lock as take

    start = time.perf_counter()
    lock = take(root / ".vaultnet" / "index.lock", timeout=3600, poll=0.02)
    if lock is not None:
        lock.release()
    return time.perf_counter() - start


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
class Work:
    """One row of the table at one N: vaultnet's seconds next to its floor's, pair by pair."""

    key: str
    seconds: list[float]
    floor_s: list[float]
    peak_mb: float = 0.0

    @property
    def ratios(self) -> list[float]:
        return [s / f for s, f in zip(self.seconds, self.floor_s)]

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)


# (key, what, floor, goal, the goal's own word: "median" or "every run")
ROWS = [
    ("due", "`due`", "rg", GOAL_LIST_VS_GREP, "median"),
    ("show", "`show NAME`", "rg", GOAL_LIST_VS_GREP, "median"),
    ("ledger", "`ledger`", "rg", GOAL_LIST_VS_GREP, "median"),
    ("news", "`news`", "rg", GOAL_LIST_VS_GREP, "median"),
    ("references", "`references`", "rg", GOAL_LIST_VS_GREP, "median"),
    ("search", f"`search {QUERY}`", "rg", GOAL_SEARCH_VS_GREP, "every run"),
    ("due_changed", "`due` right after one note changed", "no-change `due`", GOAL_CHANGED_VS_DUE, "median"),
    ("due_changed_behind", "the same, until its commit is written behind it (the lock is free)",
     "no-change `due`", GOAL_CHANGED_VS_DUE, "median"),
    ("due_served", "`due`, `watch` running", "rg", GOAL_LIST_VS_GREP, "median"),
    ("show_served", "`show NAME`, `watch` running", "rg", GOAL_LIST_VS_GREP, "median"),
    ("ledger_served", "`ledger`, `watch` running", "rg", GOAL_LIST_VS_GREP, "median"),
    ("news_served", "`news`, `watch` running", "rg", GOAL_LIST_VS_GREP, "median"),
    ("references_served", "`references`, `watch` running", "rg", GOAL_LIST_VS_GREP, "median"),
    ("search_served", f"`search {QUERY}`, `watch` running", "rg", GOAL_SEARCH_VS_GREP, "every run"),
    ("due_changed_served", "`due` right after one note changed, `watch` running", "no-change `due`",
     GOAL_CHANGED_VS_DUE, "median"),
    ("due_changed_served_behind", "the same, until the watch has written its commit (the lock is free)",
     "no-change `due`", GOAL_CHANGED_VS_DUE, "median"),
    ("first_answer", "first answer on a fresh vault (`due`, no index)", "parse floor", GOAL_FIRST_ANSWER, "median"),
    ("first_answer_behind", "first answer, then its index written behind it (until the lock is free)",
     "parse floor", GOAL_FIRST_INDEX, "median"),
    ("first_index", "complete first index (`index`)", "parse floor", GOAL_FIRST_INDEX, "median"),
    ("sync", "no-change sync, in-process", "stat walk", GOAL_SYNC_VS_WALK, "median"),
]


@dataclass
class Result:
    n: int
    notes: int
    grep_tool: str
    python_start_s: float
    works: dict[str, Work]
    peak_mb: float  # the largest peak RSS of any vaultnet process measured at this N


def _pairs(key: str, floor, work, repeats: int = REPEATS) -> Work:
    """`repeats` pairs, the floor then vaultnet, so both meet the same load on a shared machine."""
    out = Work(key, [], [])
    for _ in range(repeats):
        out.floor_s.append(floor())
        child = work()
        out.seconds.append(child.seconds)
        out.peak_mb = max(out.peak_mb, child.maxrss_mb)
    return out


def bench_vault(root: Path, n: int, notes: int, repeats: int = REPEATS, python_start: float = 0.0) -> Result:
    """Every row of the table on one vault, in the order a user meets them: first answer, index, lists."""
    cli = [sys.executable, "-m", "vaultnet", "--vault", str(root), "--today", "2026-11-22"]
    index_dir = root / ".vaultnet" / "index"
    works: dict[str, Work] = {}
    tool, grep_args = grep_command(root)

    progress(f"N={n}: parse floor")
    paths = note_paths(root)
    parse_floor(paths)  # warm the page cache so the floor and vaultnet both read from memory
    floor = median_of(lambda: timed(lambda: parse_floor(paths)), 3)

    progress(f"N={n}: first answer, first index")
    firsts = 1 if n > 20000 else 2  # each is a whole build: at 50k one of each is minutes
    behind = Work("first_answer_behind", [], [])
    for key, args in (("first_answer", cli + ["due", "--json"]), ("first_index", cli + ["index"])):
        def fresh(args=args, key=key) -> Child:
            shutil.rmtree(index_dir, ignore_errors=True)
            child = run_child(args)
            if key == "first_answer":  # the index is written behind the answer, by a process of its own
                behind.seconds.append(child.seconds + wait_for_lock(root))
                behind.floor_s.append(floor)
            return child
        works[key] = _pairs(key, lambda: floor, fresh, firsts)
    works["first_answer_behind"] = behind
    run_child(cli + ["index"])  # whatever the first answer left to do (postings) is done now

    progress(f"N={n}: no-change sync")
    in_process_sync(root)  # warm-up: module imports belong to start-up, not to the sync
    works["sync"] = _pairs("sync", lambda: timed(lambda: stat_walk(str(root))),
                           lambda: Child(timed(lambda: in_process_sync(root)), 0.0, ""), repeats)

    name = sorted((root / "People").iterdir())[0].stem
    commands = {
        "due": ["due", "--json"], "show": ["show", name, "--json"], "ledger": ["ledger", "--json"],
        "news": ["news", "--json"], "references": ["references", "--json"],
        "search": ["search", QUERY, "--limit", "20", "--json"],
    }
    for key, args in commands.items():
        progress(f"N={n}: {key}")
        warm = run_child(cli + args)  # warm-up, and proof it answers
        if key == "search" and not json.loads(warm.stdout):
            sys.exit("bench: search found nothing")
        works[key] = _pairs(key, lambda: run_child(grep_args).seconds, lambda args=args: run_child(cli + args),
                            repeats)

    progress(f"N={n}: due after one changed note")
    people = sorted((root / "People").iterdir())
    rng = random.Random(n)
    victims = iter(rng.sample(people, repeats))

    # A change's commit is written behind the answer: the no-change `due` of the next pair must not
    # wait for it, so each floor waits for the lock first (untimed), and the wait is a row of its own.
    changed_behind = Work("due_changed_behind", [], [])

    def unchanged() -> float:
        wait_for_lock(root)
        seconds = run_child(cli + ["due", "--json"]).seconds
        changed_behind.floor_s.append(seconds)
        return seconds

    def changed() -> Child:
        with open(next(victims), "a", encoding="utf-8") as fh:
            fh.write(f"- 2026-04-30 Benchmark edit with [[{people[0].stem}]] #{QUERY}\n")
        child = run_child(cli + ["due", "--json"])
        changed_behind.seconds.append(child.seconds + wait_for_lock(root))
        return child
    works["due_changed"] = _pairs("due_changed", unchanged, changed, repeats)
    works["due_changed_behind"] = changed_behind

    # The same commands while `vaultnet watch` runs: it answers them from memory (cli/resident.py).
    with watch_running(cli):
        for key, args in commands.items():
            progress(f"N={n}: {key}, watch running")
            run_child(cli + args, SERVED_ENV)
            works[key + "_served"] = _pairs(key, lambda: run_child(grep_args).seconds,
                                            lambda args=args: run_child(cli + args, SERVED_ENV), repeats)
        progress(f"N={n}: due after one changed note, watch running")
        victims = iter(rng.sample(people, repeats))
        # The watch, too, answers a change before its commit and writes it right after, holding
        # the index's lock meanwhile: each floor waits for that first, as above.
        served_behind = Work("due_changed_served_behind", [], [])

        def unchanged_served() -> float:
            wait_for_lock(root)
            seconds = run_child(cli + ["due", "--json"], SERVED_ENV).seconds
            served_behind.floor_s.append(seconds)
            return seconds

        def changed_served() -> Child:
            with open(next(victims), "a", encoding="utf-8") as fh:
                fh.write(f"- 2026-05-01 Benchmark edit with [[{people[0].stem}]] #{QUERY}\n")
            child = run_child(cli + ["due", "--json"], SERVED_ENV)
            served_behind.seconds.append(child.seconds + wait_for_lock(root))
            return child
        works["due_changed_served"] = _pairs("due_changed_served", unchanged_served, changed_served, repeats)
        works["due_changed_served_behind"] = served_behind
    return Result(n=n, notes=notes, grep_tool=tool, python_start_s=python_start, works=works,
                  peak_mb=max(w.peak_mb for w in works.values()))


class watch_running:
    """`vaultnet watch` on the vault from `with` to its end, once it answers commands."""

    def __init__(self, cli: list[str]):
        self.cli = cli

    def __enter__(self):
        self.proc = subprocess.Popen(self.cli + ["watch", "--no-reports"], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=CHILD_ENV)
        probe = [sys.executable, "-c", "import sys; from vaultnet.cli.launch import request; "
                 "sys.exit(request(sys.argv[1:]) is None)", *self.cli[3:], "links", "--json"]
        deadline = time.monotonic() + 600
        while subprocess.run(probe, env=SERVED_ENV).returncode != 0:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                sys.exit("bench: `vaultnet watch` did not start answering")
            time.sleep(0.2)
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=120)


# --------------------------------------------------------------------------- output


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def render_table(results: list[Result]) -> str:
    """The issue's table: one row per work, one column per N, the ratio to its floor and the seconds."""
    tool = results[0].grep_tool if results else "rg"
    head = ["work"] + [f"N={r.n:,} ({r.notes:,} notes)" for r in results] + ["goal"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key, what, floor, goal, word in ROWS:
        floor = tool if floor == "rg" else floor
        cells = [what]
        for r in results:
            w = r.works[key]
            ratio = max(w.ratios) if word == "every run" else w.ratio
            spread = f"{min(w.ratios):.1f}–{max(w.ratios):.1f}x" if len(w.ratios) > 1 else f"{ratio:.1f}x"
            verdict = "" if ratio <= goal else " MISSED"
            cells.append(f"{spread} ({statistics.median(w.seconds):.3f} s vs {statistics.median(w.floor_s):.3f} s)"
                         f"{verdict}")
        cells.append(f"<= {goal:g}x {floor}" + (", every run" if word == "every run" else ""))
        lines.append("| " + " | ".join(cells) + " |")
    cells = ["peak memory (any vaultnet process)"] + [f"{r.peak_mb:.0f} MB" + ("" if r.peak_mb <= GOAL_PEAK_MB
                                                                                 else " MISSED") for r in results]
    lines.append("| " + " | ".join(cells + [f"<= {GOAL_PEAK_MB} MB"]) + " |")
    lines.append("")
    lines.append("Each cell: the lowest and highest of the pair-by-pair ratios (vaultnet / its floor, taken "
                 "back to back), then the median seconds of each. MISSED: the median ratio (for search the "
                 "highest) is over the goal.")
    if results:
        lines.append(f"python -c pass: {results[0].python_start_s:.3f} s (interpreter start-up, in every "
                     f"process). Floors: {tool} -c {QUERY} over the .md files; read + frontmatter.loads of "
                     "every note, in-process; an os.scandir + stat walk.")
    return "\n".join(lines)


def as_json(results: list[Result]) -> dict:
    return {"results": [{"n": r.n, "notes": r.notes, "peak_mb": r.peak_mb, "python_start_s": r.python_start_s,
                         "works": {k: {"seconds": w.seconds, "floor_s": w.floor_s, "ratios": w.ratios,
                                       "peak_mb": w.peak_mb} for k, w in r.works.items()}}
                        for r in results]}


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
        import vaultnet  # the in-process numbers need it importable here
    except ImportError:
        sys.exit(f"bench: vaultnet is not importable from {sys.executable}; run with .venv/bin/python")

    # Time vaultnet as an installed program runs: pip compiles an installed package's bytecode.
    # A checkout where PYTHONDONTWRITEBYTECODE is set would compile vaultnet's modules again in
    # every process (0.1 s of each one-shot command).
    compileall.compile_dir(os.path.dirname(vaultnet.__file__), quiet=1)
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
            results.append(bench_vault(root, n, notes, python_start=python_start))
            if not keep:
                shutil.rmtree(root, ignore_errors=True)
    finally:
        if not keep:
            shutil.rmtree(base, ignore_errors=True)
        else:
            progress(f"kept vaults in {base}")

    print(render_table(results))
    if args.json:
        print(json.dumps(as_json(results), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
