"""Building large tables without the cyclic garbage collector walking them as they grow."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_freeze = False  # set by a process that ends soon after it answers (the command line's `main`)


def freeze_after_loads(on: bool = True) -> None:
    """`on`: what a load builds is kept out of every later collection (gc.freeze); for a process
    that exits after one answer. Long-lived ones (watch, the MCP server) must not: a freeze also
    keeps whatever garbage with cycles exists at that moment, so it would grow with every load."""
    global _freeze
    _freeze = on


@contextmanager
def gc_paused() -> Iterator[None]:
    """The collector off while a table is loaded or built, on again after (nested: the outer one).

    Loading the manifest and the per-person sums at 10,000 people makes hundreds of thousands of
    tuples and dicts; every 700 of them the collector walked the young ones, and now and then all
    of them. Those tables hold no reference cycles, so it found nothing: reference counting frees
    them when they are dropped. Switched on again, it would walk them all once more at the next
    allocation; a one-shot process freezes them instead (freeze_after_loads).
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if _freeze:
            gc.freeze()
        gc.enable()
