"""A first answer's parse on two cores: a forked process parses the later part of the notes (a
little under half, MY_SHARE) while this one parses the first, and hands back through a pipe
what the answer needs (manifest entries, facts, problems); then the fold of everyone's
contributions, shared out the same way (fold_split).

Its documents (the records and the text to index) are five times as large and no list reads
them: that process keeps them until they are asked for, by a command that reads records or by
the process that writes the index behind the answer (cli/base.py, forked from this one, which
asks through the same pipes). The answer waits for neither their pickle nor its unpickling.

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
from typing import cast

from ..gc_pause import gc_paused
from ..vault.folder import Stat, Vault
from .batch import Progress, write_notes
from .manifest import Meta
from .records import SyncStats
from .unwritten import Unwritten

# From this many notes the halves pay: a fork and the pickle of half the documents cost about
# 3% of a parse, against Whoosh's writer processes (writer.py), which pay only from 2,000.
SPLIT_FROM = 500
# The share of the notes this process parses. A forked process parses a note more slowly than
# this one, and also pickles its facts: at 11,050 notes equal halves left this one waiting
# 0.1-0.4 s; at 0.55 it waits only for the unpickling (about 30 ms). When the child pickled its
# documents too, at 0.55 the two ended together (0.5 / 0.53 / 0.55: 0.28 / 0.13 / 0.02 s waited).
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
        return (their_files, their_meta, facts, theirs_stats.added, theirs_stats.problems), unwritten.docs

    child = _Child(parse_theirs, close_in_child, keeps_later=True)
    try:
        unwritten = Unwritten(len(to_parse))
        facts = write_notes(unwritten, vault, mine, [], files, meta, stats, progress)
    except BaseException:
        child.abandon()
        raise
    try:
        their_files, their_meta, their_facts, added, problems = child.result()
    except BaseException:
        child.abandon()
        raise

    unwritten.add_later(_KeptDocuments(child, lambda: parse_theirs()[1]))
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


class _KeptDocuments:
    """The later half's documents, kept by the process that parsed them (unwritten.Later): asked
    for, read when wanted, or let go; if that process is gone by then, `again()` parses them here."""

    def __init__(self, child: _Child, again: Callable[[], dict]):
        self._child, self._again = child, again

    def ask(self) -> None:
        self._child.ask()

    def fetch(self) -> dict:
        try:
            return self._child.later()
        except ChildProcessError:  # it failed after its first part
            return self._again()

    def discard(self) -> None:
        self._child.abandon()


class _Child:
    """`work()` in a forked process, its result pickled back through a pipe (its length first);
    `result()` waits for it (and raises ChildProcessError if the process failed). The child never
    returns into the caller's code, and closes `close_in_child` (the index's lock) first.

    `keeps_later`: `work()` returns (now, later). `result()` is `now`; the child keeps `later`
    until `later()` asks for it, from this process or from one forked from it since (it has the
    same pipes), and ends unasked once every copy of the asking pipe is closed (`abandon`, or the
    end of every process holding one)."""

    def __init__(self, work: Callable[[], object], close_in_child: int | None, keeps_later: bool = False):
        self._read: int | None
        self._ask: int | None = None
        self._read, write_end = os.pipe()
        asked = -1
        if keeps_later:
            asked, self._ask = os.pipe()
        self._keeps_later = keeps_later
        self._parent = os.getpid()
        self._pid = os.fork()
        if self._pid == 0:
            code = 1
            try:
                os.close(self._read)
                if self._ask is not None:
                    os.close(self._ask)
                if close_in_child is not None:
                    os.close(close_in_child)
                now, kept = cast(tuple, work()) if keeps_later else (work(), None)
                with os.fdopen(write_end, "wb") as out:
                    data = pickle.dumps(now, protocol=pickle.HIGHEST_PROTOCOL)
                    out.write(len(data).to_bytes(8, "big") + data)
                    out.flush()
                    del data, now
                    if keeps_later and os.read(asked, 1):  # empty: every asking end closed, nobody asks
                        out.write(pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL))
                code = 0
            finally:
                os._exit(code)
        os.close(write_end)
        if keeps_later:
            os.close(asked)
        self._reaped, self._status = False, -1

    def result(self):
        assert self._read is not None
        size = int.from_bytes(_read_exactly(self._read, 8).rjust(8, b"\0"), "big")
        data = _read_exactly(self._read, size) if size else b""
        if not self._keeps_later:  # nothing more to come: reap it
            self._close_read()
            self._reap()
        if len(data) != size or not data or (self._reaped and self._status != 0):
            self.abandon()
            raise ChildProcessError("the process doing half of the work failed")
        return pickle.loads(data)

    def ask(self) -> None:
        """Ask for what the child kept (keeps_later) without waiting: it pickles it meanwhile."""
        ask, self._ask = self._ask, None
        if ask is not None:
            try:
                os.write(ask, b"1")
            except OSError:  # it had ended (killed, say): later() finds nothing and says so
                pass
            finally:
                os.close(ask)

    def later(self):
        """What the child kept (keeps_later), asked for and read; reaped when this process made it."""
        self.ask()
        data = b""
        if self._read is not None:
            try:
                data = self._read_to_end()
            except OSError:
                pass
        self._close_read()
        if os.getpid() == self._parent:
            self._reap()
            if self._status != 0:
                data = b""
        try:
            if data:
                with gc_paused():  # documents: tens of thousands of dicts, tuples and lists, no cycles
                    return pickle.loads(data)
        except (pickle.UnpicklingError, EOFError, ValueError):  # cut short: it failed while writing
            pass
        raise ChildProcessError("the process doing half of the work failed")

    def abandon(self) -> None:
        """The work is not wanted after all (this side failed, or its later part went unasked):
        end the child and reap it. In a process forked since, only that process's pipe ends go."""
        if self._ask is not None:
            os.close(self._ask)
            self._ask = None
        self._close_read()
        if os.getpid() != self._parent or self._reaped:
            return
        try:
            os.kill(self._pid, signal.SIGKILL)
        except OSError:
            pass
        self._reap()

    def _read_to_end(self) -> bytes:
        assert self._read is not None
        fd, self._read = self._read, None
        with os.fdopen(fd, "rb") as pipe:
            return pipe.read()

    def _close_read(self) -> None:
        if self._read is not None:
            os.close(self._read)
            self._read = None

    def _reap(self) -> None:
        if not self._reaped:
            _, self._status = os.waitpid(self._pid, 0)
            self._reaped = True


def _read_exactly(fd: int, size: int) -> bytes:
    """`size` bytes from `fd`, or fewer if it ends first."""
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
