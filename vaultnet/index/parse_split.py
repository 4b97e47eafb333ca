"""A first answer's parse on two cores: a forked process parses the second half of the notes
while this one parses the first, and hands its documents back through a pipe.

Parsing is most of a first answer (index/unwritten.py), and one process uses one core. The
halves are put together in the order a single parse would have made (documents, manifest
entries, facts, problems), so nothing after it can tell the difference.
"""

from __future__ import annotations

import os
import pickle
import threading

from ..vault.folder import Stat, Vault
from .batch import Progress, write_notes
from .manifest import Meta
from .records import SyncStats
from .unwritten import Unwritten

# From this many notes the halves pay: a fork and the pickle of half the documents cost about
# 3% of a parse, against Whoosh's writer processes (writer.py), which pay only from 2,000.
SPLIT_FROM = 500


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
    half = len(to_parse) // 2
    mine, theirs = to_parse[:half], to_parse[half:]
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: parse, send, go (never back into the caller's code)
        code = 1
        try:
            os.close(read_end)
            if close_in_child is not None:
                os.close(close_in_child)
            theirs_stats = SyncStats(added=list(theirs))
            unwritten = Unwritten()
            their_files: dict[str, Stat] = {}
            their_meta: dict[str, Meta] = {}
            facts = write_notes(unwritten, vault, theirs, [], their_files, their_meta, theirs_stats, None)
            data = pickle.dumps((unwritten.docs, their_files, their_meta, facts, theirs_stats.added,
                                 theirs_stats.problems), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as out:
                out.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    try:
        unwritten = Unwritten()
        facts = write_notes(unwritten, vault, mine, [], files, meta, stats, progress)
        with os.fdopen(read_end, "rb") as pipe:
            read_end = -1
            data = pipe.read()
    finally:
        if read_end >= 0:
            os.close(read_end)
        _, status = os.waitpid(pid, 0)
    if status != 0 or not data:
        raise ChildProcessError("the process parsing half of the notes failed")
    docs, their_files, their_meta, their_facts, added, problems = pickle.loads(data)
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
