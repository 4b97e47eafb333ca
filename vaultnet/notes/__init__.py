"""Notes, one at a time: pure functions from a file's bytes to a `Note`. No I/O, no vault."""

from __future__ import annotations

__all__ = ["Link", "LogLine", "Note", "Problem", "Tag", "Task", "decode", "is_binary", "nfc", "parse_note"]


def __getattr__(name: str):
    # The parser is imported when asked for, not with the package: `notes.dates` or
    # `notes.kinds` alone (a list answered from the index) compiles none of its patterns.
    if name in __all__:
        from . import note

        return getattr(note, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
