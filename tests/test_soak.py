"""Concurrency soak: a real `watch` process, writers and readers, all at once.

Several threads run the real program as subprocesses against one vault while
`vaultnet watch` keeps the index current:

- two log writers (`log NAME TEXT`, sometimes `--gave`/`--got`, linking others),
- an add writer (`add NAME ...`, then at once `log` to the newcomer),
- an "editor" that saves notes the way editors do (a temp file os.replace'd
  over the note, appending a log line), creates dated meeting notes and moves
  old ones to an archive folder,
- readers (`search`, `due --json`, `backlinks --json`, `ledger --json`,
  `links --json`), each of which also syncs the index at its start.

Then: no command failed, no log line was lost or doubled, and once the
watcher has settled its index answers exactly as a fresh `index --rebuild` of
a copy of the vault does. The watcher stops on SIGINT with exit 0.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from .conftest import run_subprocess, write_vault

TODAY = "2026-11-22"
WAIT = 60.0  # a bound on waiting for the watcher, not a speed requirement

CONFIG = """\
people_dirs = ["People"]
org_dirs = ["Companies"]
default_cadence = "120d"
[cadence_by_tag]
mentor = "30d"
close = "2w"
"""

PEOPLE = ["Ada Lovelace", "Bob Lee", "Cy Young", "Dana Scully", "Eve Moneypenny", "Finn Mertens",
          "Gail Peck", "Hal Jordan", "Ivy Pepper", "Jon Snow", "Kim Wexler", "Lou Reed"]
EDITOR_PERSON = "Mia Wallace"  # only the editor writes her note
PROJECTS = [f"Project {k}" for k in range(3)]  # only the editor writes these
TOPICS = ["kubernetes", "hiring", "climbing", "rust", "funding", "design"]

# A reader may answer from the last commit while another process holds the index lock (SPEC §3).
ALLOWED_STDERR = re.compile(r"^vaultnet: .*answering from its last state$")


def day(n: int) -> str:
    """A past date, spread over the last ~4 months, never after TODAY."""
    return (dt.date(2026, 11, 22) - dt.timedelta(days=n % 120)).isoformat()


def seed_vault(root: Path) -> Path:
    files: dict[str, str] = {}
    for i, name in enumerate(PEOPLE):
        fm = ["---", "type: person"]
        if i % 3 == 0:
            fm.append("tags: [mentor]")
        elif i % 3 == 1:
            fm.append("tags: [close]")
        if i % 4 == 0:
            fm.append("cadence: 45d")
        fm.append(f'company: "[[{"Acme Corp" if i % 2 else "Globex"}]]"')
        if i % 5 == 0:
            fm.append(f"aliases: [{name.split()[0]}]")
        if i % 6 == 2:
            fm.append(f"follow_up: {day(i * 11)}")
        fm.append("---")
        friend = PEOPLE[(i + 1) % len(PEOPLE)]
        files[f"People/{name}.md"] = "\n".join(fm) + (
            f"\n# {name}\n\nKnows [[{friend}]].\n\n## Log\n- {day(i * 17)} first met at a #{TOPICS[i % 6]} meetup\n"
        )
    files[f"People/{EDITOR_PERSON}.md"] = (
        "---\ntype: person\ntags: [close]\n---\n# Mia\n\nWorks with [[Ada Lovelace]].\n\n## Log\n"
    )
    files["Companies/Acme Corp.md"] = "---\ntype: org\n---\nMakes anvils.\n"
    files["Companies/Globex.md"] = "---\ntype: org\n---\nMakes everything else.\n"
    for k, project in enumerate(PROJECTS):
        files[f"Projects/{project}.md"] = f"# {project}\n\nWith [[{PEOPLE[k]}]] and [[Nobody Yet {k}]].\n\n## Log\n"
    for m in range(4):
        files[f"Meetings/{day(m * 9)} Standup {m}.md"] = (
            f"Standup with [[{PEOPLE[m]}]] and [[{PEOPLE[m + 4]}]] about #{TOPICS[m]}.\n"
            "- [ ] send notes to [[Bob Lee]] 📅 2026-11-30\n"
        )
    return write_vault(root, files, config=CONFIG)


class Soak:
    """Runs commands, collects every failure instead of raising in worker threads."""

    def __init__(self, root: Path):
        self.root = root
        self.lock = threading.Lock()
        self.failures: list[str] = []
        self.commands: Counter[str] = Counter()
        self.stale_answers = 0
        self.written: dict[str, list[str]] = {}  # vault path -> log lines appended to it

    def fail(self, message: str) -> None:
        with self.lock:
            self.failures.append(message)

    def expect(self, rel: str, line: str) -> None:
        with self.lock:
            self.written.setdefault(rel, []).append(line)

    def run(self, *args: str, as_json: bool = True):
        """The command as a subprocess; its parsed JSON, or None after recording a failure."""
        result = run_subprocess("--vault", str(self.root), "--today", TODAY, *args)
        where = " ".join(args)
        bad = [line for line in result.stderr.splitlines() if line.strip() and not ALLOWED_STDERR.match(line)]
        with self.lock:
            self.commands[args[args[0] == "--no-sync"]] += 1
            self.stale_answers += len(result.stderr.splitlines()) - len(bad)
        if result.returncode != 0 or bad:
            self.fail(f"`{where}`: exit {result.returncode}\nstderr:\n{result.stderr}")
            return None
        if not as_json:
            return result.stdout
        try:
            return json.loads(result.stdout)
        except ValueError:
            self.fail(f"`{where}`: stdout is not JSON:\n{result.stdout[:2000]}")
            return None

    def worker(self, name: str, body) -> threading.Thread:
        def guarded():
            try:
                body()
            except BaseException as exc:
                self.fail(f"thread {name} crashed: {type(exc).__name__}: {exc}")

        thread = threading.Thread(target=guarded, name=name, daemon=True)
        thread.start()
        return thread


def log_writer(soak: Soak, w: int, rounds: int) -> None:
    for r in range(rounds):
        person = PEOPLE[(r * 5 + w * 7) % len(PEOPLE)]
        other = PEOPLE[(r * 3 + w + 1) % len(PEOPLE)]
        if other == person:
            other = EDITOR_PERSON
        flag = ["--gave"] if r % 4 == 1 else ["--got"] if r % 4 == 3 else []
        text = f"soak w{w} r{r}: coffee with [[{other}]] about #{TOPICS[(r + w) % 6]}"
        out = soak.run("log", person, text, "--date", day(r * 7 + w), *flag, "--json")
        if out is not None:
            soak.expect(out["path"], out["text"])
            if out["path"] != f"People/{person}.md":
                soak.fail(f"log {person!r} wrote to {out['path']}")


def add_writer(soak: Soak, rounds: int) -> None:
    for r in range(rounds):
        # Similar names on purpose: a lookup against a stale index could pick a neighbour.
        name = f"Newcomer {r:02d}"
        out = soak.run("add", name, "--company", "[[Acme Corp]]", "--tag", "mentor" if r % 2 else "close",
                       "--met", f"at the r{r} meetup via [[{PEOPLE[r % len(PEOPLE)]}]]", "--json")
        if out is None:
            continue
        if out["path"] != f"People/{name}.md":
            soak.fail(f"add {name!r} made {out['path']}")
        logged = soak.run("log", name, f"welcome call r{r} with [[{PEOPLE[(r + 2) % len(PEOPLE)]}]]",
                          "--date", day(r), "--json")
        if logged is not None:
            soak.expect(logged["path"], logged["text"])
            if logged["path"] != out["path"]:
                soak.fail(f"log {name!r} right after add wrote to {logged['path']}, not {out['path']}")


def editor(soak: Soak, rounds: int, stop: threading.Event) -> None:
    """Saves as editors do: the whole new text in a temp file, os.replace'd over the note."""
    root = soak.root
    targets = [f"Projects/{p}.md" for p in PROJECTS] + [f"People/{EDITOR_PERSON}.md"]
    meetings: list[Path] = []
    (root / "Archive").mkdir(exist_ok=True)
    for r in range(rounds):
        if stop.is_set():
            return
        rel = targets[r % len(targets)]
        note = root / rel
        person = PEOPLE[(r * 7) % len(PEOPLE)]
        tag = " #gave" if r % 5 == 2 else " #got" if r % 5 == 4 else ""
        line = f"- {day(r * 3)} editor r{r}: call with [[{person}]] on #{TOPICS[r % 6]}{tag}"
        text = note.read_text(encoding="utf-8")
        new = text + ("" if text.endswith("\n") else "\n") + line + "\n"
        # Hidden temp (VS Code, Obsidian) or one beside the note that is not a .md file.
        tmp = note.with_name(f".{note.name}.{r}.tmp" if r % 2 else f"{note.name}.tmp{r}")
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(new)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, note)
        soak.expect(rel, line)
        if r % 3 == 0:  # a new dated meeting note, written the same way
            meeting = root / "Meetings" / f"{day(r * 2 + 1)} Soak {r}.md"
            tmp = meeting.with_name(f".{meeting.name}.tmp")
            tmp.write_text(f"Met [[{person}]] and [[{PEOPLE[(r + 5) % len(PEOPLE)]}]] about #{TOPICS[r % 6]}.\n",
                           encoding="utf-8")
            os.replace(tmp, meeting)
            meetings.append(meeting)
        if r % 7 == 6 and meetings:  # filed away: the note moves, its links stay
            old = meetings.pop(0)
            os.rename(old, root / "Archive" / old.name)
        with soak.lock:
            soak.commands["(editor save)"] += 1
        time.sleep(0.05)


