"""Concurrency soak for the daily writers: one person's note written by everyone at once.

While `vaultnet watch` keeps the index current, threads run the real program as
subprocesses against one person's note, Zed's:

- `log` (sometimes with `--next`, `--news` or `--noticed`),
- `snooze`, `set` (location and role) and `done` (each open task once),
- an editor that saves Zed's note the way editors do (the whole text in a temp file,
  renamed over the note, checked just before the rename as editors do),
- `import mail` of several mbox files, all into the month note the watcher watches
  (each file imported twice: the second run must write nothing),
- readers (`due`, `show`, `news`, `references`, `search`).

Then: every command exited 0, every log line, task completion, mail line and editor
line is in its note exactly once, the frontmatter is one valid block with its
comments, and the watcher's index answers as a fresh `index --rebuild` does.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml

from .capture_files import mbox, message
from .conftest import run_subprocess, write_vault
from .test_soak import ALLOWED_STDERR, TODAY, WAIT, Soak, answers, day, fresh_copy

# What the commands say on stderr besides data: `import mail`'s summary, and `snooze`'s word
# that an open task still makes the person due sooner.
SUMMARY = re.compile(r"^(\d+ messages?: \d+ lines? in |.* is still due \d{4}-\d{2}-\d{2} \(task\))")


class DailySoak(Soak):
    def run(self, *args: str, as_json: bool = True):
        result = run_subprocess("--vault", str(self.root), "--today", TODAY, *args)
        where = " ".join(args)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        stale = [line for line in lines if ALLOWED_STDERR.match(line)]
        bad = [line for line in lines if not ALLOWED_STDERR.match(line) and not SUMMARY.match(line)]
        with self.lock:
            self.commands[args[0] if args[0] != "import" else "import mail"] += 1
            self.stale_answers += len(stale)
        if result.returncode != 0 or bad:
            self.fail(f"`{where}`: exit {result.returncode}\nstderr:\n{result.stderr}")
            return None
        try:
            return json.loads(result.stdout)
        except ValueError:
            self.fail(f"`{where}`: stdout is not JSON:\n{result.stdout[:2000]}")
            return None

HOT = "Zed Hotspot"
FRIENDS = ["Ada Lovelace", "Bob Lee", "Cy Young", "Dana Scully"]
EMAILS = {name: name.split()[0].lower() + "@soak.example" for name in FRIENDS}
TASKS = 8  # open tasks in Zed's note; `done` completes each once

ZED = (
    "---\n"
    "type: person  # set by hand\n"
    "# how we met: the 2024 offsite\n"
    "location: Utrecht\n"
    "role: Engineer\n"
    "follow_up: 2026-11-01\n"
    "tags: [close]\n"
    "email: zed@soak.example\n"
    "---\n"
    f"# {HOT}\n\nWorks with [[Ada Lovelace]].\n\n## Log\n- 2026-10-01 first coffee\n\n"
    + "".join(f"- [ ] hot task {k} 📅 2026-11-{10 + k:02d}\n" for k in range(TASKS))
)


def seed(root: Path) -> Path:
    files = {f"People/{HOT}.md": ZED, "Me.md": "---\ntype: person\nname: Sam\nemail: sam@soak.example\n---\n"}
    for name in FRIENDS:
        files[f"People/{name}.md"] = f"---\ntype: person\nemail: {EMAILS[name]}\n---\n# {name}\n\n## Log\n"
    return write_vault(root, files, config='people_dirs = ["People"]\nme = "Me"\ndefault_cadence = "30d"\n')


def mail_files(folder: Path, count: int) -> list[Path]:
    """mbox files with messages between you and the friends in November 2026; some threads
    span two files, so a second file meets lines the first already wrote."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for f in range(count):
        messages = []
        for m in range(6):
            friend = FRIENDS[(f + m) % len(FRIENDS)]
            subject = f"soak thread {(f * 6 + m) // 4}"
            date = f"Tue, {3 + (f * 6 + m) % 20:02d} Nov 2026 10:{m:02d}:00 +0000"
            messages.append(message(f"{friend} <{EMAILS[friend]}>", "Sam <sam@soak.example>", subject, date,
                                    message_id=f"soak-{f}-{m}"))
        path = folder / f"export-{f}.mbox"
        path.write_bytes(mbox(*messages))
        files.append(path)
    return files


def shell_writer(soak: Soak, rounds: int) -> None:
    for r in range(rounds):
        extra = ["--next", f"{r + 1}w"] if r % 3 == 0 else ["--news"] if r % 3 == 1 else ["--noticed"]
        out = soak.run("log", HOT, f"hot r{r} with [[{FRIENDS[r % len(FRIENDS)]}]]", "--date", day(r), *extra,
                       "--json")
        if out is not None:
            soak.expect(out["path"], out["text"])


