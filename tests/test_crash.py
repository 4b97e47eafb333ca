"""Crash safety: kill -9 vaultnet at many points; nothing is lost and every answer stays right.

Two kinds of kill points, both real SIGKILLs of a real `python -m vaultnet` process:

- **At a file-system change.** The command runs under CRASH_BOOT, a few lines that
  wrap the OS calls which change files (open for writing, write, flush, close,
  rename, replace, link, unlink, mkdir, rmdir, fsync, fchmod) and SIGKILL the
  process just before its Nth one (just after, for an open: the truncated file).
  A first run counts them; the kill points are then every change but plain
  writes, plus a seeded sample of those writes. Nothing in vaultnet knows.
- **After a delay**, seeded, spread over the command's measured duration.

After each kill:

- index kills: the next command (`index`, or straight away a query) succeeds,
  says at most one line on stderr (that the index was rebuilt), and `search`,
  `due`, `backlinks`, `show`, `ledger`, `links`, `orphans` answer exactly as a
  fresh copy of the vault indexed with `index --rebuild`; no temporary file is
  left in the index folder, no writer process outlives the killed one;
- one-note writer kills (`log`, `log --next`, `add`, `done`, `snooze`, `set`,
  `unset`): every note is byte-identical to before or to the complete result,
  never cut short; the only leftover may be vaultnet's hidden temporary file
  beside the note, and the next write command removes it; running the command
  again completes it, or, when it had finished, changes nothing (`add`, `done`
  and `unset` refuse, `set` and `snooze` write the same bytes).

The writers of many notes are in test_crash_contacts.py (`import`, `merge`),
test_crash_capture.py (`import calendar`, `import mail`) and test_crash_reports.py
(`report`).

The fast variants try a handful of points and seeds; `--slow` tries many.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import Run, vaultnet_processes, write_vault

TODAY = "2026-11-22"
SLOW_NOTE = "run with --slow for the long variant"

# Runs vaultnet and SIGKILLs it just before its Nth change to the file system
# (VAULTNET_CRASH_AT=N), or only counts them (N=0) into VAULTNET_CRASH_LOG. Only the
# process itself counts: forked writer processes inherit the wrappers but not the kill.
# VAULTNET_CRASH_MP_BATCH lowers the size from which several writer processes are used.
CRASH_BOOT = r"""
import builtins, io, os, runpy, signal, sys
AT = int(os.environ.pop("VAULTNET_CRASH_AT", "0"))
LOG = os.environ.pop("VAULTNET_CRASH_LOG", None)
MP = os.environ.pop("VAULTNET_CRASH_MP_BATCH", None)
PID = os.getpid()
count = 0
ops = []
real_open = io.open

def tick(what):
    global count
    if os.getpid() != PID:
        return
    count += 1
    if count == AT:
        os.kill(PID, signal.SIGKILL)
    if LOG:
        ops.append(what)

class Tracked:
    def __init__(self, f):
        self._f = f
    def write(self, b):
        tick("write")
        return self._f.write(b)
    def flush(self):
        tick("flush")
        return self._f.flush()
    def close(self):
        tick("close")
        return self._f.close()
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        self.close()
    def __getattr__(self, name):
        return getattr(self._f, name)

def tracked_open(file, mode="r", *args, **kwargs):
    f = real_open(file, mode, *args, **kwargs)
    if any(c in mode for c in "wax+"):
        tick("open " + os.path.basename(str(file)))
        return Tracked(f)
    return f

builtins.open = io.open = tracked_open
WRITING = os.O_WRONLY | os.O_RDWR | os.O_CREAT

def wrap(name):
    real = getattr(os, name)
    def call(*args, **kwargs):
        if name != "open" or (len(args) > 1 and args[1] & WRITING):
            target = args[0] if args and not isinstance(args[0], int) else ""
            tick(f"{name} {os.path.basename(str(target))}".strip())
        return real(*args, **kwargs)
    setattr(os, name, call)

for name in ("open", "write", "fsync", "replace", "rename", "link", "unlink", "remove", "rmdir",
             "mkdir", "fchmod", "ftruncate"):
    wrap(name)
if MP:
    import vaultnet.index.writer
    vaultnet.index.writer.MULTIPROCESS_BATCH = int(MP)
