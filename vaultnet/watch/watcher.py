"""`vaultnet watch`: keep the index and the report notes current as files change.

Editors fire many events per save (vim renames the note to a `~` backup and
writes a new file; VS Code and Obsidian write a temp file and rename it over
the note), and `git checkout` fires thousands. Events are therefore only
collected as dirty paths; once the vault has been quiet for a moment, each
dirty path is looked at (stat) and indexed or dropped in one writer batch.
The OS may drop events under load (inotify lost about half of a 10,000-file
checkout in measurements here, without telling anyone), so a full
reconcile sync runs at start and every few minutes.

The watcher is not the only writer of the index: every command syncs at its
start, so a `vaultnet due` in another shell often indexes a save before the
watcher's batch does. The report notes therefore follow the index's commits,
whoever made them, not only the watcher's own; and they are written apart from
the batches, once the vault has been quiet a moment, so that building them
(the whole vault folded) never delays the next save being indexed. And another process may hold
the index lock for long (a rebuild of a large vault): the batch waits, then
keeps its paths for the next try instead of dropping them (or the watcher).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

from ..errors import IndexBusy, VaultnetError
from ..index import WRITER_TIMEOUT, NoteIndex, SyncStats

QUIET_SECONDS = 0.1  # editors finish a save within milliseconds; git checkout keeps events coming
MAX_DELAY_SECONDS = 2.0  # a steady stream of events still gets indexed this often
RECONCILE_SECONDS = 300.0
BUSY_RETRY_SECONDS = 1.0  # after the index lock stayed taken, try the batch again this much later
# The report notes fold the whole vault (seconds at 10,000 notes): they follow the commits once
# the vault has been quiet this long, never inside a batch, so a save is searchable as soon as
# it is indexed and a run of saves rewrites the reports once.
REPORT_DELAY_SECONDS = 1.0
REPORT_ATTEMPTS = 5
FENCE_SECONDS = 1.0  # a fence's event takes well under a millisecond; past this, scan instead


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
        # A file whose events only say "every event before this one has arrived" (fence()): the
        # fences made and the fence events come, in order, so a late event of a fence that was
        # given up on counts for that one, not for the next.
        self.fence_path = ""
        self.fenced = threading.Condition()
        self.fences_made = 0
        self.fences_seen = 0
        self.lost = False  # the OS dropped events (watchdog said so): only a scan is sure now

    def _relevant(self, rel: str, is_dir: bool) -> bool:
        parts = rel.split("/")
        if any(p.startswith(".") for p in parts):  # .git, .vaultnet, .obsidian, .trash, .swp files
            return False
        folded = rel.casefold()
        if folded == self.report or folded.startswith(self.report + "/"):
            return False
        name = parts[-1]
        # Not editors' backups nor vim's write probe; anything else is a note, a folder, or an
        # attachment that links resolve to.
        return not (name.endswith("~") or name == "4913")

    def add(self, path: str, is_dir: bool, kind: str = "") -> None:
        if not path:
            return
        if self.fence_path and os.fsdecode(path) == self.fence_path:
            if is_dir is False and kind in ("attrib", "modified"):  # a touch, not the socket's rename
                with self.fenced:
                    self.fences_seen = min(self.fences_seen + 1, self.fences_made)
                    self.fenced.notify_all()
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

    def lose(self) -> None:
        with self.lock:
            self.lost = True
        with self.fenced:  # fence events in the dropped ones never come: start the count again
            self.fences_seen = self.fences_made
            self.fenced.notify_all()
        self.arrived.set()

    def take_lost(self) -> bool:
        with self.lock:
            lost, self.lost = self.lost, False
            return lost

    def requeue(self, paths: set[str], after: float) -> None:
        """Put back the paths of a batch that could not be indexed; try again `after` seconds from now."""
        with self.lock:
            now = time.monotonic()
            if not self.paths:
                self.first = now
            self.paths |= paths
            self.last = max(self.last, now + after)
        self.arrived.set()

    def take_now(self) -> set[str]:
        """Every dirty path, also those put back to be tried later: for an answer, which must see them."""
        with self.lock:
            taken, self.paths = self.paths, set()
            return taken

    def take(self, quiet: float, max_delay: float) -> tuple[set[str] | None, float]:
        """(the dirty paths, 0) once quiet or waited long enough; else (None, seconds to wait)."""
        with self.lock:
            if not self.paths:
                self.arrived.clear()
                return None, quiet
            now = time.monotonic()
            wait = min(self.last + quiet, max(self.first + max_delay, self.last)) - now
            if wait > 0:
                return None, wait
            taken, self.paths = self.paths, set()
            return taken, 0.0


class _Overflow(logging.Handler):
    """watchdog's word that the OS dropped events: inotify's queue overflowed (a `git checkout`
    of thousands of files on a busy machine). It logs that and nothing else happens: the events
    are gone. The watcher then scans the vault at once rather than at the next reconcile."""

    def __init__(self, dirty: _Dirty):
        super().__init__(logging.WARNING)
        self.dirty = dirty

    def emit(self, record: logging.LogRecord) -> None:
        if "overflow" in record.getMessage().lower():
            self.dirty.lose()


OVERFLOW_LOGGER = "watchdog.observers.inotify_c"


def _handler(dirty: _Dirty):
    from watchdog.events import FileSystemEventHandler

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event):
            if event.event_type in ("opened", "closed_no_write"):
                return
            if event.event_type == "modified" and event.is_directory:
                # watchdog adds one for the folder to every create, delete, move and save in it,
                # each of which comes with its own event: taken as a folder, it made every save
                # rescan the whole folder (10,000 stats in a People/ of 10,000 notes).
                return
            dirty.add(event.src_path, event.is_directory, event.event_type)
            dest = getattr(event, "dest_path", "")
            if dest:
                dirty.add(dest, event.is_directory)

    return Handler()


def _taken_events() -> list:
    """The events the watcher takes, and so the only ones the OS queues for it (watchdog builds the
    inotify mask from them). Left out: every open and every read-only close, which a `grep -r` or
    `rg` over the vault makes by the ten thousand; and a folder's modified event (see _handler)."""
    from watchdog import events as e

    taken = [e.FileCreatedEvent, e.DirCreatedEvent, e.FileDeletedEvent, e.DirDeletedEvent, e.FileMovedEvent,
             e.DirMovedEvent, e.FileModifiedEvent, e.FileClosedEvent]
    # Attribute changes have classes of their own since watchdog 7 (before, they came as modified).
    return taken + [getattr(e, name) for name in ("FileAttribEvent", "DirAttribEvent") if hasattr(e, name)]


