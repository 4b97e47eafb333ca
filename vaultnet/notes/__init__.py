"""Notes, one at a time: pure functions from a file's bytes to a `Note`. No I/O, no vault."""

from .note import Link, LogLine, Note, Problem, Tag, Task, decode, is_binary, nfc, parse_note

__all__ = ["Link", "LogLine", "Note", "Problem", "Tag", "Task", "decode", "is_binary", "nfc", "parse_note"]