if LOG:
    import atexit
    def dump():
        if os.getpid() == PID:
            with real_open(LOG, "w") as fh:
                fh.write("\n".join(ops))
    atexit.register(dump)
sys.argv = ["vaultnet", *sys.argv[1:]]
runpy.run_module("vaultnet", run_name="__main__")
"""

# What the recovering command may say on stderr besides the "N notes: ..." summary.
REBUILT = re.compile(r"^vaultnet: the index was rebuilt because ")
SUMMARY = re.compile(r"^\d+ notes: ")
STRAY_IN_INDEX = re.compile(r"^(\.(manifest|people)\.\d+\.tmp|_MAIN_\d+\.toc\..+|MAIN\.tmp)$")
TEMP_NOTE = re.compile(r"^\..+\.md\.\d+-[0-9a-f]+\.vaultnet-tmp$")

QUERIES = [
    ("search", "*", "--limit", "100000"),
    ("search", "zeppelin", "--limit", "100000"),
    ("search", "company:acme", "--limit", "100000"),
    ("due", "--within", "30"),
    ("backlinks", "Person 3"),
    ("show", "Person 5"),
    ("show", "Ada Lovelace"),
    ("ledger",),
    ("links", "--unresolved"),
    ("orphans",),
]


# ---------------------------------------------------------------------- vaults

def network(people: int = 40) -> dict[str, str]:
    """A small network with everything the answers depend on: links, aliases, log lines,
    #gave/#got, dated meetings, tasks with due dates, organizations, cadences."""
    files = {
        "Companies/Acme.md": "---\ntype: org\n---\nAcme makes zeppelins.\n",
        "Companies/Initech.md": "---\ntype: org\n---\nInitech.\n",
        "People/Ada Lovelace.md": "---\ntype: person\naliases: [Ada]\ncompany: \"[[Acme]]\"\n"
                                  "cadence: 2w\n---\nMathematician.\n## Log\n- 2026-10-01 Tea #got\n",
    }
    for i in range(people):
        files[f"People/Person {i}.md"] = (
            f"---\ntype: person\naliases: [P{i}]\ncadence: {i % 5 + 1}w\ntags: [t{i % 4}]\n"
            f"company: \"[[{'Acme' if i % 3 == 0 else 'Initech'}]]\"\n---\n"
            f"Person {i} knows [[Person {(i + 1) % people}]] and talks about topic{i % 7}.\n"
            f"## Log\n- 2026-0{i % 9 + 1}-01 Call with [[Person {(i + 2) % people}]] #gave\n"
            f"- 2026-10-{i % 28 + 1:02d} Lunch #got\n"
        )
    for i in range(people // 3):
        files[f"Meetings/2026-{i % 11 + 1:02d}-{i % 28 + 1:02d} Meeting {i}.md"] = (
            f"With [[Person {i}]] and [[P{(i * 7) % people}]] about zeppelin{i % 3}.\n"
            f"- [ ] Follow up with [[Person {i + 1}]] 📅 2026-12-{i % 28 + 1:02d}\n"
            f"Mentions [[Nobody {i % 4}]].\n"
        )
    return files


def edited(files: dict[str, str], seed: int = 7) -> dict[str, str]:
    """The vault after a day of editing: a third of the notes changed, some gone, some new,
    an alias moved (links elsewhere resolve differently)."""
    rng = random.Random(seed)
    after = dict(files)
    people = sorted(p for p in files if p.startswith("People/Person"))
    for path in rng.sample(people, len(people) // 3):
        after[path] = files[path].replace("#gave", "#got").replace("knows", "knows [[Ada]] and")
    for path in rng.sample(sorted(files), 5):
        after.pop(path, None)
    for i in range(6):
        after[f"Meetings/2026-11-{i + 1:02d} New {i}.md"] = f"Met [[Person {i * 3}]] and [[Ada]] about zeppelin.\n"
    after["People/Ada Lovelace.md"] = files["People/Ada Lovelace.md"].replace("aliases: [Ada]", "aliases: [Ada, P1]")
    return after


def apply_edits(root: Path, before: dict[str, str], after: dict[str, str]) -> None:
    """Change `root` from `before` to `after`, with the same mtimes in every copy."""
    for path in before:
        if path not in after:
            (root / path).unlink()
    for path, text in after.items():
        if before.get(path) != text:
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8", newline="")
            os.utime(target, ns=(1_900_000_000_000_000_000, 1_900_000_000_000_000_000))


def copy_vault(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)  # copy2 keeps mtimes: a copied index stays current
    return dst


def note_bytes(root: Path) -> dict[str, bytes]:
    """Every file in the vault outside .vaultnet/, by path."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in root.rglob("*") if p.is_file() and ".vaultnet" not in p.relative_to(root).parts
    }


# ---------------------------------------------------------------------- running and killing

def vaultnet_cmd(root: Path, *args: str) -> list[str]:
    return ["--vault", str(root), "--today", TODAY, *args]


def crash_run(root: Path, args: tuple[str, ...], at: int, log: Path | None = None,
              mp_batch: int | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "VAULTNET_CRASH_AT": str(at)}
    env.pop("VAULTNET_TODAY", None)
    if log is not None:
        env["VAULTNET_CRASH_LOG"] = str(log)
    if mp_batch is not None:
        env["VAULTNET_CRASH_MP_BATCH"] = str(mp_batch)
    # Output to a file, not a pipe: a writer process that outlives the kill would hold a pipe open.
    with open(root.parent / f"{root.name}.err", "w+") as err:
        code = subprocess.run([sys.executable, "-c", CRASH_BOOT, *vaultnet_cmd(root, *args)], env=env,
                              stdout=subprocess.DEVNULL, stderr=err, timeout=120, check=False).returncode
        err.seek(0)
        return subprocess.CompletedProcess([], code, "", err.read())


def count_changes(root: Path, args: tuple[str, ...], mp_batch: int | None = None) -> list[str]:
    """Run the command to the end, listing its changes to the file system in order."""
    log = root.parent / f"{root.name}.ops"
    done = crash_run(root, args, 0, log, mp_batch)
    assert done.returncode == 0, done.stderr
    return log.read_text().splitlines()


def kill_points(ops: list[str], rng: random.Random, structural: int | None, writes: int,
                window: tuple[int, int] | None = None) -> list[int]:
    """1-based positions to kill at: `structural` (None: all) changes that are not plain
    writes, and `writes` plain writes, chosen by `rng`, inside `window` if given."""
    low, high = window or (1, len(ops))
    others = [i for i, op in enumerate(ops, 1) if op != "write" and low <= i <= high]
    plain = [i for i, op in enumerate(ops, 1) if op == "write" and low <= i <= high]
    if structural is not None and structural < len(others):
        others = rng.sample(others, structural)
    return sorted(set(others) | set(rng.sample(plain, min(writes, len(plain)))))


def timed_kill(root: Path, args: tuple[str, ...], delay: float) -> int:
    """The real command, SIGKILLed after `delay` seconds (or finished by then)."""
    proc = subprocess.Popen([sys.executable, "-m", "vaultnet", *vaultnet_cmd(root, *args)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
    return proc.wait(timeout=60)


def measured(root_factory, args: tuple[str, ...], runs: int = 3) -> float:
    """The command's median duration, each time on a fresh copy."""
    times = []
    for _ in range(runs):
        root = root_factory()
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "vaultnet", *vaultnet_cmd(root, *args)],
                              capture_output=True, text=True, timeout=120, check=False)
        times.append(time.perf_counter() - started)
        assert done.returncode == 0, done.stderr
        shutil.rmtree(root)
    return sorted(times)[len(times) // 2]


def spread(duration: float, seeds: list[int]) -> list[tuple[int, float]]:
    """One delay per seed, stratified over [0, 1.1 x duration] so the seeds cover it all."""
    n = len(seeds)
    return [(seed, duration * 1.1 * (k + random.Random(seed).random()) / n) for k, seed in enumerate(seeds)]


def writer_processes_left(root: Path) -> list[int]:
    """Processes (forked index writers) still running with this vault on their command line."""
    token = b"\0" + str(root).encode() + b"\0"  # the --vault argument, whole
    return [pid for pid, cmdline, _ in vaultnet_processes() if token in cmdline]


def assert_no_writer_left(root: Path) -> None:
    deadline = time.monotonic() + 10.0  # a bound on waiting, not a speed requirement
    while (left := writer_processes_left(root)) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in left:  # ours: started by this test
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    assert left == [], f"writer processes outlived the killed vaultnet: {left}"


# ---------------------------------------------------------------------- answers

def answers(root: Path) -> dict[str, object]:
    run = Run(root)
    out: dict[str, object] = {}
    for query in QUERIES:
        result = run("--today", TODAY, *query, "--json")
        assert result.exit_code == 0, (query, result.stderr)
        assert result.stderr == "", (query, result.stderr)  # the index is current by now
        data = json.loads(result.stdout)
        if query[0] == "search":  # scores depend on segment statistics; the hits must not
            data = sorted(hit["path"] for hit in data)
        out[" ".join(query)] = data
    return out


def reference_answers(tmp_path: Path, files: dict[str, str]) -> dict[str, object]:
    root = write_vault(tmp_path / "reference", files)
    Run(root).ok("index", "--rebuild")
    return answers(root)


def assert_recovers(root: Path, expected: dict[str, object], first: tuple[str, ...], what: str) -> None:
    """The first command after a kill works and says at most that it rebuilt; then every
    answer equals the fresh index's, and the index folder holds no leftovers."""
    result = Run(root)("--today", TODAY, *first)
    assert result.exit_code == 0, f"{what}: {first} failed:\n{result.stderr}"
    said = [line for line in result.stderr.splitlines() if not SUMMARY.match(line)]
    assert len(said) <= 1 and all(REBUILT.match(line) for line in said), f"{what}: {said}"
    assert "Traceback" not in result.stderr
    got = answers(root)
    for key, answer in expected.items():
        assert got[key] == answer, f"{what}: `{key}` differs from a fresh index"
    strays = [n for n in os.listdir(root / ".vaultnet" / "index") if STRAY_IN_INDEX.match(n)]
    assert strays == [], f"{what}: left in the index folder: {strays}"


def first_command(k: int) -> tuple[str, ...]:
    """Alternate: repair with `index`, or let a query find the damage itself."""
    return ("index",) if k % 2 == 0 else ("search", "zeppelin", "--json")


# ---------------------------------------------------------------------- index kills

SCENARIOS = {
    # name: (command, how the vault is before it, mp_batch)
    "first-index": (("index",), "fresh", None),
    "incremental-sync": (("index",), "edited", None),
    "rebuild": (("index", "--rebuild"), "indexed", None),
    "multiprocess-first-index": (("index",), "fresh", 8),
}


class Scenario:
    """Copies of one starting vault, and the answers a fresh index of its end state gives."""

    def __init__(self, name: str, tmp_path: Path, people: int = 40):
        self.name = name
        self.args, self.start, self.mp_batch = SCENARIOS[name]
        self.tmp = tmp_path
        self.before = network(people)
        self.after = edited(self.before) if self.start == "edited" else self.before
        self.template = write_vault(tmp_path / "template", self.before)
        if self.start in ("edited", "indexed"):
            Run(self.template).ok("index")
        if self.start == "edited":
            apply_edits(self.template, self.before, self.after)
        self.expected = reference_answers(tmp_path, self.after)
        self.copies = 0

    def copy(self) -> Path:
        self.copies += 1
        return copy_vault(self.template, self.tmp / f"copy{self.copies}")


def workers_alive(ops: list[str]) -> tuple[int, int]:
    """The changes during which Whoosh's writer processes run: from the first batch handed
    to them (a `.doclist` file, closed) to the parent's own segment at commit, after it
    has waited for them."""
    first_batch = next(i for i, op in enumerate(ops, 1) if op.endswith(".doclist"))
    started = next(i for i in range(first_batch + 1, len(ops) + 1) if ops[i - 1] == "close") + 1
    joined = next(i for i, op in enumerate(ops, 1) if op.endswith("_stored.col"))
    return started, joined - 1


def kill_at_changes(scenario: Scenario, seed: int, structural: int | None, writes: int) -> list[int]:
    ops = count_changes(scenario.copy(), scenario.args, scenario.mp_batch)
    if scenario.mp_batch and not any(op.endswith(".doclist") for op in ops):
        pytest.skip("one CPU: vaultnet writes with a single process here")
    window = workers_alive(ops) if scenario.mp_batch else None
    points = kill_points(ops, random.Random(seed), structural, writes, window)
    for k, at in enumerate(points):
        root = scenario.copy()
        done = crash_run(root, scenario.args, at, mp_batch=scenario.mp_batch)
        what = f"{scenario.name}, killed before change {at}/{len(ops)} ({ops[at - 1]})"
        assert done.returncode == -signal.SIGKILL, f"{what}: not killed ({done.returncode}): {done.stderr}"
        assert_no_writer_left(root)
        assert_recovers(root, scenario.expected, first_command(k + seed), what)
        shutil.rmtree(root)
    return points


def kill_after_delays(scenario: Scenario, seeds: list[int]) -> None:
    duration = measured(scenario.copy, scenario.args)
    for k, (seed, delay) in enumerate(spread(duration, seeds)):
        root = scenario.copy()
        code = timed_kill(root, scenario.args, delay)
        what = f"{scenario.name}, seed {seed}: killed after {delay:.3f}s of {duration:.3f}s (exit {code})"
        assert_no_writer_left(root)
        assert_recovers(root, scenario.expected, first_command(k), what)
        shutil.rmtree(root)


# Whoosh leaves a file handle open when it fails to read a damaged TOC; that leak is its own.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


# Enough notes for one full batch of Whoosh's multi-process writer (200) and a last one.
PEOPLE = {"multiprocess-first-index": 200}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_index_killed_at_a_file_system_change_recovers(tmp_path, name):
    kill_at_changes(Scenario(name, tmp_path, PEOPLE.get(name, 40)), seed=1, structural=5, writes=1)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_index_killed_at_every_file_system_change_recovers(tmp_path, name):
    kill_at_changes(Scenario(name, tmp_path, PEOPLE.get(name, 40)), seed=2, structural=None, writes=25)


@pytest.mark.parametrize("name", ["first-index", "incremental-sync"])
def test_index_killed_after_a_seeded_delay_recovers(tmp_path, name):
    kill_after_delays(Scenario(name, tmp_path, people=120), seeds=[11, 12, 13])


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_index_killed_after_many_seeded_delays_recovers(tmp_path, name):
    kill_after_delays(Scenario(name, tmp_path, people=400), seeds=list(range(100, 130)))


@pytest.mark.slow
def test_large_multiprocess_first_index_killed_leaves_no_writer_behind(tmp_path):
    """The real threshold: a first index of 2000+ notes uses several writer processes."""
    scenario = Scenario("multiprocess-first-index", tmp_path, people=2100)
    scenario.mp_batch = None
    kill_after_delays(scenario, seeds=list(range(200, 206)))


# ---------------------------------------------------------------------- log and add kills

LOG_ARGS = ("log", "Person 3", "Crash-tested coffee", "--gave")
NEXT_ARGS = ("log", "Person 3", "Crash-tested call", "--next", "2w")  # a log line and a field, one write
SNOOZE_ARGS = ("snooze", "Person 5", "3w")  # a field, then the index synced with it
ADD_ARGS = ("add", "Zed Crash", "--company", "[[Acme]]", "--tag", "mentor", "--email", "zed@example.org")
DONE_ARGS = ("done", "Person 1")  # the task in Meetings/2026-01-01 Meeting 0.md
SET_ARGS = ("set", "Person 8", "company", "[[Acme]]")
UNSET_ARGS = ("unset", "Person 9", "cadence")
WRITERS = {"log": LOG_ARGS, "add": ADD_ARGS, "log-next": NEXT_ARGS, "snooze": SNOOZE_ARGS, "done": DONE_ARGS,
           "set": SET_ARGS, "unset": UNSET_ARGS}
# What running a finished command again says: it refuses, and changes nothing.
REFUSED_AGAIN = {"add": "already exists", "done": "has no open task", "unset": "has no 'cadence' field"}
SAME_AGAIN = ("snooze", "set")  # running it again writes the same value: nothing changes
# `log` and `log --next` are not run again once they landed: a second run is a second line.


class WriteScenario:
    """An indexed vault, one write command, and the notes' bytes before and after it."""

    def __init__(self, tmp_path: Path, args: tuple[str, ...]):
        self.tmp = tmp_path
        self.args = args
        self.copies = 0
        self.template = write_vault(tmp_path / "template", network(), config='people_dirs = ["People"]\n')
        Run(self.template).ok("index")
        self.before = note_bytes(self.template)
        finished = self.copy()
        self.ops = count_changes(finished, args)
        self.after = note_bytes(finished)
        changed = {p for p in set(self.before) | set(self.after) if self.before.get(p) != self.after.get(p)}
        assert len(changed) == 1, changed
        self.target = changed.pop()

    def copy(self) -> Path:
        self.copies += 1
        return copy_vault(self.template, self.tmp / f"copy{self.copies}")

    def note_changes(self) -> int:
        """How many of the changes are the note's: those before the index is synced with it."""
        return next((i for i, op in enumerate(self.ops) if op == "open index.lock"), len(self.ops))

    def check(self, root: Path, what: str) -> list[Path]:
        """Every note as before or as after, nothing cut short; returns the leftover temp files."""
        now = note_bytes(root)
        temps = [root / p for p in now if p not in self.before and p not in self.after]
        for p in temps:
            assert TEMP_NOTE.match(p.name), f"{what}: unexpected file {p}"
            assert p.parent == (root / self.target).parent, f"{what}: temp file away from the note: {p}"
        for path in set(self.before) | set(self.after):
            got = now.get(path)
            assert got in (self.before.get(path), self.after.get(path)), (
                f"{what}: {path} is neither as before nor complete ({None if got is None else len(got)} bytes)"
            )
        return temps

    def finish(self, root: Path, temps: list[Path], what: str) -> None:
        """The next write command removes stale temp files; running the command again completes
        it, or, when it had finished, changes nothing."""
        for p in temps:  # the killed process is gone; make the files as old as a real leftover
            os.utime(p, (time.time() - 3600, time.time() - 3600))
        run = Run(root)
        target = root / self.target
        was = target.read_bytes() if target.exists() else None
        run.ok("--today", TODAY, "log", "Person 7", "after the crash")  # any write command
        assert [p for p in temps if p.exists()] == [], f"{what}: stale temp files were not removed"
        assert list(root.rglob("*vaultnet-tmp")) == [], what
        assert (target.read_bytes() if target.exists() else None) == was
        command = self.args[0]
        if was != self.after[self.target]:  # not done yet: doing it again completes it
            run.ok("--today", TODAY, *self.args)
        elif command in REFUSED_AGAIN:
            again = run("--today", TODAY, *self.args)
            assert again.exit_code == 1 and REFUSED_AGAIN[command] in again.stderr, (what, again.stderr)
        elif command in SAME_AGAIN:
            run.ok("--today", TODAY, *self.args)
        assert target.read_bytes() == self.after[self.target], what


def kill_writes_at_changes(scenario: WriteScenario, rng: random.Random, index_changes: int | None,
                           index_writes: int) -> tuple[int, int]:
    """Kill at every change the note's write makes, and at `index_changes` (None: all) of the
    changes of the index sync after it with `index_writes` of its plain writes, chosen by `rng`;
    after a kill in that sync, every answer must be a fresh index's.
    Returns (kill points tried, how many left a temporary file behind)."""
    ops, end = scenario.ops, scenario.note_changes()
    points = list(range(1, end + 1))
    expected = None
    if end < len(ops):
        points += kill_points(ops, rng, index_changes, index_writes, window=(end + 1, len(ops)))
        fresh = write_vault(scenario.tmp / "fresh", scenario.after, config='people_dirs = ["People"]\n')
        Run(fresh).ok("index", "--rebuild")
        expected = answers(fresh)
    left = 0
    for k, at in enumerate(points):
        root = scenario.copy()
        done = crash_run(root, scenario.args, at)
        what = f"{scenario.args[0]}, killed before change {at}/{len(ops)} ({ops[at - 1]})"
        assert done.returncode == -signal.SIGKILL, f"{what}: not killed ({done.returncode}): {done.stderr}"
        temps = scenario.check(root, what)
        left += bool(temps)
        if at > end:  # the note is written; the index must answer for it
            assert expected is not None
            assert_recovers(root, expected, first_command(k), what)
        scenario.finish(root, temps, what)
        shutil.rmtree(root)
    return len(points), left


@pytest.mark.parametrize("name", list(WRITERS))
def test_write_killed_at_each_file_system_change_loses_nothing(tmp_path, name):
    scenario = WriteScenario(tmp_path, WRITERS[name])
    # The sync before the write changes nothing (the index is current): the first changes are the
    # write's, every one of them tried; of the sync after it (snooze), a sample.
    tried, left = kill_writes_at_changes(scenario, random.Random(3), index_changes=4, index_writes=2)
    assert tried >= 8
    assert left >= 1, "no kill point fell between the temporary file and its rename"


@pytest.mark.slow
def test_snooze_killed_at_every_change_of_its_index_sync_loses_nothing(tmp_path):
    """The one writer that syncs the index after its write (to say what is still due)."""
    scenario = WriteScenario(tmp_path, SNOOZE_ARGS)
    tried, _ = kill_writes_at_changes(scenario, random.Random(4), index_changes=None, index_writes=25)
    assert tried == len([op for op in scenario.ops if op != "write"]) + 1 + 25


def kill_writes_after_delays(scenario: WriteScenario, seeds: list[int], runs: int) -> None:
    """Kill the write after each seed's delay; every note as before or complete, then finished."""
    duration = measured(scenario.copy, scenario.args, runs=runs)
    for seed, delay in spread(duration, seeds):
        root = scenario.copy()
        code = timed_kill(root, scenario.args, delay)
        what = f"{scenario.args[0]}, seed {seed}: killed after {delay:.3f}s of {duration:.3f}s (exit {code})"
        scenario.finish(root, scenario.check(root, what), what)
        shutil.rmtree(root)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(WRITERS))
