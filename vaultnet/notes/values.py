"""Small readings of a note's values that the index and the lists share with the parser:
frontmatter strings, tags and their parents, NFC. Apart from note.py for the reason kinds.py is."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable


def string_values(value) -> list[str]:
    """A frontmatter value as a list of strings: a string is one (none if blank), a list its strings."""
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def field_values(fm: dict, *keys: str) -> list[str]:
    """A frontmatter field as a list of strings, over each of `keys` (a single string is one value)."""
    return [v.strip() for k in keys for v in string_values(fm.get(k)) if v.strip()]


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def has_tag(tags: Iterable[str], wanted: str) -> bool:
    """Does a note with `tags` have the tag `wanted` (`#` and case ignored)? Tags nest as in
    Obsidian: `inbox/to-read` is also `inbox`, and not `inbox-zero`."""
    wanted = wanted.strip().lstrip("#").lower()
    return bool(wanted) and any(t == wanted or t.startswith(wanted + "/") for t in tags)


def tag_and_parents(tag: str) -> list[str]:
    """`a/b/c` -> `a`, `a/b`, `a/b/c`: what a search for a tag finds it under."""
    parts = [p for p in tag.split("/") if p]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]
