"""Tables kept beside the index in shards, so that a commit rewrites only the shards it touched.

The per-note contributions (people_file.py) and the per-person sums
(persons.py) are tables keyed by a note's path. Written whole, a one-note save
rewrote megabytes at 10,000 notes; here each table is split by a stable hash of
the key into SHARDS files (`people.0` ... `people.63`), and a small head file
(`people`) lists the commit each shard was last written at. A commit writes the
shards it changed, stamped with its generation, then the head: until the head
is written the set does not match the newest commit, so a reader folds again
rather than trust it, and the next sync heals it. Every file is written
atomically (manifest.write_marshal).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from pathlib import Path

from .manifest import SCHEMA_VERSION, read_marshal, write_marshal

SHARDS = 64
_shard_of: dict[str, int] = {}  # a path's shard, remembered: 10,000 keys are split on every write


def shard_of(key: str) -> int:
    found = _shard_of.get(key)
    if found is None:
        found = _shard_of[key] = zlib.crc32(key.encode("utf-8", "surrogatepass")) % SHARDS
    return found


def _shard_path(head: Path, k: int) -> Path:
    return head.with_name(f"{head.name}.{k}")


def load(head: Path, generation: int | None, names: tuple[str, ...],
         keys: Iterable[str] | None = None) -> dict[str, dict] | None:
    """The tables `names`, if the head describes `generation` and every shard is the one it lists;
    with `keys`, only the shards that hold them (a card needs one person's)."""
    data = read_marshal(head)
    if data is None or data.get("version") != SCHEMA_VERSION or data.get("generation") != generation:
        return None
    stamps = data.get("shards")
    if not isinstance(stamps, list) or len(stamps) != SHARDS:
        return None
    tables: dict[str, dict] = {name: {} for name in names}
    wanted = range(SHARDS) if keys is None else sorted({shard_of(key) for key in keys})
    for k in wanted:
        stamp = stamps[k]
        shard = read_marshal(_shard_path(head, k))
        if shard is None or shard.get("stamp") != stamp or shard.get("version") != SCHEMA_VERSION:
            return None
        for name in names:
            part = shard.get(name)
            if not isinstance(part, dict):
                return None
            tables[name].update(part)
    return tables


def write(head: Path, generation: int | None, tables: dict[str, dict], touched: Iterable[str] | None,
          base: int | None = None) -> None:
    """Write the shards holding the keys `touched`, then the head.

    `tables` were read from (or written as) the set of commit `base`, and
    differ from it only under `touched`: then only those shards are written.
    Otherwise (`base` None, or the set on disk is not that of `base`: a crash
    between two writes, another process) every shard is. A shard is written with
    every key of every table that falls in it, so a key that went away is gone
    from it too.
    """
    old = read_marshal(head) if touched is not None and base is not None else None
    stamps = old.get("shards") if old is not None and old.get("version") == SCHEMA_VERSION \
        and old.get("generation") == base else None
    if not isinstance(stamps, list) or len(stamps) != SHARDS:
        stamps, touched = [None] * SHARDS, None  # no set to amend: write every shard
    dirty = set(range(SHARDS)) if touched is None else {shard_of(key) for key in touched}
    parts: dict[int, dict[str, dict]] = {k: {name: {} for name in tables} for k in dirty}
    for name, table in tables.items():
        for key, value in table.items():
            k = shard_of(key)
            if k in parts:
                parts[k][name][key] = value
    for k in sorted(dirty):
        write_marshal(_shard_path(head, k), {"version": SCHEMA_VERSION, "stamp": generation, **parts[k]})
        stamps[k] = generation
    write_marshal(head, {"version": SCHEMA_VERSION, "generation": generation, "shards": stamps})