def test_write_killed_after_many_seeded_delays_loses_nothing(tmp_path, name):
    kill_writes_after_delays(WriteScenario(tmp_path, WRITERS[name]), list(range(300, 340)), runs=3)


@pytest.mark.parametrize("name", ["log", "snooze", "done", "set", "unset"])
def test_write_killed_after_a_seeded_delay_loses_nothing(tmp_path, name):
    seeds = [21, 22, 23, 24] if name == "log" else [21, 22]
    kill_writes_after_delays(WriteScenario(tmp_path, WRITERS[name]), seeds, runs=1)


# ---------------------------------------------------------------------- stale temporary files

def test_a_stale_temp_file_is_removed_by_the_next_write_and_a_live_ones_is_kept(vault):
    run = vault({"People/Bo.md": "## Log\n", "Notes/Idea.md": "x\n"}, config='people_dirs = ["People"]\n')
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(dead.stdout)  # that process has ended
    old = time.time() - 3600
    stale = run.root / "Notes" / f".Idea.md.{dead_pid}-0badc0de.vaultnet-tmp"
    live = run.root / "People" / f".Bo.md.{os.getpid()}-feedf00d.vaultnet-tmp"
    young = run.root / "People" / f".Bo.md.{dead_pid}-12345678.vaultnet-tmp"
    lookalike = run.root / "Notes" / ".Idea.md.vaultnet-tmp"  # not ours: no PID
    no_pid = run.root / "Notes" / f".Idea.md.{10**30}-0badc0de.vaultnet-tmp"  # no process can have it
    for p in (stale, live, lookalike, no_pid):
        p.write_bytes(b"half a no")
        os.utime(p, (old, old))
    young.write_bytes(b"being written")  # mtime now: might be a write in another PID namespace
    assert run("search", "half").stdout.count("vaultnet-tmp") == 0  # dot files are never notes
    run.ok("--today", TODAY, "log", "Bo", "hello")
    assert not stale.exists()
    assert live.exists() and young.exists() and lookalike.exists() and no_pid.exists()
    assert (run.root / "People/Bo.md").read_text() == "## Log\n- 2026-11-22 hello\n"


def test_a_read_command_never_deletes_temp_files(vault):
    run = vault({"People/Bo.md": "## Log\n"})
    stale = run.root / "People" / ".Bo.md.999999999-0badc0de.vaultnet-tmp"
    stale.write_bytes(b"x")
    os.utime(stale, (0, 0))
    run.ok("due", "--json")
    run.ok("index")
    assert stale.exists()