def reader(soak: Soak, k: int, rounds: int, writers_done: threading.Event) -> None:
    queries = ["*", "kubernetes", "tag:mentor", "company:acme", "name:newcomer", "soak"]
    for r in range(rounds):
        if writers_done.is_set() and r >= 3:
            return
        what = (r + k) % 5
        # Some reads skip the sync: they only read, while other processes commit and merge segments.
        no_sync = ["--no-sync"] if (r + k) % 3 == 0 else []
        if what == 0:
            out = soak.run(*no_sync, "search", queries[(r + k) % len(queries)], "--limit", "500", "--json")
        elif what == 1:
            out = soak.run("due", "--within", "14", "--json")
        elif what == 2:
            out = soak.run(*no_sync, "backlinks", PEOPLE[(r + k) % len(PEOPLE)], "--json")
        elif what == 3:
            out = soak.run("ledger", "--json")
        else:
            out = soak.run(*no_sync, "links", "--json")
        if out is not None and not isinstance(out, list):
            soak.fail(f"reader {k} round {r}: expected a JSON list, got {type(out).__name__}")


def answers(root: Path, *, no_sync: bool, people: list[str]) -> dict:
    """What the index says, in a form that can be compared between two vaults."""
    flags = ["--no-sync"] if no_sync else []

    def get(args):
        result = run_subprocess("--vault", str(root), "--today", TODAY, *flags, *args, "--json")
        assert result.returncode == 0 and not result.stderr, (args, result.stderr)
        return json.loads(result.stdout)

    asks = {
        "search": ["search", "*", "--limit", "10000"],
        "due": ["due"],
        "due_within": ["due", "--within", "60"],
        "ledger": ["ledger"],
        "links": ["links"],
        "unresolved": ["links", "--unresolved"],
        "orphans": ["orphans"],
        **{f"backlinks {name}": ["backlinks", name] for name in people},
        **{f"show {name}": ["show", name] for name in people},
    }
    with ThreadPoolExecutor(max_workers=4) as pool:
        out = dict(zip(asks, pool.map(get, asks.values())))
    out["search"] = sorted((h["path"], h["name"], h["kind"]) for h in out["search"])  # scores vary by segment
    out["reports"] = reports(root)
    return out