def field_writer(soak: Soak, rounds: int) -> None:
    for r in range(rounds):
        if r % 2:
            soak.run("snooze", HOT, snooze_day(r).isoformat(), "--json")
        else:
            soak.run("set", HOT, "location" if r % 4 == 0 else "role", f"Place {r}", "--json")


def snooze_day(r: int) -> dt.date:
    return dt.date(2026, 12, 1) + dt.timedelta(days=r)


def done_writer(soak: Soak) -> None:
    for k in range(TASKS):
        out = soak.run("done", HOT, f"hot task {k}", "--json")
        if out is not None:
            soak.expect(out["path"], out["text"])


def editor(soak: Soak, rounds: int) -> None:
    """An editor saving Zed's note: read, append, write a temp file, and rename it over the note
    if the note is still what it read (an editor that reloads on a change does this).

    The check and the rename are one step here (under vaultnet's write lock): between the two, a
    real editor can lose a line vaultnet wrote an instant before, and nothing can prevent that
    but the editor. It was hit once in the five whole-suite runs after readers began to commit
    their index behind their answers (more I/O beside the editor). The soak is about vaultnet's
    own writers, which read and write a note under that lock."""
    from vaultnet.edits.writes import vault_write_lock

    note = soak.root / f"People/{HOT}.md"
    saved = 0
    for r in range(rounds * 4):
        if saved == rounds:
            break
        before = note.read_bytes()
        line = f"- {day(r + 40)} editor r{r} notes by hand"
        tmp = note.with_name(f".{note.name}.editor{r}.tmp")
        with open(tmp, "wb") as fh:
            fh.write(before + line.encode() + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        with vault_write_lock(soak.root / ".vaultnet"):
            if note.read_bytes() != before:  # vaultnet wrote meanwhile: read again, as an editor reloads
                tmp.unlink()
                continue
            os.replace(tmp, note)
        soak.expect(f"People/{HOT}.md", line)
        saved += 1
        with soak.lock:
            soak.commands["(editor save)"] += 1
        time.sleep(0.07)


def mail_importer(soak: Soak, files: list[Path]) -> None:
    for path in files:
        soak.run("import", "mail", str(path), "--json")
        again = soak.run("import", "mail", str(path), "--json")
        if again is not None and (again["created"], again["updated"], again["notes"]) != (0, 0, []):
            soak.fail(f"the second import of {path.name} wrote again: {json.dumps(again)[:500]}")


def assistant(soak: Soak, server, rounds: int) -> None:
    """An AI assistant's MCP client, writing to Zed's note while the shell does."""
    for r in range(rounds):
        result = server.call("log", {"name": HOT, "text": f"assistant r{r} lunch with [[{FRIENDS[-1]}]]",
                                     "date": day(r + 20)})
        with soak.lock:
            soak.commands["(mcp log)"] += 1
        if result.is_error:
            soak.fail(f"mcp log r{r}: {result.content[0].text}")
            continue
        out = json.loads(result.content[0].text)
        soak.expect(out["path"], out["text"])
        answer = server.call("due", {"within": 30})
        with soak.lock:
            soak.commands["(mcp due)"] += 1
        if answer.is_error:
            soak.fail(f"mcp due r{r}: {answer.content[0].text}")


def reader(soak: Soak, rounds: int, done: threading.Event) -> None:
    for r in range(rounds):
        if done.is_set() and r >= 3:
            return
        args = [["due", "--within", "30"], ["show", HOT], ["news"], ["references"], ["search", "hot"]][r % 5]
        soak.run(*args, "--json")


def daily_soak(tmp_path: Path, rounds: int) -> None:
    root = seed(tmp_path / "vault")
    files = mail_files(tmp_path / "mail", max(2, rounds // 3))
    assert run_subprocess("--vault", str(root), "index").returncode == 0
    watcher = subprocess.Popen([sys.executable, "-m", "vaultnet", "--vault", str(root), "--today", TODAY, "watch"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
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
    s = DailySoak(root)
    began = time.monotonic()
    server = None
    try:
        assert started.wait(WAIT) and watcher.poll() is None, "watch did not start:\n" + "".join(watch_err)
        from .test_mcp import Server

        server = Server(root, tmp_path / "mcp.err", today=TODAY)
        done = threading.Event()
        writers = [
            s.worker("shell", lambda: shell_writer(s, rounds)),
            s.worker("fields", lambda: field_writer(s, rounds)),
            s.worker("done", lambda: done_writer(s)),
            s.worker("editor", lambda: editor(s, rounds)),
            s.worker("mail", lambda: mail_importer(s, files)),
            s.worker("mcp", lambda: assistant(s, server, rounds)),
        ]
        readers = [s.worker("read", lambda: reader(s, rounds * 3, done))]
        for t in writers:
            t.join(timeout=600)
        done.set()
        for t in readers:
            t.join(timeout=600)
        assert not any(t.is_alive() for t in writers + readers), "a worker thread hung"
        soak_seconds = time.monotonic() - began
        assert not s.failures, f"{len(s.failures)} failed commands:\n" + "\n\n".join(s.failures[:10])

        # Every change landed once: log lines, completed tasks, the editor's lines.
        text = (root / f"People/{HOT}.md").read_text(encoding="utf-8")
        counts = Counter(text.splitlines())
        wrong = [f"{line!r} x{counts[line]}" for line in s.written[f"People/{HOT}.md"] if counts[line] != 1]
        assert not wrong, "lost or doubled lines:\n" + "\n".join(wrong)
        assert sum(1 for line in text.splitlines() if line.startswith("- [x] hot task")) == TASKS
        assert "- [ ] hot task" not in text
        # One valid frontmatter block that kept its comments and holds a value each writer set.
        head, _, _ = text.partition("\n---\n")
        assert text.startswith("---\n") and "---" not in head[4:]
        assert "type: person  # set by hand\n# how we met: the 2024 offsite\n" in head
        fm = yaml.safe_load(head[4:])
        assert fm["location"] in {"Utrecht", *(f"Place {r}" for r in range(0, rounds, 4))}
        assert fm["role"] in {"Engineer", *(f"Place {r}" for r in range(2, rounds, 4))}
        today = dt.date.fromisoformat(TODAY)
        follow_ups = {dt.date(2026, 11, 1), *(snooze_day(r) for r in range(1, rounds, 2)),
                      *(today + dt.timedelta(weeks=r + 1) for r in range(0, rounds, 3))}
        assert fm["follow_up"] in follow_ups, fm["follow_up"]
        # The month note: one line per contact, thread and day, whatever file it came from.
        month = (root / "Mail/2026-11.md").read_text(encoding="utf-8").splitlines()
        lines = [line for line in month if line.startswith("- 2026-11-")]
        assert lines and len(lines) == len(set(lines)), month

        # The watcher settles to what a fresh build of the same notes says.
        people = [HOT, *FRIENDS]
        fresh = fresh_copy(root, tmp_path / "fresh")
        expected = answers(fresh, no_sync=False, people=people) | more_answers(fresh, no_sync=False)
        deadline = time.monotonic() + WAIT
        while True:
            live = answers(root, no_sync=True, people=people) | more_answers(root, no_sync=True)
            if live == expected:
                break
            if time.monotonic() > deadline:
                diff = sorted(k for k in expected if live[k] != expected[k])
                raise AssertionError(f"the watcher's index never matched a fresh build: {diff}")
            time.sleep(0.2)
    finally:
        if server is not None:
            server.close()
        if watcher.poll() is None:
            watcher.send_signal(signal.SIGINT)
        try:
            watcher.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            watcher.kill()
            watcher.wait()
        drainer.join(timeout=WAIT)
        watcher.stdout.close()
        watcher.stderr.close()
    err = "".join(watch_err)
    assert watcher.returncode == 0, err
    assert "Traceback" not in err and "rebuilt" not in err, err
    total = sum(n for k, n in s.commands.items() if not k.startswith("("))
    print(f"\ndaily soak rounds={rounds}: {soak_seconds:.1f}s, {total} commands "
          f"({dict(sorted(s.commands.items()))}), {s.stale_answers} stale answers")


def more_answers(root: Path, *, no_sync: bool) -> dict:
    flags = ["--no-sync"] if no_sync else []
    out = {}
    for name, args in {"news": ["news", "--since", "1y"], "references": ["references"],
                       "due_60": ["due", "--within", "60"]}.items():
        result = run_subprocess("--vault", str(root), "--today", TODAY, *flags, *args, "--json")
        assert result.returncode == 0 and not result.stderr, (args, result.stderr)
        out[name] = json.loads(result.stdout)
    return out


def test_daily_soak_fast(tmp_path):
    daily_soak(tmp_path, rounds=9)


@pytest.mark.slow
def test_daily_soak_slow(tmp_path):
    daily_soak(tmp_path, rounds=60)
