"""What each note contributes to each person it concerns: the pure fold below the index.

`contributions()` turns one note's facts (notes/facts.py) and the vault's link
resolver into {person path: interactions, gave, got, open-task dues, linked}
plus the who-knows-whom edges the note shows. The index stores the result per
source note (index/people_file.py), so a change to one note refolds only the
notes it may affect; network/relations.py sums them into per-person facts.
"""

from __future__ import annotations

from collections.abc import Iterator, Set

from ..notes.dates import parse_date
from ..notes.facts import (
    DATE,
    FIELDS,
    GAVE,
    GOT,
    LOGS,
    NEWS,
    NOTICED,
    PLAIN_TARGETS,
    TARGETS,
    TASKS,
)
from .resolve import LinkResolver, is_attachment, strip_md

# Kinds of graph edges: a person's or organization's note links someone; two people on one
# log line; a person's company; two people linked from one dated note (a meeting, a day).
LINK, MET, WORKS_AT, SAME_DAY = 0, 1, 2, 3
LOG, TASK, TITLE, FIELD = range(4)  # where an interaction was read, the most telling first
MAX_MEETING = 25  # a dated note linking more people is a list, not a meeting: no pairwise edges


class OfKind(Set[str]):
    """The notes of one kind in `kinds`, looked up one at a time: a refold of a few notes, or a
    card's interactions, asks of their links alone, where building the set of every person
    would cost more."""

    def __init__(self, kinds: dict[str, tuple[str, str]], kind: str):
        self._kinds, self._kind = kinds, kind

    def __contains__(self, path: object) -> bool:
        found = self._kinds.get(path) if isinstance(path, str) else None
        return found is not None and found[0] == self._kind

    def __iter__(self) -> Iterator[str]:
        return (p for p, (k, _) in self._kinds.items() if k == self._kind)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _edges(source: str, f: tuple, kind: str, people: Set[str], orgs: Set[str], node_of: dict) -> list[tuple]:
    """Who-knows-whom edges this note shows: (a, b, day ordinal or 0, line, edge kind).

    Nodes are note paths (people, organizations), `?Name` for a link to no note (a
    person, if some note shows it is one: network/graph.py decides over the whole vault),
    and `@Company` for a company known only by name: written as text, or a link to a
    company that has no organization note.
    """
    edges: list[tuple] = []
    own = source in people
    if own or source in orgs:
        for target, line in f[TARGETS]:
            node = node_of.get(target)
            if node is not None and node != source:
                edges.append((source, node, 0, line, LINK))
    if own:
        for key in ("company", "org"):
            value = f[FIELDS].get(key)
            if not value or not isinstance(value[0], str) or not value[0].strip():
                continue
            text, line = value[0].strip(), value[1]
            if text.startswith("[[") and text.endswith("]]"):
                target = text[2:-2].split("|", 1)[0].split("#", 1)[0].strip()
                node = node_of.get(target)
                if node not in orgs:  # no organization note: a company known by its name
                    node = "@" + strip_md(target).rsplit("/", 1)[-1].strip() if target.strip() else None
            else:
                node = "@" + text
            if node is not None:
                edges.append((source, node, 0, line, WORKS_AT))

    def together(lines: dict[str, int], day: int, code: int) -> None:
        """Everyone in `lines` (node -> line naming them) met everyone else that day."""
        nodes = [n for n in lines if n in people or n.startswith("?")]
        if len(nodes) > MAX_MEETING:
            return
        for i, a in enumerate(nodes):
            for b in nodes[i + 1 :]:
                edges.append((a, b, day, max(lines[a], lines[b]), code))

    for line, date_text, _text, flags, targets in f[LOGS]:
        day = ordinal(date_text)
        if day is not None and not flags & NEWS:  # news about people is no meeting of them
            on_line = {source: line} if own else {}
            on_line.update((node_of[t], line) for t in targets if t in node_of)
            together(on_line, day, MET)
    if f[DATE] and kind == "note":
        day = ordinal(f[DATE])
        if day is not None:
            first = dict(f[TARGETS])
            attendees: dict[str, int] = {}
            for t in f[PLAIN_TARGETS]:
                if t in node_of:
                    attendees[node_of[t]] = min(attendees.get(node_of[t], first[t]), first[t])
            together(attendees, day, SAME_DAY)
    return edges


