"""The index a long-running server answers from, kept current as files change.

A `vaultnet` command syncs once at its start and ends; the MCP server lives
for a whole conversation, while the user edits notes in Obsidian and runs
commands in a shell. So the server runs the watcher (watch/watcher.py) in a
thread without report notes: it collects the paths file events name, and
indexes them once the vault has been quiet for a moment. Before each tool
call the server also catches up with whatever events arrived since, without
waiting for that quiet moment, so a note saved a moment ago is found by the
very next call. One lock keeps tool calls (the SDK runs each in a worker
thread) and the watcher's batches off the index at the same time.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ..index import READER_SYNC_TIMEOUT, NoteIndex, SyncStats, sync_for
from ..watch.watcher import Batch, Watcher


class LiveIndex:
    """A synced NoteIndex plus the watcher that keeps it current; `reading()` and `writing()` hand it out."""

    def __init__(self, index: NoteIndex, today: Callable[[], dt.date],
                 on_batch: Callable[[Batch], None] | None = None,
                 on_sync: Callable[[SyncStats], None] | None = None,
                 warn: Callable[[str], None] | None = None):
        self.index = index
        self.today = today
        self.lock = threading.Lock()
        self._on_sync = on_sync
        self._warn = warn or index.warn
        # A background batch waits for another process's index lock no longer than a reading
        # command does: it holds `lock`, and tool calls wait behind it.
        self.watcher = Watcher(index, today, on_batch or (lambda batch: None), reports=False,
                               lock_wait=READER_SYNC_TIMEOUT, guard=self.lock)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.failure: BaseException | None = None  # why the watcher thread stopped, if it did

    def start(self) -> None:
        """Start watching (the index was synced once already, by the caller)."""
        def watch() -> None:
            try:
                self.watcher.run(self._stop)
            except Exception as exc:  # no file events (an inotify limit, say): the tools go on
                self.failure = exc
                self._warn(f"watching the vault stopped ({type(exc).__name__}: {exc}); "
                           "each call now looks for changed notes itself, as a command does")

        self._thread = threading.Thread(target=watch, name="vaultnet-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.watcher.dirty.arrived.set()  # wake the watcher now rather than at its next half-second look
        if self._thread is not None:
            self._thread.join(timeout=15)

    @contextmanager
    def reading(self) -> Iterator[NoteIndex]:
        """The index, with every change seen so far indexed."""
        with self.lock:
            self._catch_up(for_write=False)
            yield self.index

    @contextmanager
    def writing(self) -> Iterator[tuple[NoteIndex, bool]]:
        """(the index, whether it is stale), for a tool about to write: it waits as a writing
        command does, and on a stale index must not guess a name. Writes under it are vault
        writes (edits/writes.py), atomic and under the vault write lock like any command's."""
        with self.lock:
            stats = self._catch_up(for_write=True)
            yield self.index, bool(stats.stale)

    def wrote(self, path: str) -> None:
        """A tool wrote `path`: index it at the next call even if its file event is late."""
        self.watcher.dirty.requeue({path}, 0.0)

    def _catch_up(self, for_write: bool) -> SyncStats:
        if self.failure is None:  # (dropped events, if watchdog said so, mean a scan: sync_seen)
            stats = sync_for(self.watcher.sync_seen, for_write)
        else:  # no events come any more: scan the vault (sizes and times) as every command does
            stats = sync_for(lambda wait: self.index.sync(wait=wait), for_write)
        if self._on_sync is not None and (stats.changed or stats.problems):
            self._on_sync(stats)
        return stats
