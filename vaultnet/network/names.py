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
from ..vault.resolve import fold, is_attachment, strip_md

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
    every = index.labels()
    entries = {p: e for p, e in every.items() if e[_KIND] in kinds}
    wanted = name_key(strip_md(name.strip()).strip("/"))
    if not wanted:
        raise NameNotFound(name, [])
    table = _table(every)
    for path in table.find(_PATH, wanted):
        if path in entries:
            return path
    people = [p for p, e in entries.items() if e[_KIND] == "person"]
    others = [p for p, e in entries.items() if e[_KIND] != "person"]
    groups = [g for g in (people, others) if g]

    def exact(group: list[str]) -> list[str]:
        members = set(group)
        for label in (_STEM, _NAME, _ALIAS):
            found = sorted(p for p in table.find(label, wanted) if p in members)
            if found:
                return found
        return []

    def words(group: list[str]) -> list[str]:
        # Part of a name in whole words: a first or a last name ("Hana" for Hana Sato).
        return sorted(set(group).intersection(table.with_words(wanted)))

    steps = [exact] + ([words, lambda g: _close(table, g, wanted)] if guess else [])
    for step in steps:
        for group in groups:
            found = step(group)
            if len(found) == 1:
                return found[0]
            if found:
                raise AmbiguousName(name, found)
    raise NameNotFound(name, suggestions(entries, wanted, table) if guess else [], mentioned_in(index, name))


_PATH, _STEM, _NAME, _ALIAS, _WORDS = range(5)
# A note's labels as the manifest keeps them (index.labels(): kind, name, aliases, problems), read
# as they are: an Entry made for each of 10,000 notes was half of looking a NAME up.
_KIND, _NAME_OF, _ALIASES_OF = range(3)


class _Labels:
    """Every note's path, file name, name and aliases as names compare (name_key), for one state
    of the index (one `labels()`). The first NAME looked up is found by a pass over the notes
    that takes name_key only of labels that could match; from the second on (a watch answering
    commands, the MCP server), each kind of label is looked up in a dict built once."""

    def __init__(self, entries: dict):
        self.entries = entries
        self._keys: dict[int, dict[str, list[str]]] = {}
        self._asked: dict[int, tuple[str, list[str]]] = {}  # the one NAME found without the dict
        self._labels: dict[str, list[str]] | None = None
        self._words: dict[str, list[str]] | None = None

    def _texts(self, label: int, path: str, entry) -> Iterable[str]:
        if label == _PATH:
            return (strip_md(path),)
        if label == _STEM:
            return (_stem(path),)
        return (entry[_NAME_OF],) if label == _NAME else entry[_ALIASES_OF]

    def _once(self, kind: int, wanted: str, built: bool, by_pass, by_dict) -> list[str]:
        """`by_pass()` for the first NAME asked of this state (and for that NAME again: each group
        asks), else `by_dict()`: a second NAME means a long-lived process, worth the dicts."""
        if not built:
            asked = self._asked.get(kind)
            if asked is None:
                asked = self._asked[kind] = (wanted, by_pass())
            if asked[0] == wanted:
                return asked[1]
        return by_dict()

    def find(self, label: int, wanted: str) -> list[str]:
        """The notes, in the entries' order, with a label of that kind whose key is `wanted`."""
        return self._once(label, wanted, label in self._keys, lambda: self._find_by_pass(label, wanted),
                          lambda: self.keys(label).get(wanted, []))

    def _find_by_pass(self, label: int, wanted: str) -> list[str]:
        # An ASCII label's key is its lower case with blanks run together: only a label holding
        # the NAME's first word can have the NAME's key (a C-speed test; the rest are skipped).
        # (A path holds its file name, so its test serves both; one comprehension, no call a note.)
        probe = wanted.split()[0]
        entries = self.entries
        if label in (_PATH, _STEM):
            maybe = [p for p in entries if probe in p.lower() or not p.isascii()]
        elif label == _NAME:
            maybe = [p for p, e in entries.items() if probe in e[_NAME_OF].lower() or not e[_NAME_OF].isascii()]
        else:
            maybe = [p for p, e in entries.items() if e[_ALIASES_OF]]
        return [p for p in maybe if any(name_key(text) == wanted for text in self._texts(label, p, entries[p]))]

    def keys(self, label: int) -> dict[str, list[str]]:
        if label not in self._keys:
            table: dict[str, list[str]] = {}
            for path, entry in self.entries.items():  # in the entries' order: the first path wins
                for key in {name_key(text) for text in self._texts(label, path, entry)}:
                    table.setdefault(key, []).append(path)
            self._keys[label] = table
        return self._keys[label]

    def labels(self) -> dict[str, list[str]]:
        """Every file name, name and alias key: the notes that have it (a note once per key)."""
        if self._labels is None:
            labels: dict[str, list[str]] = {}
            for path, entry in self.entries.items():  # a person's name is mostly its file name: one key
                for key in {name_key(text) for text in set(_labels(entry, path))}:
                    labels.setdefault(key, []).append(path)
            self._labels = labels
        return self._labels

    def words(self) -> dict[str, list[str]]:
        """Every word of a label key: the label keys that hold it."""
        if self._words is None:
            self._words = {}
            for key in self.labels():
                for word in dict.fromkeys(key.split()):
                    self._words.setdefault(word, []).append(key)
        return self._words

    def with_words(self, wanted: str) -> set[str]:
        """The notes with a label that has `wanted`'s words in a row."""
        asked = wanted.split()
        return set(self._once(_WORDS, wanted, self._words is not None, lambda: self._with_words_by_pass(asked),
                              lambda: self._with_words_by_dict(asked)))

    def _with_words_by_dict(self, asked: list[str]) -> list[str]:
        labels, n = self.labels(), len(asked)
        if n == 1:
            keys: Iterable[str] = self.words().get(asked[0], ())
        else:  # the keys with the first word, then the words in a row
            keys = (k for k in self.words().get(asked[0], ()) if _has_words(k.split(), asked, n))
        return [p for key in keys for p in labels[key]]

    def _with_words_by_pass(self, asked: list[str]) -> list[str]:
        probe, n = asked[0], len(asked)
        entries = self.entries
        maybe = [p for p, e in entries.items()
                 if e[_ALIASES_OF] or probe in p.lower() or probe in e[_NAME_OF].lower()
                 or not (p.isascii() and e[_NAME_OF].isascii())]
        return [p for p in maybe
                if any(_has_words(name_key(text).split(), asked, n) for text in _labels(entries[p], p))]


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
        raise NotAPerson(other, index.labels()[other][_KIND], what) from None


