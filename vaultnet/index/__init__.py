"""The index: Whoosh behind a narrow interface. Nothing outside this package imports whoosh.

The names below are imported on first use, not with the package: the `vaultnet` program imports
search_ahead.py before it forks its walk (vault/scan_ahead.py), and the store's modules would
make the fork wait for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .records import Entry, Hit, Record, SyncStats
    from .store import READER_SYNC_TIMEOUT, SCHEMA_VERSION, WRITER_TIMEOUT, NoteIndex, sync_for

__all__ = ["Entry", "Hit", "NoteIndex", "READER_SYNC_TIMEOUT", "Record", "SCHEMA_VERSION", "SyncStats",
           "WRITER_TIMEOUT", "sync_for"]
_IN_RECORDS = frozenset({"Entry", "Hit", "Record", "SyncStats"})


def __getattr__(name: str) -> Any:
    if name in _IN_RECORDS:
        from . import records

        return getattr(records, name)
    if name in __all__:
        from . import store

        return getattr(store, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
