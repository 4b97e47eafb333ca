"""`vaultnet watch`: keep the index and the report notes current as files change.

Editors fire many events per save (vim renames the note to a `~` backup and
writes a new file; VS Code and Obsidian write a temp file and rename it over
the note), and `git checkout` fires thousands. Events are therefore only
collected as dirty paths; once the vault has been quiet for a moment, each
dirty path is looked at (stat) and indexed or dropped in one writer batch.
The OS may drop events under load (inotify lost about half of a 10,000-file
checkout in measurements here, without telling anyone), so a full
reconcile sync runs at start and every few minutes.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from dataclasses import dataclass
from typing import Callable

from .index import NoteIndex, SyncStats

QUIET_SECONDS = 0.1  # editors finish a save within milliseconds; git checkout keeps events coming
MAX_DELAY_SECONDS = 2.0  # a steady stream of events still gets indexed this often
RECONCILE_SECONDS = 300.0


@dataclass
class Batch:
    stats: SyncStats
    seconds: float
    reports: list[str]
    reconcile: bool


class _Dirty:
    """Paths touched by events, and when the last event came."""

    def __init__(self, vault):
        self.vault = vault
        self.root = str(vault.root)
        self.report = vault.config.report_dir.casefold()
        self.lock = threading.Lock()
        self.paths: set[str] = set()
        self.first = 0.0
        self.last = 0.0
        self.arrived = threading.Event()

    def _relevant(self, rel: str, is_dir: bool) -> bool:
        parts = rel.split("/")
        if any(p.startswith(".") for p in parts):  # .git, .vaultnet, .obsidian, .trash, .swp files
            return False
        folded = rel.casefold()
        if folded == self.report or folded.startswith(self.report + "/"):
            return False
        name = parts[-1]
        if name.endswith("~") or name == "4913":  # editors' backups and vim's write probe
            return False
        return is_dir or name.lower().endswith(".md")

    def add(self, path: str, is_dir: bool) -> None:
        if not path:
            return
        rel = os.path.relpath(os.fsdecode(path), self.root).replace(os.sep, "/")
        if rel.startswith("..") or rel == "." or not self._relevant(rel, is_dir):
            return
        with self.lock:
            now = time.monotonic()
            if not self.paths:
                self.first = now
            self.paths.add(rel)
            self.last = now
        self.arrived.set()

    def take(self, quiet: float, max_delay: float) -> tuple[set[str] | None, float]:
        """(the dirty paths, 0) once quiet or waited long enough; else (None, seconds to wait)."""
        with self.lock:
            if not self.paths:
                self.arrived.clear()
                return None, quiet
            now = time.monotonic()
            wait = min(self.last + quiet, self.first + max_delay) - now
            if wait > 0:
                return None, wait
            taken, self.paths = self.paths, set()
            return taken, 0.0


def _handler(dirty: _Dirty):
    from watchdog.events import FileSystemEventHandler

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event):
            if event.event_type in ("opened", "closed_no_write"):
                return
            dirty.add(event.src_path, event.is_directory)
            dest = getattr(event, "dest_path", "")
            if dest:
                dirty.add(dest, event.is_directory)

    return Handler()


class Watcher:
    """Runs until `stop` is set; calls `on_batch` after every batch that changed something."""

    def __init__(self, index: NoteIndex, today: Callable[[], dt.date], on_batch: Callable[[Batch], None],
                 reports: bool = True, quiet: float = QUIET_SECONDS, reconcile_every: float = RECONCILE_SECONDS):
        self.index = index
        self.today = today
        self.on_batch = on_batch
        self.reports = reports
        self.quiet = quiet
        self.reconcile_every = reconcile_every
        self.dirty = _Dirty(index.vault)

    def _reports(self) -> list[str]:
        if not self.reports:
            return []
        from . import reports

        return reports.write(self.index, self.today())

    def _batch(self, paths: set[str] | None) -> Batch:
        started = time.perf_counter()
        stats = self.index.sync() if paths is None else self.index.sync_paths(paths)
        written = self._reports() if stats.changed or paths is None else []
        return Batch(stats, time.perf_counter() - started, written, paths is None)

    def run(self, stop: threading.Event, ready: Callable[[Batch], None] | None = None) -> None:
        import warnings

        from watchdog.observers import Observer

        # Whoosh makes and removes a temp folder under .vaultnet/ on every commit; inotify
        # reuses the watch id and watchdog warns about it from its own thread. Harmless, and
        # as an error (python -W error) it would stop the event thread.
        warnings.filterwarnings("ignore", message=r"Callback with id .* already exists", category=RuntimeWarning)

        observer = Observer()
        observer.schedule(_handler(self.dirty), str(self.index.vault.root), recursive=True)
        observer.start()
        try:
            first = self._batch(None)  # reconcile at start: whatever changed while nobody watched
            # Load what every batch needs now, so the first save is as quick as the rest.
            self.index.resolver()
            self.index.contributions()
            if ready is not None:
                ready(first)
            next_reconcile = time.monotonic() + self.reconcile_every
            while not stop.is_set():
                self.dirty.arrived.wait(timeout=0.5)
                if stop.is_set():
                    break
                paths, wait = self.dirty.take(self.quiet, MAX_DELAY_SECONDS)
                if paths:
                    batch = self._batch(paths)
                    if batch.stats.changed or batch.reports:
                        self.on_batch(batch)
                elif time.monotonic() >= next_reconcile:
                    batch = self._batch(None)
                    next_reconcile = time.monotonic() + self.reconcile_every
                    if batch.stats.changed:
                        self.on_batch(batch)
                elif self.dirty.arrived.is_set():
                    stop.wait(wait)  # until the vault has been quiet long enough
        finally:
            observer.stop()
            observer.join(timeout=10)