def contributions(source: str, f: tuple, kind: str, people: Set[str], resolve, texts: bool = False,
                  orgs: Set[str] = frozenset()) -> dict:
    """What one note contributes to each person it concerns.

    {person: [interactions, gave, got, task_dues, linked, news, noticed]}, dates
    as ordinals so it stores with marshal. Interactions are bare dates unless
    `texts`, then (date, line, text): the lists only need dates, a card needs
    texts. news and noticed are (date, line, text) of `#news` lines (about the
    person, no contact) and `#noticed` lines (they saw your work): the lists of
    news and references show them without reading the notes.
    `resolve(target, source)` is the vault's link resolver; `people` the
    paths of person notes.
    """
    out: dict[str, list] = {}
    # One interaction per person and day in this note: a meeting note and its own log line
    # of that day are one meeting. (rank, line, text) per day; log lines rank first.
    seen: dict[str, dict[int, list]] = {}

    def met(path: str, day: int, line: int, text: str, rank: int) -> None:
        days = seen.setdefault(path, {})
        if day not in days:
            slot(path)[0].append(day)
            days[day] = [rank, line, text]
        elif rank < days[day][0]:
            days[day] = [rank, line, text]
        elif rank == days[day][0] == LOG and texts:
            days[day][2] += "; " + text

    def slot(path: str) -> list:
        if path not in out:
            out[path] = [[], 0, 0, [], False, [], []]
        return out[path]

    own = source in people
    person_of: dict[str, str] = {}
    resolved = [(target, resolve(target, source)) for target, _line in f[TARGETS]]
    for target, path in resolved:
        if path is not None and path != source and path in people:
            person_of[target] = path
            slot(path)[4] = True
    mine = [source] if own else []
    for line, date_text, text, flags, targets in f[LOGS]:
        day = ordinal(date_text)
        if day is None:
            continue
        linked = list(dict.fromkeys(person_of[t] for t in targets if t in person_of))
        if not flags & NEWS:  # news is about them, not contact with them (SPEC §8)
            for path in mine + linked:
                met(path, day, line, text, LOG)
        if flags:
            # In a person's own note the line is about them; elsewhere, about each linked person.
            for path in mine or linked:
                entry = slot(path)
                entry[1] += bool(flags & GAVE)
                entry[2] += bool(flags & GOT)
                if flags & NEWS:
                    entry[5].append((day, line, text))
                if flags & NOTICED:
                    entry[6].append((day, line, text))
    if f[DATE] and kind == "note":
        note_day = ordinal(f[DATE])
        if note_day is not None:
            # A dated note (meeting, daily note) is contact with everyone it links.
            title = source.rsplit("/", 1)[-1][:-3]
            if title == f[DATE]:
                title = "daily note"
            first_line = dict(f[TARGETS])
            attendees: dict[str, int] = {}
            for target in f[PLAIN_TARGETS]:
                path = person_of.get(target)
                if path is not None:
                    attendees[path] = min(attendees.get(path, first_line[target]), first_line[target])
            for path, line in attendees.items():
                met(path, note_day, line, title, TITLE)
    for line, status, due, done, text, targets in f[TASKS]:
        involved = mine + list(dict.fromkeys(person_of[t] for t in targets if t in person_of))
        if status in ("x", "X") and done:
            day = ordinal(done)
            if day is not None:
                for path in involved:
                    met(path, day, line, text, TASK)
        elif status in (" ", "/") and due:
            day = ordinal(due)
            if day is not None:
                for path in involved:
                    slot(path)[3].append(day)
    if own:
        value = f[FIELDS].get("last_contact")
        day = ordinal(value[0]) if value and isinstance(value[0], str) else None
        if day is not None:
            met(source, day, value[1], "last_contact", FIELD)
    if texts:
        for path, entry in out.items():
            entry[0] = [(day, *seen[path][day][1:]) for day in entry[0]]
        return out
    # Stored for every note, so the common case (linked, dates only) is a bare tuple of days.
    stored: dict = {
        path: tuple(days) if linked and not (gave or got or dues or news or noticed)
        else [tuple(days), gave, got, tuple(dues), linked, tuple(news), tuple(noticed)]
        for path, (days, gave, got, dues, linked, news, noticed) in out.items()
    }
    node_of: dict[str, str] = {}
    for target, path in resolved:
        if path is not None:
            if path in people or path in orgs:
                node_of[target] = path
        elif not is_attachment(target):
            node_of[target] = "?" + target
    edges = _edges(source, f, kind, people, orgs, node_of)
    if edges:
        stored[""] = tuple(edges)  # "" is no note's path: the graph's share rides along
    return stored


def unpack(entry) -> tuple:
    """(days, gave, got, dues, linked, news, noticed) from a stored contribution."""
    if type(entry) is tuple:
        return entry, 0, 0, (), True, (), ()
    return tuple(entry)


_ORDINALS: dict[str, int | None] = {}


def ordinal(text: object) -> int | None:
    if not isinstance(text, str):
        return None
    if text not in _ORDINALS:
        day = parse_date(text)
        _ORDINALS[text] = day.toordinal() if day is not None else None
    return _ORDINALS[text]


def caching_resolver(resolver: LinkResolver):
    """resolve(target, source) -> path, remembered per (target, folder of source)."""
    memo: dict[tuple[str, str], str | None] = {}

    def resolve(target: str, source: str) -> str | None:
        key = (target, source.rsplit("/", 1)[0] if "/" in source else "")
        if key not in memo:
            memo[key] = resolver.resolve(target, source).path
        return memo[key]

    return resolve


def all_contributions(facts: dict[str, tuple], kinds: dict[str, tuple[str, str]], resolver: LinkResolver) -> dict:
    people = {p for p, (k, _) in kinds.items() if k == "person"}
    orgs = {p for p, (k, _) in kinds.items() if k == "org"}
    resolve = caching_resolver(resolver)
    return {
        source: contributions(source, f, kinds.get(source, ("note", ""))[0], people, resolve, orgs=orgs)
        for source, f in facts.items()
    }
