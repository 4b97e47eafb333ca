"""`watch` with the real watchdog observer on real files; reads use --no-sync,
so only the watcher can have brought the index up to date."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager

import pytest

from vaultnet.index import NoteIndex
from vaultnet.vault.folder import Vault
from vaultnet.watch.watcher import Watcher

from .conftest import Run, write_vault

CONFIG = 'people_dirs = ["People"]\n'
TODAY = dt.date(2026, 11, 22)
WAIT = 30.0  # a bound on waiting for the watcher, not a speed requirement


@contextmanager
def watching(root, reports=True):
    batches = []
    stop = threading.Event()
    ready = threading.Event()
    errors = []
    index = NoteIndex(Vault(root))

    def run():
        try:
            Watcher(index, lambda: TODAY, batches.append, reports=reports, quiet=0.1).run(
                stop, lambda batch: ready.set())
        except BaseException as exc:  # surfaced in the test below
            errors.append(exc)
            ready.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(WAIT), "watcher did not start"
    try:
        yield batches
    finally:
        stop.set()
        thread.join(WAIT)
        index.close()
    assert not errors, errors


def eventually(check, what: str):
    deadline = time.monotonic() + WAIT
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"watcher never made this true: {what}")
        time.sleep(0.05)


def found(run: Run, query: str) -> list[str]:
    return [h["path"] for h in run.json("--no-sync", "search", query, "--limit", "5000")]


@pytest.fixture
def root(tmp_path):
    return write_vault(tmp_path / "v", {
        "People/Ada.md": "---\ncadence: 30d\n---\nMathematician.\n",
        "People/Bob.md": "Engineer.\n",
    }, config=CONFIG)


def test_save_by_rename_in_place_and_delete(root):
    run = Run(root)
    with watching(root):
        tmp = root / "People" / ".Ada.md.tmp"
        tmp.write_text("---\ncadence: 30d\n---\nMathematician who likes zeppelins.\n")
        os.replace(tmp, root / "People/Ada.md")  # VS Code / Obsidian style
        eventually(lambda: found(run, "zeppelins") == ["People/Ada.md"], "rename-over save")
        with open(root / "People/Bob.md", "w") as fh:  # in place
            fh.write("Engineer who likes dirigibles.\n")
        eventually(lambda: found(run, "dirigibles") == ["People/Bob.md"], "in-place save")
        (root / "People/Bob.md").unlink()
        eventually(lambda: found(run, "dirigibles") == [], "delete")
    assert sorted(NoteIndex(Vault(root)).entries()) == ["People/Ada.md"]


def test_vim_style_save(root):
    run = Run(root)
    with watching(root):
        note = root / "People/Ada.md"
        backup = root / "People/Ada.md~"
        os.rename(note, backup)
        (root / "People/4913").write_text("")  # vim's probe that the folder is writable
        (root / "People/4913").unlink()
        note.write_text("---\ncadence: 30d\n---\nNow about airships.\n")
        backup.unlink()
        eventually(lambda: found(run, "airships") == ["People/Ada.md"], "vim save")
        assert found(run, "mathematician") == []
    assert "People/Ada.md~" not in NoteIndex(Vault(root)).entries()


def test_folder_rename_rescans_it(root):
    run = Run(root)
    (root / "Meetings").mkdir()
    for i in range(5):
        (root / "Meetings" / f"2026-11-0{i + 1} M{i}.md").write_text("meeting about quasars with [[Ada]]\n")
    with watching(root):
        eventually(lambda: len(found(run, "quasars")) == 5, "initial reconcile")
        os.rename(root / "Meetings", root / "Archive")
        eventually(lambda: sorted(found(run, "quasars")) == [f"Archive/2026-11-0{i + 1} M{i}.md" for i in range(5)],
                   "folder rename")
        shutil.rmtree(root / "Archive")
        eventually(lambda: found(run, "quasars") == [], "folder delete")


def test_changes_while_nobody_watched_are_reconciled_at_start(root):
    run = Run(root)
    run.ok("index")
    (root / "People/Cy.md").write_text("likes nebulae\n")
    with watching(root):
        assert found(run, "nebulae") == ["People/Cy.md"]


def test_burst_of_a_thousand_files_and_deletes_during_indexing(root):
    run = Run(root)
    with watching(root, reports=False) as batches:
        folder = root / "Burst"
        folder.mkdir()
        for i in range(1000):
            (folder / f"Note {i:04d}.md").write_text(f"burst note {i} mentions [[Ada]] and pulsars\n")
            if i % 100 == 99:
                (folder / f"Note {i - 50:04d}.md").unlink()  # deleted while the burst is indexed
        eventually(lambda: len(found(run, "pulsars")) == 990, "burst fully indexed")
        # The batch is reported once its state is written, a moment after the commit a search sees.
        eventually(lambda: len(batches) >= 1, "the burst's batch reported")
    live = set(NoteIndex(Vault(root)).entries())
    fresh = root.parent / "fresh"
    shutil.copytree(root, fresh, ignore=shutil.ignore_patterns("index", "people", "manifest"))
    with NoteIndex(Vault(fresh)) as rebuilt:
        rebuilt.sync(rebuild=True)
        assert set(rebuilt.entries()) == live  # nothing stale, nothing missing
        assert len(Run(root).json("--no-sync", "backlinks", "Ada")) == len(Run(fresh).json("backlinks", "Ada"))


def test_report_notes_written_only_on_change_and_never_indexed(root):
    run = Run(root)
    with watching(root):
        follow = root / "vaultnet/Follow-ups.md"
        eventually(follow.exists, "reports written at start")
        assert "[[People/Ada]]" in follow.read_text()  # never contacted, has a cadence
        stamp = {p.name: p.stat().st_mtime_ns for p in (root / "vaultnet").iterdir()}
        with open(root / "People/Bob.md", "a") as fh:
            fh.write("More about Bob, still not a hello.\n")
        eventually(lambda: found(run, "still") == ["People/Bob.md"], "edit indexed")
        time.sleep(0.3)
        assert {p.name: p.stat().st_mtime_ns for p in (root / "vaultnet").iterdir()} == stamp  # no churn
        (root / "Daily").mkdir()
        (root / "Daily/2026-11-21.md").write_text("- 2026-11-21 Coffee with [[Ada]]\n")
        eventually(lambda: "[[People/Ada]]" not in follow.read_text(), "follow-ups updated")
    assert run.json("--no-sync", "backlinks", "Ada") == [
        {"source": "Daily/2026-11-21.md", "line": 1, "context": "- 2026-11-21 Coffee with [[Ada]]", "date": "2026-11-21"}
    ]
    assert not any(p.startswith("vaultnet/") for p in NoteIndex(Vault(root)).entries())


def test_report_command(root):
    run = Run(root)
    result = run.ok("--today", "2026-11-22", "report")
    assert "vaultnet/Follow-ups.md" in result.stderr and result.stdout == ""
    assert sorted(p.name for p in (root / "vaultnet").iterdir()) == [
        "Birthdays.md", "Follow-ups.md", "Ledger.md", "Network.md", "News.md", "References.md", "Unresolved.md"]
    assert "- People: 2\n" in (root / "vaultnet/Network.md").read_text()
    again = run.ok("--today", "2026-11-22", "report")
    assert "up to date" in again.stderr


def test_watch_process_coexists_and_stops_cleanly_on_sigterm(root):
    proc = subprocess.Popen([sys.executable, "-m", "vaultnet", "--vault", str(root), "--today", "2026-11-22", "watch"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        eventually(lambda: (root / "vaultnet/Network.md").exists(), "watch started")
        run = Run(root)
        for i in range(5):
            result = run.ok("--today", "2026-11-22", "log", "Bob", f"call {i}")
            assert "Traceback" not in result.stderr
            run.ok("search", "engineer")
            run.ok("--today", "2026-11-22", "due")
            run.ok("index")
        # Five log lines of one day in one note are one interaction, with all five texts.
        eventually(lambda: [i["text"].count("call ") for i in Run(root).json(
            "--no-sync", "--today", "2026-11-22", "show", "Bob")["interactions"] if i["date"] == "2026-11-22"] == [5],
            "logs seen by the watcher")
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "LockError" not in err
    assert err.startswith("watching ") and err.rstrip().endswith("stopped")
    assert out == ""


def test_a_batch_indexes_without_writing_reports_and_the_idle_loop_writes_them(root):
    """Reports fold the whole vault: never inside the batch that makes a save searchable."""
    with NoteIndex(Vault(root)) as index:
        watcher = Watcher(index, lambda: TODAY, lambda batch: None, reports=True)
        first = watcher._batch(None)  # the reconcile at start writes them
        assert first is not None and "vaultnet/Follow-ups.md" in first.reports
        follow = root / "vaultnet/Follow-ups.md"
        assert "Ada" in follow.read_text() and "Bob" not in follow.read_text()
        (root / "People/Bob.md").write_text("---\ncadence: 30d\n---\nEngineer.\n")
        batch = watcher._batch({"People/Bob.md"}, reports=False)
        assert batch is not None and batch.stats.updated == ["People/Bob.md"] and batch.reports == []
        assert "Bob" not in follow.read_text()
        assert watcher._commit() != watcher._reported  # what the idle loop looks at
        later = watcher._batch(set())
        assert later is not None and "vaultnet/Follow-ups.md" in later.reports
        assert "[[People/Bob]]" in follow.read_text()


def test_when_the_os_drops_events_the_watcher_scans_at_once(root, tmp_path):
    """A write through a hard link outside the vault fires no event in it, as a dropped event
    would not. On watchdog's warning that inotify's queue overflowed, the watcher reconciles
    right away instead of at the next reconcile minutes later."""
    import logging

    from vaultnet.watch.watcher import OVERFLOW_LOGGER

    outside = tmp_path / "outside"
    outside.mkdir()
    os.link(root / "People/Ada.md", outside / "ada.md")
    run = Run(root)
    with watching(root, reports=False) as batches:
        with open(outside / "ada.md", "a", encoding="utf-8") as fh:
            fh.write("Also plays the harpsichord.\n")
        time.sleep(0.5)  # time enough for an event, if there were one
        assert found(run, "harpsichord") == [] and not batches
        logging.getLogger(OVERFLOW_LOGGER).warning("Inotify queue overflowed; filesystem events were lost")
        eventually(lambda: batches, "the scan after dropped events")
        assert [b.reconcile for b in batches] == [True] and batches[0].stats.updated == ["People/Ada.md"]
        assert found(run, "harpsichord") == ["People/Ada.md"]
