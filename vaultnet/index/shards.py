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

import marshal
import struct
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path

from ..gc_pause import gc_paused
from .manifest import SCHEMA_VERSION, read_marshal, write_bytes, write_marshal

SHARDS = 64  # a set's number of shards, unless it says otherwise (`count`)
# A shard file: this header (which shard, of which schema, written at which commit), then its
# tables in marshal. The header alone says whether a set of shards is the one a head lists
# (64 small reads), without reading any table.
_HEADER = struct.Struct("<4sHHq")
_MAGIC = b"VNSH"
_hash_of: dict[str, int] = {}  # a path's hash, remembered: 10,000 keys are split on every write


def shard_of(key: str, count: int = SHARDS) -> int:
    found = _hash_of.get(key)
    if found is None:
        found = _hash_of[key] = zlib.crc32(key.encode("utf-8", "surrogatepass"))
    return found % count


def _shard_path(head: Path, k: int) -> Path:
    return head.with_name(f"{head.name}.{k}")


def _stamp(path: Path, k: int, data: bytes | None = None) -> int | None:
    """The commit shard `k` at `path` was written at (None: none, or not shard `k` of this schema)."""
    try:
        if data is None:
            with open(path, "rb") as fh:
                data = fh.read(_HEADER.size)
        magic, shard, version, stamp = _HEADER.unpack_from(data)
    except (OSError, struct.error):
        return None
    return stamp if magic == _MAGIC and shard == k and version == SCHEMA_VERSION else None


def _head(head: Path, generation: int | None, count: int) -> list | None:
    data = read_marshal(head)
    if data is None or data.get("version") != SCHEMA_VERSION or data.get("generation") != generation:
        return None
    stamps = data.get("shards")
    return stamps if isinstance(stamps, list) and len(stamps) == count else None


def intact(head: Path, generation: int | None, count: int = SHARDS) -> bool:
    """Whether every shard on disk is the one the head of commit `generation` lists (headers only)."""
    stamps = _head(head, generation, count)
    return stamps is not None and all(_stamp(_shard_path(head, k), k) == stamps[k] for k in range(count))


def load(head: Path, generation: int | None, names: tuple[str, ...],
         keys: Iterable[str] | None = None, count: int = SHARDS) -> dict[str, dict] | None:
    """The tables `names`, if the head describes `generation` and every shard is the one it lists;
    with `keys`, only the shards that hold them (a card needs one person's)."""
    with gc_paused():
        return _load(head, generation, names, keys, count=count)


def load_amended(head: Path, generation: int | None, names: tuple[str, ...], held: dict[str, dict],
                 touched: Iterable[str], keys: Iterable[str] | None = None) -> dict[str, dict] | None:
    """What `load` will read once `write(head, _, held, touched, generation, partial=True)` is done,
    without writing it: the shards of the keys `touched` come from `held` (which holds them whole),
    the others from disk (a reading command answers before its commit is written)."""
    parts: dict[int, dict[str, dict]] = {shard_of(key): {name: {} for name in names} for key in touched}
    for name in names:
        for key, value in held[name].items():
            part = parts.get(shard_of(key))
            if part is not None:
                part[name][key] = value
    with gc_paused():
        return _load(head, generation, names, keys, parts)


def _load(head: Path, generation: int | None, names: tuple[str, ...],
          keys: Iterable[str] | None = None, held: dict[int, dict[str, dict]] | None = None,
          count: int = SHARDS) -> dict[str, dict] | None:
    stamps = _head(head, generation, count)
    if stamps is None:
        return None
    tables: dict[str, dict] = {name: {} for name in names}
    wanted = range(count) if keys is None else sorted({shard_of(key, count) for key in keys})
    for k in wanted:
        if held is not None and k in held:
            for name in names:
                tables[name].update(held[k][name])
            continue
        try:
            with open(_shard_path(head, k), "rb") as fh:
                raw = fh.read()
            if _stamp(_shard_path(head, k), k, raw) != stamps[k]:
                return None
            shard = marshal.loads(memoryview(raw)[_HEADER.size:])
        except (OSError, EOFError, ValueError, TypeError):
            return None
        if not isinstance(shard, dict):
            return None
        for name in names:
            part = shard.get(name)
            if not isinstance(part, dict):
                return None
            tables[name].update(part)
    return tables


def write_each(head: Path, generation: int | None, shard: Callable[[int], dict[str, dict]],
               count: int = SHARDS) -> None:
    """Every shard written, `shard(k)` giving shard k's tables (made one at a time, not all held
    at once), then the head."""
    stamp = -1 if generation is None else generation
    for k in range(count):
        _write_shard(head, k, stamp, shard(k))
    write_marshal(head, {"version": SCHEMA_VERSION, "generation": generation, "shards": [stamp] * count})


def _write_shard(head: Path, k: int, stamp: int, tables: dict[str, dict]) -> None:
    # Not fsynced one by one (a first build writes 128 of them): a shard a power cut left empty,
    # cut short or old fails its header or marshal check, and is folded and written again.
    write_bytes(_shard_path(head, k), _HEADER.pack(_MAGIC, k, SCHEMA_VERSION, stamp) + marshal.dumps(tables),
                sync=False)


def write(head: Path, generation: int | None, tables: dict[str, dict], touched: Iterable[str] | None,
          base: int | None = None, partial: bool = False, count: int = SHARDS) -> None:
    """Write the shards holding the keys `touched`, then the head.

    `tables` were read from (or written as) the set of commit `base`, and
    differ from it only under `touched`: then only those shards are written.
    Otherwise (`base` None, or the set on disk is not that of `base`: a crash
    between two writes, another process) every shard is. A shard is written with
    every key of every table that falls in it, so a key that went away is gone
    from it too. `partial` tables hold only the shards of `touched`: they can only amend.
    """
    stamps = _head(head, base, count) if touched is not None and base is not None else None
    if stamps is None or not all(_stamp(_shard_path(head, k), k) == stamps[k] for k in range(count)):
        # No set to amend (or one a crash or a hand changed: a shard gone, another's in its place):
        # write every shard.
        if partial:  # what the caller read was checked intact under the lock: not so now
            raise RuntimeError(f"the shards of {head.name} changed under the index lock")
        stamps, touched = [None] * count, None
    dirty = set(range(count)) if touched is None else {shard_of(key, count) for key in touched}
    parts: dict[int, dict[str, dict]] = {k: {name: {} for name in tables} for k in dirty}
    for name, table in tables.items():
        for key, value in table.items():
            k = shard_of(key, count)
            if k in parts:
                parts[k][name][key] = value
    stamp = -1 if generation is None else generation
    for k in sorted(dirty):
        _write_shard(head, k, stamp, parts[k])
        stamps[k] = stamp
    write_marshal(head, {"version": SCHEMA_VERSION, "generation": generation, "shards": stamps})
