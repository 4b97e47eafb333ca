"""A one-shot `search` run on the last commit in the fork that walks the vault ahead (vault/scan_ahead.py).

A `search` run on its own spent 40-60 ms importing Whoosh and opening the index, and 60-100 ms
running the query, after the 100 ms it takes to import click and the commands and to sync: on
one core, while the other had nothing left to do once the walk was sent. So the fork, after the
walk, imports Whoosh and runs the query the command line asks (cli/launch.py reads it, the way
click will) on the newest commit, and sends the hits.

The command takes them (`take`) only for the query it parsed itself, and only if its sync left
that very commit the newest: the same generation, its table of contents the same file. Any
change the sync made, another process's commit or rebuild, a query read otherwise, an error in
the fork: the command runs the query itself, as it always did. So the hits are never other than
the command's own, only earlier; and a search that takes them never imports Whoosh, since the
records it shows come from the copy kept beside the index (kept_records.py).
"""

from __future__ import annotations

import marshal
import os
from typing import TYPE_CHECKING

from ..vault import scan_ahead
from ..vault.walk import STATE_DIR

if TYPE_CHECKING:
    from collections.abc import Callable

    from .manifest import IndexFolder
    from .records import Hit

Query = tuple  # (text, kind or None, limit or None): what find_hits is asked


def in_fork(query: Query) -> Callable[[str, Callable[[bytes], None]], None]:
    """What the walking fork runs after the walk (scan_ahead.start's `then`) for `query`."""

    def search(root: str, send: Callable[[bytes], None]) -> None:
        from pathlib import Path

        from .full_text import find_hits
        from .manifest import INDEX_NAME, IndexFolder
        from .whoosh_import import import_for_reading

        folder = IndexFolder.within(Path(root, STATE_DIR))
        before = stamp(folder)
        if before is None:
            return  # no commit yet: a first answer is made from the parse
        windex = import_for_reading()
        with windex.open_dir(str(folder.path), indexname=INDEX_NAME).searcher() as s:
            hits = find_hits(s, *query)
        if stamp(folder) == before:  # nobody committed meanwhile: these are that commit's hits
            send(marshal.dumps((str(folder.path), before, tuple(query), hits)))

    return search


def stamp(folder: IndexFolder) -> tuple | None:
    """The newest commit: its generation and its table of contents' inode and mtime (a rebuild
    starts counting generations again)."""
    from .manifest import INDEX_NAME

    generation = folder.generation()
    if not generation:
        return None
    try:
        st = os.stat(folder.path / f"_{INDEX_NAME}_{generation}.toc")
    except OSError:
        return None
    return generation, st.st_ino, st.st_mtime_ns


def take(folder: IndexFolder, query: Query) -> list[Hit] | None:
    """The fork's hits for `query`, if it ran that query on the commit that is still the newest."""
    if not scan_ahead.waiting():
        return None
    data = scan_ahead.more()
    if data is None:
        return None
    from .records import Hit

    try:
        path, searched, asked, hits = marshal.loads(data)
        if path != str(folder.path) or asked != tuple(query) or searched != stamp(folder):
            return None
        return [Hit(hit_path, score, terms) for hit_path, score, terms in hits]
    except (EOFError, ValueError, TypeError):  # not what our fork sends
        return None
