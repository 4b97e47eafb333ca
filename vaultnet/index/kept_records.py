"""Every note's stored record, and which notes link each link key, kept beside the index in shards
(`records`, `records.0` ... `records.255`: shards.py), stamped with the Whoosh commit they describe.

A card (`show`) and `backlinks` read one note's record and those of the notes that may link it.
From Whoosh that meant importing it and opening a searcher: a fifth of `show` at 10,000 notes.
These shards are a copy of what Whoosh stores, written with each commit: the shards of the notes
it parsed or dropped and of their links' keys, or every shard where the set on disk is not the
last commit's (a first build, a crash between two writes, a record marshal cannot hold). Whoosh's
stored records stay the truth: a crash is recovered from them, and they answer whenever the
copy does not match the newest commit.
"""

from __future__ import annotations

import marshal
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

from . import shards
from .records import Record, _record_from, linked_under

TABLES = ("record", "linkers")  # path -> the marshalled stored record; link key -> paths linking it
# More shards than the people's: a card reads one for its note and one per note linking it, and
# at 64 each was half a megabyte at 10,000 notes (records are about 3 KB). Not more: a first build
# writes every one (512 took a quarter of a second).
COUNT = 256


class Change:
    """What one commit wrote: the stored records of the notes it parsed (`add`ed, marshalled at
    once), the paths it dropped, and the commit it amends (`base`); `full`: its records are every
    note's, and wait in a temporary file, not in memory (at 50,000 notes they are 150 MB, and a
    first build's peak was 484 MB without them)."""

    def __init__(self, base: int | None, gone: Iterable[str] = (), full: bool = False):
        self.base, self.gone, self.full = base, gone, full
        self.records: dict[str, bytes] = {}  # not full: path -> the marshalled record
        self.keys: dict[str, tuple[str, ...]] = {}  # path -> the keys `linking` finds it under
        self.unkept = False  # a record marshal cannot hold: no copy is written
        self._spill: IO[bytes] | None = None
        if full:
            import tempfile  # here: a reading command's change never spills

            self._spill = tempfile.TemporaryFile()
        self._where: dict[str, tuple[int, int]] = {}  # full: path -> (offset, length) in the spill
        self._interned: dict[str, str] = {}  # one string per key: many notes link the same person

    def add(self, rec: dict, links: str | None = None) -> None:
        """`rec` kept; `links`: its document's `links` field, if made (the keys, already folded)."""
        try:
            data = marshal.dumps(rec)
        except ValueError:
            self.unkept = True
            return
        path = rec["path"]
        if self._spill is None:
            self.records[path] = data
        else:
            self._where[path] = (self._spill.tell(), len(data))
            self._spill.write(data)
        self.keys[path] = tuple(self._interned.setdefault(key, key) for key in linked_under(rec, links))

    def close(self) -> None:
        if self._spill is not None:
            self._spill.close()

    def _shards(self) -> Callable[[int], dict[str, dict]]:
        """Shard k's tables, read from the spill one shard at a time (a full change's)."""
        assert self._spill is not None
        spill = self._spill
        spill.flush()
        paths: list[list[tuple[str, int, int]]] = [[] for _ in range(COUNT)]
        for path, (offset, length) in self._where.items():
            paths[shards.shard_of(path, COUNT)].append((path, offset, length))
        linking: dict[str, list[str]] = {}
        for path, keys in self.keys.items():
            for key in keys:
                linking.setdefault(key, []).append(path)
        linkers: list[dict[str, tuple[str, ...]]] = [{} for _ in range(COUNT)]
        for key, found in linking.items():
            linkers[shards.shard_of(key, COUNT)][key] = tuple(sorted(found))

        def shard(k: int) -> dict[str, dict]:
            kept = {}
            for path, offset, length in paths[k]:
                spill.seek(offset)
                kept[path] = spill.read(length)
            return {"record": kept, "linkers": linkers[k]}

        return shard


def write(head: Path, generation: int | None, change: Change, every_record: Callable[[], Iterable[dict]]) -> None:
    """The shards as of commit `generation`. `every_record()` gives the commit's stored records, for
    when the change cannot amend the set on disk."""
    if not change.full and not change.unkept:
        if _amend(head, generation, change):
            return
        change = Change(None, full=True)
        for rec in every_record():
            change.add(rec)
    try:
        if change.unkept:  # Whoosh answers, with the head gone
            try:
                head.unlink()
            except FileNotFoundError:
                pass
            return
        shards.write_each(head, generation, change._shards(), COUNT)
    finally:
        change.close()


def _amend(head: Path, generation: int | None, change: Change) -> bool:
    """Write only the shards the change touched, over the set of commit `change.base`; False
    where that set is not on disk whole (the caller writes every shard)."""
    touched = set(change.records) | set(change.gone)
    loaded = shards.load(head, change.base, TABLES, touched, count=COUNT)
    if loaded is None:
        return False
    kept, linkers = loaded["record"], loaded["linkers"]
    old_keys = {path: linked_under(marshal.loads(kept[path])) for path in touched if path in kept}
    keys = set().union(*old_keys.values(), *change.keys.values())
    held = {shards.shard_of(path, COUNT) for path in touched}
    more = {key for key in keys if shards.shard_of(key, COUNT) not in held}
    if more:
        others = shards.load(head, change.base, TABLES, more, count=COUNT)
        if others is None:
            return False
        kept.update(others["record"])
        linkers.update(others["linkers"])
    by_key = {key: set(linkers.get(key, ())) for key in keys}
    for path in touched:
        kept.pop(path, None)
        for key in old_keys.get(path, ()):
            by_key[key].discard(path)
    for path, data in change.records.items():
        kept[path] = data
        for key in change.keys[path]:
            by_key[key].add(path)
    for key, paths in by_key.items():
        if paths:
            linkers[key] = tuple(sorted(paths))
        else:
            linkers.pop(key, None)
    return _write_amended(head, generation, change.base, loaded, touched | keys)


def _write_amended(head: Path, generation: int | None, base: int | None, tables: dict[str, dict],
                   touched: set[str]) -> bool:
    try:
        shards.write(head, generation, tables, touched, base, partial=True, count=COUNT)
    except RuntimeError:  # another shard of that set is not the one its head lists
        return False
    return True


def records(head: Path, generation: int | None, paths: Iterable[str]) -> dict[str, Record] | None:
    """The stored records of these notes (those the commit holds), if the shards are commit
    `generation`'s; else None."""
    paths = list(paths)
    tables = shards.load(head, generation, TABLES, paths, count=COUNT)
    if tables is None:
        return None
    kept = tables["record"]
    return {path: _record_from(marshal.loads(kept[path])) for path in paths if path in kept}


def linking(head: Path, generation: int | None, keys: Iterable[str]) -> list[str] | None:
    """As reader.linking (the notes with a link under one of `keys`), if the shards are commit
    `generation`'s; else None."""
    keys = [key for key in keys if key]
    tables = shards.load(head, generation, TABLES, keys, count=COUNT)
    if tables is None:
        return None
    linkers = tables["linkers"]
    return sorted({path for key in keys for path in linkers.get(key, ())})