def fresh_copy(root: Path, dest: Path) -> Path:
    """The notes and config, without the index or anything else vaultnet keeps."""

    def ignore(folder, names):
        if Path(folder) == root / ".vaultnet":
            return [n for n in names if n != "config.toml"]
        return ["vaultnet"] if Path(folder) == root else []  # the watcher's report notes

    shutil.copytree(root, dest, ignore=ignore)
    for args in (["index", "--rebuild"], ["report"]):
        result = run_subprocess("--vault", str(dest), "--today", TODAY, *args)
        assert result.returncode == 0, result.stderr
    return dest


def reports(root: Path) -> dict[str, str]:
    folder = root / "vaultnet"
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir())} if folder.exists() else {}


def soak(tmp_path: Path, rounds: int) -> None:
    root = seed_vault(tmp_path / "vault")
    assert run_subprocess("--vault", str(root), "index").returncode == 0
    watcher = subprocess.Popen(
        [sys.executable, "-m", "vaultnet", "--vault", str(root), "--today", TODAY, "watch"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    watch_err: list[str] = []
    started = threading.Event()

    def drain():
        for line in watcher.stderr:
            watch_err.append(line)
            if line.startswith("watching "):
                started.set()
        started.set()

    drainer = threading.Thread(target=drain, daemon=True)
    drainer.start()
    began = time.monotonic()
    s = Soak(root)
    try:
        assert started.wait(WAIT) and watcher.poll() is None, "watch did not start:\n" + "".join(watch_err)
        writers_done = threading.Event()
        writers = [
            s.worker("log-0", lambda: log_writer(s, 0, rounds)),
            s.worker("log-1", lambda: log_writer(s, 1, rounds)),
            s.worker("add", lambda: add_writer(s, max(1, rounds // 2))),
            s.worker("editor", lambda: editor(s, rounds * 2, writers_done)),
        ]
        readers = [s.worker(f"read-{k}", lambda k=k: reader(s, k, rounds * 2, writers_done)) for k in range(2)]
        for t in writers:
            t.join(timeout=600)
        writers_done.set()
        for t in readers:
            t.join(timeout=600)
        assert not any(t.is_alive() for t in writers + readers), "a worker thread hung"
        soak_seconds = time.monotonic() - began

        assert not s.failures, f"{len(s.failures)} failed commands:\n" + "\n\n".join(s.failures[:10])

        # Zero lost lines: each appended log line is in its note, exactly once.
        lost = []
        for rel, lines in s.written.items():
            text = (root / rel).read_text(encoding="utf-8").splitlines()
            counts = Counter(text)
            lost += [f"{rel}: {line!r} x{counts[line]}" for line in lines if counts[line] != 1]
        assert not lost, "lost or doubled log lines:\n" + "\n".join(lost[:20])

        # Last edits that nothing but the watcher sees (every read from here on is --no-sync):
        # a save, a new dated note, a note moved, a note deleted.
        note = root / f"Projects/{PROJECTS[0]}.md"
        last = f"- {day(5)} last word with [[{PEOPLE[1]}]] and [[Newcomer 00]] #gave"
        tmp = note.with_name(f".{note.name}.last.tmp")
        tmp.write_text(note.read_text(encoding="utf-8") + last + "\n", encoding="utf-8")
        os.replace(tmp, note)
        (root / "Meetings" / f"{day(2)} Last.md").write_text(f"Lunch with [[{PEOPLE[3]}]].\n", encoding="utf-8")
        os.rename(root / "Projects" / f"{PROJECTS[2]}.md", root / "Archive" / f"{PROJECTS[2]}.md")
        (root / "People" / f"{PEOPLE[-1]}.md").unlink()

        # The watcher settles to what a fresh build of the same notes says.
        people = ["Ada Lovelace", "Bob Lee", "Acme Corp", EDITOR_PERSON, "Newcomer 00"]
        expected = answers(fresh_copy(root, tmp_path / "fresh"), no_sync=False, people=people)
        deadline = time.monotonic() + WAIT
        polls: list[list[str]] = []  # what differed, poll after poll
        while True:
            live = answers(root, no_sync=True, people=people)
            polls.append(sorted(k for k in expected if live[k] != expected[k]))
            if live == expected:
                break
            if time.monotonic() > deadline:
                diff = {k: (live[k], expected[k]) for k in expected if live[k] != expected[k]}
                raise AssertionError(f"the watcher's index never matched a fresh build: {sorted(diff)}\n"
                                     f"{json.dumps(diff, indent=1, ensure_ascii=False)[:6000]}")
            time.sleep(0.2)
        settled = time.monotonic() - began - soak_seconds  # with the fresh build and the polls

        # ... and its manifest agrees with the files: a sync finds nothing to do.
        synced = run_subprocess("--vault", str(root), "index", "--json")
        assert synced.returncode == 0, synced.stderr
        counts = json.loads(synced.stdout)
        assert (counts["added"], counts["updated"], counts["removed"]) == (0, 0, 0), counts
    finally:
        if watcher.poll() is None:
            watcher.send_signal(signal.SIGINT)
        try:
            watcher.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            watcher.kill()
            watcher.wait()
        drainer.join(timeout=WAIT)
        out = watcher.stdout.read()
        watcher.stdout.close()
        watcher.stderr.close()
    assert out == "", out
    err = "".join(watch_err)
    assert watcher.returncode == 0, err
    assert "Traceback" not in err and "rebuilt" not in err, err
    assert err.rstrip().endswith("stopped"), err
    total = sum(n for k, n in s.commands.items() if not k.startswith("("))
    print(f"\nsoak rounds={rounds}: {soak_seconds:.1f}s, {total} commands "
          f"({dict(sorted(s.commands.items()))}), {s.stale_answers} stale answers, "
          f"settled in {settled:.1f}s after {len(polls)} polls {polls[:-1]}, {len(watch_err)} watcher lines")


def test_soak_fast(tmp_path):
    soak(tmp_path, rounds=14)


@pytest.mark.slow
def test_soak_slow(tmp_path):
    soak(tmp_path, rounds=120)


# ---------------------------------------------------------------------- regressions found by the soak


def _watch_in_thread(root: Path, **options):
    """A Watcher in a thread (as in test_watch.py); returns (stop, thread, errors, index)."""
    from vaultnet.index import NoteIndex
    from vaultnet.vault.folder import Vault
    from vaultnet.watch.watcher import Watcher

    index = NoteIndex(Vault(root))
    stop, ready, errors = threading.Event(), threading.Event(), []

    def run():
        try:
            Watcher(index, lambda: dt.date(2026, 11, 22), lambda batch: None, **options).run(
                stop, lambda batch: ready.set())
        except BaseException as exc:
            errors.append(exc)
            ready.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(WAIT) and not errors, errors
    return stop, thread, errors, index


def _eventually(check, what: str, bound: float = 15.0):
    deadline = time.monotonic() + bound
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"never true: {what}")
        time.sleep(0.05)


def test_reports_follow_a_commit_made_by_another_process(tmp_path):
    """A read command's sync indexed the change before the watcher's batch did: the watcher
    found nothing left to index and kept writing the old report notes."""
    from vaultnet.index import NoteIndex
    from vaultnet.vault.folder import Vault

    root = write_vault(tmp_path / "v", {"People/Ada.md": "---\ncadence: 30d\n---\nMathematician.\n"},
                       config='people_dirs = ["People"]\n')
    follow = root / "vaultnet/Follow-ups.md"
    stop, thread, errors, index = _watch_in_thread(root, quiet=1.0)
    try:
        assert "[[People/Ada]]" in follow.read_text()  # never contacted, has a cadence: due
        (root / "2026-11-21 Coffee.md").write_text("Coffee with [[Ada]]\n")
        with NoteIndex(Vault(root)) as other:  # `vaultnet due` in another shell, within the quiet time
            assert other.sync().added == ["2026-11-21 Coffee.md"]
        _eventually(lambda: "[[People/Ada]]" not in follow.read_text(), "Follow-ups.md updated")
    finally:
        stop.set()
        thread.join(WAIT)
        index.close()
    assert not errors, errors


def test_watcher_survives_a_long_held_index_lock(tmp_path):
    """Another process held the index lock (a rebuild of a large vault) longer than the watcher
    waits: the watcher died with IndexBusy and the paths of that batch were dropped."""
    from whoosh.util.filelock import FileLock

    from vaultnet.index import NoteIndex
    from vaultnet.vault.folder import Vault

    root = write_vault(tmp_path / "v", {"People/Ada.md": "Mathematician.\n"}, config='people_dirs = ["People"]\n')
    stop, thread, errors, index = _watch_in_thread(root, quiet=0.05, lock_wait=0.3)
    lock = FileLock(str(root / ".vaultnet/index.lock"))
    try:
        assert lock.acquire(blocking=False)
        (root / "People/Bob.md").write_text("Engineer who likes zeppelins.\n")
        time.sleep(1.0)  # several batches meet the busy lock
        assert thread.is_alive() and not errors, errors
        lock.release()
        _eventually(lambda: "People/Bob.md" in NoteIndex(Vault(root)).entries(), "Bob indexed once the lock is free")
    finally:
        if lock.fd is not None:  # still ours (Whoosh's `locked` is never reset)
            lock.release()
        stop.set()
        thread.join(WAIT)
        index.close()
    assert not errors, errors


def test_reports_survive_a_commit_while_they_are_built(tmp_path, monkeypatch):
    """Reports are built outside the index lock. Another process's commit merged away segments
    the watcher's searcher had not opened yet (Whoosh opens column files lazily), and building
    Unresolved.md failed with a TypeError inside Whoosh: the watcher died."""
    from vaultnet.index import NoteIndex
    from vaultnet.network import queries
    from vaultnet.vault.folder import Vault

    root = write_vault(tmp_path / "v", {f"People/P{i}.md": f"Knows [[Nobody {i}]].\n" for i in range(5)},
                       config='people_dirs = ["People"]\n')
    unresolved = queries.unresolved_links
    raced = []

    def racing(index):
        index.searcher()  # opened on the current commit, as reports.build does first
        if not raced:
            raced.append(True)
            with NoteIndex(Vault(root)) as other:  # `vaultnet due` in other shells: commits, then a merge
                for i in range(8):
                    (root / f"People/New {i}.md").write_text(f"Knows [[Someone {i}]].\n")
                    assert other.sync().added == [f"People/New {i}.md"]
        return unresolved(index)

    monkeypatch.setattr(queries, "unresolved_links", racing)
    stop, thread, errors, index = _watch_in_thread(root, quiet=0.05)
    try:
        assert raced
        _eventually(lambda: "[[Someone 7]]" in (root / "vaultnet/Unresolved.md").read_text(), "reports current")
    finally:
        stop.set()
        thread.join(WAIT)
        index.close()
    assert not errors, errors


def test_open_searcher_survives_commits_by_another_process(tmp_path):
    from vaultnet.index import NoteIndex
    from vaultnet.network import queries
    from vaultnet.vault.folder import Vault

    root = write_vault(tmp_path / "v", {f"People/P{i}.md": f"likes kubernetes [[P{i + 1}]]\n" for i in range(5)})
    with NoteIndex(Vault(root)) as reader, NoteIndex(Vault(root)) as other:
        reader.sync()
        reader.searcher()  # a long command (graph, who on a large vault) is still reading
        for i in range(8):  # `vaultnet due` in other shells: commits, then Whoosh merges the small segments
            (root / f"People/Q{i}.md").write_text("likes kubernetes\n")
            other.sync()
        assert len(queries.search(reader, "kubernetes", limit=100)) == 5


def test_log_right_after_add_never_writes_to_a_neighbour_while_the_index_is_busy(tmp_path):
    from whoosh.util.filelock import FileLock

    root = write_vault(tmp_path / "v", {"People/Newcomer 02.md": "---\ntype: person\n---\n## Log\n"},
                       config='people_dirs = ["People"]\n')
    assert run_subprocess("--vault", str(root), "index").returncode == 0
    assert run_subprocess("--vault", str(root), "add", "Newcomer 03").returncode == 0
    lock = FileLock(str(root / ".vaultnet/index.lock"))
    assert lock.acquire(blocking=False)  # the watcher indexing a large checkout
    try:
        result = run_subprocess("--vault", str(root), "--today", TODAY, "log", "Newcomer 03", "welcome call",
                                "--json")
    finally:
        lock.release()
    assert "welcome call" not in (root / "People/Newcomer 02.md").read_text()
    if result.returncode == 0:
        assert json.loads(result.stdout)["path"] == "People/Newcomer 03.md"