def _labels(entry, path: str) -> tuple[str, ...]:
    return (entry[_NAME_OF], *entry[_ALIASES_OF], _stem(path))


def _has_words(label: list[str], words: list[str], n: int) -> bool:
    return any(label[i : i + n] == words for i in range(len(label) - n + 1))


def _scored(table: _Labels, wanted: str, cutoff: float, words: bool = True) -> dict[str, float]:
    """Label keys a typo from `wanted` (rapidfuzz ratio at least `cutoff`), each with its best
    score: the whole key's, or (with `words`) one of its words' when that is higher. In
    rapidfuzz's C loop over the distinct keys and words, not a Python loop over every label."""
    from rapidfuzz import fuzz, process

    best: dict[str, float] = {}
    for key, score, _ in process.extract(wanted, list(table.labels()), scorer=fuzz.ratio, score_cutoff=cutoff,
                                         limit=None):
        best[key] = score
    if not words:
        return best
    holding = table.words()
    for word, score, _ in process.extract(wanted, list(holding), scorer=fuzz.ratio, score_cutoff=cutoff,
                                          limit=None):
        for key in holding[word]:
            best[key] = max(best.get(key, 0.0), score)
    return best


def _close(table: _Labels, group: list[str], wanted: str) -> list[str]:
    """Notes with a label (or, for a one-word NAME, a word of one) a typo away from NAME."""
    members = set(group)
    labels = table.labels()
    return sorted({p for key in _scored(table, wanted, CLOSE, words=" " not in wanted)
                   for p in labels[key] if p in members})


def suggestions(entries: dict, wanted: str, table: _Labels | None = None, limit: int = 3) -> list[str]:
    """The names closest to `wanted`, best first (of the notes in `entries`)."""
    table = table or _table(entries)
    labels = table.labels()
    scored: dict[str, float] = {}
    for key, score in _scored(table, wanted, SUGGEST).items():
        for path in labels[key]:
            if path in entries:
                name = entries[path][_NAME_OF]
                scored[name] = max(scored.get(name, 0.0), score)
    return [n for n, _ in sorted(scored.items(), key=lambda kv: (-kv[1], kv[0].casefold()))[:limit]]


def mentioned_in(index: NoteIndex, name: str) -> tuple[str, list[str]]:
    """(the name as linked, the notes that link it) when NAME is linked but has no note: the
    whole name (`Dana Whitfield`, also as `[[People/Dana Whitfield]]`), else one unique first or
    last name (`dana`). A NAME with a `/` is a path: only a link to that path is meant. Links
    spelt as NAME is, case aside, come first: `Sök` (Swedish) is not `Søk` (Norwegian), though
    `sok` may mean either.

    The notes read are the ones whose links' keys could match (the index's link terms), not
    every note: a misspelt NAME that no link comes near reads none."""
    cleaned = strip_md(name.strip()).strip("/")
    path_like = "/" in cleaned
    wanted, spelt = name_key(cleaned), fold(cleaned)
    words = wanted.split()

    # A term is a link's folded file name with commas as blanks (records.link_keys); cut the
    # NAME's file name and every term at commas and slashes alike, and a term that can match
    # still holds the NAME's words in a row.
    def loose(text: str) -> list[str]:
        return text.replace(",", " ").replace("/", " ").split()

    part = loose(name_key(cleaned.rsplit("/", 1)[-1]))
    keys = [t for t in index.link_terms() if _has_words(loose(name_key(t)), part, len(part))] if part else []
    if not keys:
        return "", []
    resolver = index.resolver()
    same: dict[str, tuple[str, set[str]]] = {}
    exact: dict[str, tuple[str, set[str]]] = {}
    partial: dict[str, tuple[str, set[str]]] = {}
    for source, rec in sorted(index.records(index.linking(keys)).items()):
        for target, *_ in rec.links:
            linked = strip_md(target).strip("/")  # [[/People/Dana]] is a path from the vault's root
            shown = linked if path_like else linked.rsplit("/", 1)[-1].strip()
            key = name_key(shown)
            if key == wanted:
                found: dict | None = same if fold(shown) == spelt else exact
            else:
                found = partial if not path_like and _has_words(key.split(), words, len(words)) else None
            if found is not None and resolver.resolve(target, source).path is None and not is_attachment(target):
                found.setdefault(key, (shown, set()))[1].add(source)
    for matches in (same, exact, partial):
        if len(matches) == 1:
            shown, sources = next(iter(matches.values()))
            return shown, sorted(sources)
    return "", []


__all__ = ["KINDS", "find_note", "find_person", "fold", "mentioned_in", "name_key", "suggestions"]
