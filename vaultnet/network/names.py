"""Which note a NAME on the command line means (SPEC §5).

A NAME may be a vault path, a file name, a `name`, an alias, a unique first or
last name, or a close misspelling, with case and accents ignored (`garcia` finds
María García). At each step people come before other notes, so `log naomi` is
Naomi Walsh, not the meeting note "Call with Naomi". Several matches at the first
step that finds any: AmbiguousName, which lists them. None: NameNotFound with the
closest names, or, for someone only mentioned, where they are mentioned.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from ..errors import AmbiguousName, NameNotFound, NotAPerson
from ..index import NoteIndex
from ..vault.resolve import fold, is_attachment, link_key, strip_md

KINDS = ("person", "org", "note")
CLOSE = 80  # rapidfuzz ratio from which a label is a misspelling of the NAME
SUGGEST = 75  # ... from which it is worth suggesting
# Latin letters that Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSED = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe",
                               "þ": "th", "ð": "d"})


def name_key(text: str) -> str:
    """`text` as names compare: case, accents and runs of blanks ignored."""
    if text.isascii():  # no accents to take off (most names): the same answer, ten times sooner
        return " ".join(text.lower().split())
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.translate(_UNDECOMPOSED).split())


def _stem(path: str) -> str:
    return strip_md(path).rsplit("/", 1)[-1]


def find_note(index: NoteIndex, name: str, kinds: Iterable[str] = KINDS, guess: bool = True) -> str:
    """The path of the note NAME means, people first (see the module doc).

    `guess=False` takes only a path, a file name, a name or an alias: for commands
    that remove or merge, and when the index may be stale."""
    kinds = tuple(kinds)
    every = index.entries()
    entries = {p: e for p, e in every.items() if e.kind in kinds}
    wanted = name_key(strip_md(name.strip()).strip("/"))
    if not wanted:
        raise NameNotFound(name, [])
    table = _table(every)
    if "/" in wanted or table.has(_PATH):
        by_path = table.keys(_PATH).get(wanted, ())
    else:  # a path in a folder has a "/" in its key: only notes at the root can be meant
        by_path = [p for p in every if "/" not in p and name_key(strip_md(p)) == wanted]
    for path in by_path:
        if path in entries:
            return path
    people = [p for p, e in entries.items() if e.kind == "person"]
    others = [p for p, e in entries.items() if e.kind != "person"]
    groups = [g for g in (people, others) if g]

    def exact(group: list[str]) -> list[str]:
        members = set(group)
        for label in (_STEM, _NAME, _ALIAS):
            found = sorted(p for p in table.keys(label).get(wanted, ()) if p in members)
            if found:
                return found
        return []

    def words(group: list[str]) -> list[str]:
        # Part of a name in whole words: a first or a last name ("Hana" for Hana Sato).
        n = len(wanted.split())
        return sorted(
            p for p in group
            if any(_has_words(name_key(label).split(), wanted.split(), n) for label in _labels(entries, p))
        )

    steps = [exact] + ([words, lambda g: _close(entries, g, wanted)] if guess else [])
    for step in steps:
        for group in groups:
            found = step(group)
            if len(found) == 1:
                return found[0]
            if found:
                raise AmbiguousName(name, found)
    raise NameNotFound(name, suggestions(entries, wanted) if guess else [], mentioned_in(index, name))


_PATH, _STEM, _NAME, _ALIAS = range(4)


class _Labels:
    """Every note's path, file name, name and aliases as names compare (name_key), each kind of
    label looked up in a dict built the first time it is asked for. Kept for one state of the
    index (one `entries()`): a process that answers many NAMEs (a watch answering commands, the
    MCP server) reads 10,000 notes' labels once, not at every NAME; a command pays what the old
    loops cost, one pass per kind of label it gets to."""

    def __init__(self, entries: dict):
        self.entries = entries
        self._keys: dict[int, dict[str, list[str]]] = {}

    def has(self, label: int) -> bool:
        """Whether that kind of label is looked up already (a long-lived process's table)."""
        return label in self._keys

    def keys(self, label: int) -> dict[str, list[str]]:
        if label not in self._keys:
            table: dict[str, list[str]] = {}
            for path, entry in self.entries.items():  # in the entries' order: the first path wins
                if label == _PATH:
                    texts: Iterable[str] = (strip_md(path),)
                elif label == _STEM:
                    texts = (_stem(path),)
                elif label == _NAME:
                    texts = (entry.name,)
                else:
                    texts = entry.aliases
                for key in {name_key(text) for text in texts}:
                    table.setdefault(key, []).append(path)
            self._keys[label] = table
        return self._keys[label]


_last: _Labels | None = None


def _table(entries: dict) -> _Labels:
    global _last
    if _last is None or _last.entries is not entries:
        _last = _Labels(entries)
    return _last


def find_person(index: NoteIndex, name: str, guess: bool = True, what: str = "") -> str:
    """A person's note. NAME that means no person but someone only mentioned: NameNotFound saying
    where; a note of another kind: NotAPerson saying what it is (with `what` to do instead)."""
    try:
        return find_note(index, name, ("person",), guess)
    except NameNotFound as missing:
        if missing.mentioned_in:
            raise
        try:
            other = find_note(index, name, ("org", "note"), guess)
        except (NameNotFound, AmbiguousName):
            raise missing from None
        raise NotAPerson(other, index.entries()[other].kind, what) from None


def _labels(entries: dict, path: str) -> list[str]:
    e = entries[path]
    return [e.name, *e.aliases, _stem(path)]


def _has_words(label: list[str], words: list[str], n: int) -> bool:
    return any(label[i : i + n] == words for i in range(len(label) - n + 1))


def _close(entries: dict, group: list[str], wanted: str) -> list[str]:
    """Notes with a label (or, for a one-word NAME, a word of one) a typo away from NAME."""
    from rapidfuzz import fuzz

    single = " " not in wanted
    found = set()
    for path in group:
        for label in _labels(entries, path):
            key = name_key(label)
            if fuzz.ratio(wanted, key) >= CLOSE or (single and any(fuzz.ratio(wanted, w) >= CLOSE
                                                                   for w in key.split())):
                found.add(path)
                break
    return sorted(found)


def suggestions(entries: dict, wanted: str, limit: int = 3) -> list[str]:
    """The names closest to `wanted`, best first."""
    from rapidfuzz import fuzz

    scored: dict[str, float] = {}
    for path, e in entries.items():
        for label in _labels(entries, path):
            key = name_key(label)
            score = max([fuzz.ratio(wanted, key), *(fuzz.ratio(wanted, w) for w in key.split())])
            if score >= SUGGEST:
                scored[e.name] = max(scored.get(e.name, 0.0), score)
    return [n for n, _ in sorted(scored.items(), key=lambda kv: (-kv[1], kv[0].casefold()))[:limit]]


def mentioned_in(index: NoteIndex, name: str) -> tuple[str, list[str]]:
    """(the name as linked, the notes that link it) when NAME is linked but has no note:
    the whole name (`Dana Whitfield`), else one unique first or last name (`dana`)."""
    resolver = index.resolver()
    wanted = name_key(strip_md(name.strip()))

    def unresolved(records) -> dict[str, tuple[str, set[str]]]:
        found: dict[str, tuple[str, set[str]]] = {}
        for source, rec in records:
            for target, *_ in rec.links:
                key = name_key(strip_md(target))
                if (key == wanted or _has_words(key.split(), wanted.split(), len(wanted.split()))) \
                        and resolver.resolve(target, source).path is None and not is_attachment(target):
                    shown, sources = found.setdefault(key, (target, set()))
                    sources.add(source)
        return found

    exact = unresolved(index.records(index.linking({link_key(name)})).items())
    if wanted in exact:
        shown, sources = exact[wanted]
        return shown, sorted(sources)
    partial = unresolved((rec.path, rec) for rec in index.all_records())
    if len(partial) == 1:
        shown, sources = next(iter(partial.values()))
        return shown, sorted(sources)
    return "", []


__all__ = ["KINDS", "find_note", "find_person", "fold", "mentioned_in", "name_key", "suggestions"]
