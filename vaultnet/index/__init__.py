"""The index: Whoosh behind a narrow interface. Nothing outside this package imports whoosh."""

from .records import Entry, Hit, Record, SyncStats
from .store import READER_SYNC_TIMEOUT, SCHEMA_VERSION, WRITER_TIMEOUT, NoteIndex, sync_for

__all__ = ["Entry", "Hit", "NoteIndex", "READER_SYNC_TIMEOUT", "Record", "SCHEMA_VERSION", "SyncStats",
           "WRITER_TIMEOUT", "sync_for"]
