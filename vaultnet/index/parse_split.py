"""A first answer's parse on two cores: a forked process parses the later part of the notes (a
little under half, MY_SHARE) while this one parses the first, and hands its documents back
through a pipe; then the fold of everyone's contributions, shared out the same way (fold_split).

Parsing is most of a first answer (index/unwritten.py), and one process uses one core. The
halves are put together in the order a single parse would have made (documents, manifest
entries, facts, problems), so nothing after it can tell the difference.
"""

from __future__ import annotations

import os
import pickle
import signal
import threading
from collections.abc import Callable

from ..vault.folder import Stat, Vault
from .batch import Progress, write_notes
from .manifest import Meta
from .records import SyncStats
from .unwritten import Unwritten

# From this many notes the halves pay: a fork and the pickle of half the documents cost about
# 3% of a parse, against Whoosh's writer processes (writer.py), which pay only from 2,000.
SPLIT_FROM = 500
# The share of the notes this process parses: the child also pickles what it parsed (about a
# tenth of its parse), so equal halves left this one waiting 0.3 s at 11,050 notes; at 0.55 the
# two end together (measured 0.5 / 0.53 / 0.55: 0.28 / 0.13 / 0.02 s waited).
MY_SHARE = 0.55


def can_split(notes: int) -> bool:
    """Worth it, and safe: forking is safe only with no other thread (one could hold a lock the
    child then waits for)."""
    return notes >= SPLIT_FROM and (os.cpu_count() or 1) > 1 and hasattr(os, "fork") \
        and threading.active_count() == 1


def parse_split(vault: Vault, to_parse: list[str], files: dict[str, Stat], meta: dict[str, Meta],
                stats: SyncStats, progress: Progress | None, close_in_child: int | None,
                ) -> tuple[Unwritten, dict[str, tuple]]:
    """As `write_notes(Unwritten(), vault, to_parse, [], files, meta, stats, progress)` does, in two
    processes. `close_in_child`: a descriptor the child must not keep (the index's lock)."""
    half = int(len(to_parse) * MY_SHARE)
    mine, theirs = to_parse[:half], to_parse[half:]

    def parse_theirs() -> tuple:
        theirs_stats = SyncStats(added=list(theirs))
        unwritten = Unwritten()
        their_files: dict[str, Stat] = {}
        their_meta: dict[str, Meta] = {}
        facts = write_notes(unwritten, vault, theirs, [], their_files, their_meta, theirs_stats, None)
        return unwritten.docs, their_files, their_meta, facts, theirs_stats.added, theirs_stats.problems

    child = _Child(parse_theirs, close_in_child)
    try:
        unwritten = Unwritten()
        facts = write_notes(unwritten, vault, mine, [], files, meta, stats, progress)
    except BaseException:
        child.abandon()
        raise
    docs, their_files, their_meta, their_facts, added, problems = child.result()
    unwritten.docs.update(docs)
    files.update(their_files)
    meta.update(their_meta)
    facts.update(their_facts)
    vanished = set(theirs) - set(added)  # between the scan and the read: not added after all
    if vanished:
        stats.added = [p for p in stats.added if p not in vanished]
    stats.problems.extend(problems)
    if progress is not None:
        progress(len(to_parse), len(to_parse))
    return unwritten, facts


def fold_split(fold: Callable[[dict], dict], items: dict, close_in_child: int | None) -> dict:
    """`fold(items)` for a fold that goes item by item (each key's value from its item alone), the
    later half folded by a forked process: the same dict, in the same order. A first answer's
    fold of everyone's contributions is a fifth of it after the parse, on one core."""
    keys = list(items)
    half = len(keys) // 2

    def theirs() -> dict:
        return fold({k: items[k] for k in keys[half:]})

    try:
        child = _Child(theirs, close_in_child)
    except OSError:  # no process to spare: all here
        return fold(items)
    try:
        out = fold({k: items[k] for k in keys[:half]})
    except BaseException:
        child.abandon()
        raise
    try:
        out.update(child.result())
    except ChildProcessError:  # it failed: its half here
        out.update(theirs())
    return out


class _Child:
    """`work()` in a forked process, its result pickled back through a pipe; `result()` waits for
    it (and raises ChildProcessError if the process failed). The child never returns into the
    caller's code, and closes `close_in_child` (the index's lock) first."""

    def __init__(self, work: Callable[[], object], close_in_child: int | None):
        self._read, write_end = os.pipe()
        self._pid = os.fork()
        if self._pid == 0:
            code = 1
            try:
                os.close(self._read)
                if close_in_child is not None:
                    os.close(close_in_child)
                data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write_end, "wb") as out:
                    out.write(data)
                code = 0
            finally:
                os._exit(code)
        os.close(write_end)

    def result(self):
        try:
            with os.fdopen(self._read, "rb") as pipe:
                data = pipe.read()
        finally:
            _, status = os.waitpid(self._pid, 0)
        if status != 0 or not data:
            raise ChildProcessError("the process doing half of the work failed")
        return pickle.loads(data)

    def abandon(self) -> None:
        """The work is not wanted after all (this side failed): end the child and reap it."""
        try:
            os.kill(self._pid, signal.SIGKILL)
        except OSError:
            pass
        os.close(self._read)
        os.waitpid(self._pid, 0)