class Watcher:
    """Runs until `stop` is set; calls `on_batch` after every batch that changed the index or the reports."""

    def __init__(self, index: NoteIndex, today: Callable[[], dt.date], on_batch: Callable[[Batch], None],
                 reports: bool = True, quiet: float = QUIET_SECONDS, reconcile_every: float = RECONCILE_SECONDS,
                 lock_wait: float = WRITER_TIMEOUT, guard: AbstractContextManager | None = None):
        self.index = index
        # Held around each batch, from taking its paths to the end of indexing them, so that
        # code reading the same NoteIndex from other threads (the MCP server's tools) holds it
        # too and never meets the index halfway through a batch, nor misses paths in flight.
        self.guard = guard if guard is not None else nullcontext()
        self.today = today
        self.on_batch = on_batch
        self.reports = reports
        self.quiet = quiet
        self.reconcile_every = reconcile_every
        self.lock_wait = lock_wait
        self.dirty = _Dirty(index.vault)
        self._reported: object = None  # the index commit the report notes were last built from
        self._reported_day: dt.date | None = None  # ... and the day they were built for
        self._reports_after = 0.0  # monotonic time before which reports wait (the last batch + delay)
        # The paths an answer was given from before their commit (catch_up's answer_first), and
        # the commit that was newest then: settle() writes it, or puts them back.
        self._unsettled: tuple[set[str], object] | None = None

    def _commit(self) -> object:
        """What identifies the index's latest commit, whoever made it."""
        return self.index.generation()

    def _reports(self, day: dt.date) -> list[str]:
        from ..edits import reports

        for attempt in range(REPORT_ATTEMPTS):
            commit = self._commit()
            # A searcher opened before another process's commit still shows the older one.
            self.index.close()
            try:
                written = reports.write(self.index, day)
            except Exception:
                # Reports are built outside the index lock, and a commit by another process
                # deletes the segments Whoosh merged away, some of which our searcher had not
                # opened yet (it opens them lazily): read again from the new commit.
                if attempt + 1 == REPORT_ATTEMPTS or self._commit() == commit:
                    raise
                continue
            self._reported = commit
            return written
        return []

    def _batch(self, paths: set[str] | None, reports: bool = True) -> Batch | None:
        """Index `paths` (None: reconcile the whole vault), then, with `reports`, bring the report
        notes up to date; None when the index lock stayed taken."""
        started = time.perf_counter()
        self.settle()
        self.index.close()  # the searcher kept from the last reports may be on a commit long gone
        try:
            # sync_paths(set()) does no I/O on the vault: it only takes up a newer commit's manifest.
            stats = self.index.sync(wait=self.lock_wait) if paths is None else \
                self.index.sync_paths(paths, wait=self.lock_wait)
        except IndexBusy as exc:  # (IndexReadOnly stops the watcher: it could never do its work)
            self.index.warn(f"{exc}; will try again")
            stats = None
        if stats is None or stats.stale:  # nothing was indexed: keep the paths for the next try
            if paths:
                self.dirty.requeue(paths, BUSY_RETRY_SECONDS)
            return None
        day = self.today()
        written: list[str] = []
        if not reports:
            self._reports_after = time.monotonic() + REPORT_DELAY_SECONDS
        elif self.reports and (paths is None or day != self._reported_day or self._commit() != self._reported):
            written = self._reports(day)
            self._reported_day = day
        return Batch(stats, time.perf_counter() - started, written, paths is None)

    def catch_up(self, wait: float, answer_first: bool = False) -> SyncStats:
        """Index now every path events named so far, without waiting for the vault to be quiet,
        and take up other processes' commits: for a reader about to answer from the index.
        The caller holds `guard`.

        `answer_first`: changed notes are parsed and answered from before their commit
        (index/unwritten.py's Pending), which settle() writes once the answer is out.
        Paths that could not be indexed (the index lock stayed taken) stay for the next try.
        """
        self.settle()
        paths = self.dirty.take_now()
        commit = self._commit()
        try:
            stats = self.index.sync_paths(paths, wait=wait, answer_first=answer_first)
        except BaseException:
            if paths:
                self.dirty.requeue(paths, BUSY_RETRY_SECONDS)
            raise
        if stats.stale and paths:
            self.dirty.requeue(paths, BUSY_RETRY_SECONDS)
        elif self.index.has_unwritten():
            self._unsettled = (paths, commit)
        return stats

    def settle(self) -> None:
        """Write the commit of a change answered before it (catch_up's answer_first); the caller
        holds `guard`. Its paths go back to the next batch when it was not written: the disk
        refused it (said through the index's warnings), or the index dropped it."""
        if self._unsettled is None:
            return
        (paths, commit), self._unsettled = self._unsettled, None
        if self.index.has_unwritten():
            try:
                self.index.write_unwritten(self.lock_wait)
            except Exception as exc:
                self.dirty.requeue(paths, BUSY_RETRY_SECONDS)
                if not isinstance(exc, (VaultnetError, OSError)):
                    raise
                self.index.warn(f"the index was not updated ({exc}); will try again")
                return
        if self._commit() == commit:  # nothing was committed: a search wrote it and failed, say
            self.dirty.requeue(paths, BUSY_RETRY_SECONDS)

    def fence(self, path: str, timeout: float) -> bool:
        """Touch `path` (a file in the vault's state folder) and wait until its event arrives.

        The OS hands a watch's events over in the order they happened, so once this one is
        here, so is every event of a save made before the call: a command that asks after
        saving a note finds it (catch_up). False if it did not come within `timeout` (events
        lost or late): then only a scan of the vault is sure to see every change.
        """
        dirty = self.dirty
        with dirty.fenced:
            dirty.fence_path = path
            try:
                os.utime(path)
            except OSError:  # gone (removed by hand, say): no fence today
                return False
            dirty.fences_made += 1
            mine = dirty.fences_made
        deadline = time.monotonic() + timeout
        with dirty.fenced:
            while dirty.fences_seen < mine:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                dirty.fenced.wait(left)
        return True

    def sync_seen(self, wait: float, fence: str | None = None, answer_first: bool = False) -> SyncStats:
        """For a reader about to answer (the caller holds `guard`): every change made so far indexed.

        The paths events named (catch_up, with `answer_first`), once the events up to now have all
        arrived (`fence`, a file to touch, see fence()); a scan of the vault instead when the
        fence did not come back or the OS dropped events."""
        # The fence first: watchdog says events were dropped before it hands over later ones.
        fenced = fence is None or self.fence(fence, FENCE_SECONDS)
        if self.dirty.take_lost() or not fenced:
            self.settle()
            try:
                stats = self.index.sync(wait=wait)
            except BaseException:
                self.dirty.lose()
                raise
            if stats.stale:
                self.dirty.lose()
            return stats
        return self.catch_up(wait, answer_first)

    def run(self, stop: threading.Event, ready: Callable[[Batch], None] | None = None) -> None:
        import warnings

        from watchdog.observers import Observer

        # Whoosh makes and removes a temp folder under .vaultnet/ on every commit; inotify
        # reuses the watch id and watchdog warns about it from its own thread. Harmless, and
        # as an error (python -W error) it would stop the event thread.
        warnings.filterwarnings("ignore", message=r"Callback with id .* already exists", category=RuntimeWarning)

        overflow = _Overflow(self.dirty)
        logging.getLogger(OVERFLOW_LOGGER).addHandler(overflow)
        observer = Observer()
        observer.schedule(_handler(self.dirty), str(self.index.vault.root), recursive=True,
                          event_filter=_taken_events())
        observer.start()
        try:
            first = None
            while first is None and not stop.is_set():  # reconcile at start: whatever changed while nobody watched
                with self.guard:
                    first = self._batch(None)
                if first is None:
                    stop.wait(BUSY_RETRY_SECONDS)
            if first is None:
                return
            # Load what every batch needs now, so the first save is as quick as the rest.
            with self.guard:
                self.index.resolver()
                self.index.contributions()
                self.index.persons()
            if ready is not None:
                ready(first)
            next_reconcile = time.monotonic() + self.reconcile_every
            while not stop.is_set():
                self.dirty.arrived.wait(timeout=0.5)
                if stop.is_set():
                    break
                with self.guard:
                    lost = self.dirty.take_lost()
                    paths, wait = (None, 0.0) if lost else self.dirty.take(self.quiet, MAX_DELAY_SECONDS)
                    batch = self._batch(None if lost else paths, reports=False) if lost or paths else None
                if lost:  # events were dropped: the scan (reconcile) just made sees what they said
                    if batch is None:
                        self.dirty.lose()
                    else:
                        next_reconcile = time.monotonic() + self.reconcile_every
                        if batch.stats.changed or batch.reports:
                            self.on_batch(batch)
                elif paths:
                    if batch is not None and (batch.stats.changed or batch.reports):
                        self.on_batch(batch)
                elif time.monotonic() >= next_reconcile:
                    with self.guard:
                        batch = self._batch(None, reports=False)
                    next_reconcile = time.monotonic() + (
                        self.reconcile_every if batch is not None else BUSY_RETRY_SECONDS)
                    if batch is not None and (batch.stats.changed or batch.reports):
                        self.on_batch(batch)
                elif self.dirty.arrived.is_set():
                    stop.wait(wait)  # until the vault has been quiet long enough
                elif self.reports and (self._commit() != self._reported or self.today() != self._reported_day):
                    # A commit since the reports were written (our batches', or another process's
                    # sync at the start of a command), or a new day began: once the vault has been
                    # quiet a moment, take up the newest manifest and bring the report notes up to date.
                    if time.monotonic() < self._reports_after:
                        self.dirty.arrived.wait(max(0.0, min(0.5, self._reports_after - time.monotonic())))
                        continue
                    with self.guard:
                        batch = self._batch(set())
                    if batch is not None and batch.reports:
                        self.on_batch(batch)
        finally:
            with self.guard:
                self.settle()
            logging.getLogger(OVERFLOW_LOGGER).removeHandler(overflow)
            observer.stop()
            observer.join(timeout=10)
