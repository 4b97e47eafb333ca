"""Relationships: interactions, last contact, follow-ups and the ledger (SPEC §2).

Folded from every note's facts (facts.py) with the current link resolver, so
what spans notes (a meeting note moves the last contact of everyone it links;
a new alias makes old links count) is always right after any single change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .config import Config
from .dates import Cadence, parse_cadence, parse_date
from .facts import DATE, FIELDS, GAVE, GOT, LOGS, PLAIN_TARGETS, TARGETS, TASKS
from .resolve import LinkResolver, is_attachment

REASON_ORDER = {"never_contacted": 0, "cadence": 1, "follow_up": 2, "task": 3}


def interactions_of(path: str, contrib: dict[str, dict], facts_of, kinds: dict[str, tuple[str, str]],
                    resolver: LinkResolver) -> list[dict]:
    """One person's interactions with their texts, newest first.

    `facts_of(paths)` gives the stored facts of the notes that contribute to
    this person; only those are folded again, with texts this time.
    """
    sources = [source for source, per in contrib.items() if path in per and _unpack(per[path])[0]]
    people = {p for p, (k, _) in kinds.items() if k == "person"}
    resolve = caching_resolver(resolver)
    found = []
    for source, f in facts_of(sources).items():
        mine = contributions(source, f, kinds[source][0], people, resolve, texts=True).get(path)
        for day, line, text in (mine[0] if mine else ()):
            found.append((day, source, line, text))
    found.sort(reverse=True)
    return [
        {"date": dt.date.fromordinal(day).isoformat(), "text": text, "source": source, "line": line}
        for day, source, line, text in found
    ]


@dataclass
class Person:
    path: str
    name: str
    tags: tuple[str, ...] = ()
    fields: dict = field(default_factory=dict)
    days: list[int] = field(default_factory=list)  # interaction dates, as ordinals
    gave: int = 0
    got: int = 0
    due_days: list[int] = field(default_factory=list)  # open tasks' 📅 dates, as ordinals
    linked_from: set[str] = field(default_factory=set)  # other notes that link this person
    # Filled in by Network.finish():
    cadence: Cadence | None = None
    last_contact: dt.date | None = None
    next_due: dt.date | None = None
    reason: str | None = None


LINK, MET, WORKS_AT = 0, 1, 2  # kinds of graph edges
MAX_MEETING = 25  # a dated note linking more people is a list, not a meeting: no pairwise edges


def _edges(source: str, f: tuple, kind: str, people: set[str], orgs: set[str], node_of: dict) -> list[tuple]:
    """Who-knows-whom edges this note shows: (a, b, day ordinal or 0, line, LINK|MET|WORKS_AT).

    Nodes are note paths (people, organizations), `?Name` for a person known only
    by a link, and `@Company` for a company written as plain text.
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
            else:
                node = "@" + text
            if node is not None:
                edges.append((source, node, 0, line, WORKS_AT))

    def together(lines: dict[str, int], day: int) -> None:
        """Everyone in `lines` (node -> line naming them) met everyone else that day."""
        nodes = [n for n in lines if n in people or n.startswith("?")]
        if len(nodes) > MAX_MEETING:
            return
        for i, a in enumerate(nodes):
            for b in nodes[i + 1 :]:
                edges.append((a, b, day, max(lines[a], lines[b]), MET))

    for line, date_text, _text, _flags, targets in f[LOGS]:
        day = _ordinal(date_text)
        if day is not None:
            present = {source: line} if own else {}
            present.update((node_of[t], line) for t in targets if t in node_of)
            together(present, day)
    if f[DATE] and kind == "note":
        day = _ordinal(f[DATE])
        if day is not None:
            first = dict(f[TARGETS])
            present: dict[str, int] = {}
            for t in f[PLAIN_TARGETS]:
                if t in node_of:
                    present[node_of[t]] = min(present.get(node_of[t], first[t]), first[t])
            together(present, day)
    return edges


def contributions(source: str, f: tuple, kind: str, people: set[str], resolve, texts: bool = False,
                  orgs: set[str] = frozenset()) -> dict:
    """What one note contributes to each person it concerns.

    {person: [interactions, gave, got, task_dues, linked]}, dates as ordinals
    so it stores with marshal. Interactions are bare dates unless `texts`,
    then (date, line, text): the lists only need dates, a card needs texts.
    `resolve(target, source)` is the vault's link resolver; `people` the
    paths of person notes.
    """
    out: dict[str, list] = {}

    def met(path: str, day: int, line: int, text: str) -> None:
        slot(path)[0].append((day, line, text) if texts else day)

    def slot(path: str) -> list:
        if path not in out:
            out[path] = [[], 0, 0, [], False]
        return out[path]

    own = source in people
    person_of: dict[str, str] = {}
    for target, _line in f[TARGETS]:
        path = resolve(target, source)
        if path is not None and path != source and path in people:
            person_of[target] = path
            slot(path)[4] = True
    mine = [source] if own else []
    for line, date_text, text, flags, targets in f[LOGS]:
        day = _ordinal(date_text)
        if day is None:
            continue
        linked = list(dict.fromkeys(person_of[t] for t in targets if t in person_of))
        for path in mine + linked:
            met(path, day, line, text)
        if flags:
            # In a person's own note the ledger is theirs; elsewhere, each linked person's.
            for path in mine or linked:
                entry = slot(path)
                entry[1] += bool(flags & GAVE)
                entry[2] += bool(flags & GOT)
    if f[DATE] and kind == "note":
        note_day = _ordinal(f[DATE])
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
                met(path, note_day, line, title)
    for line, status, due, done, text, targets in f[TASKS]:
        involved = mine + list(dict.fromkeys(person_of[t] for t in targets if t in person_of))
        if status in ("x", "X") and done:
            day = _ordinal(done)
            if day is not None:
                for path in involved:
                    met(path, day, line, text)
        elif status in (" ", "/") and due:
            day = _ordinal(due)
            if day is not None:
                for path in involved:
                    slot(path)[3].append(day)
    if own:
        value = f[FIELDS].get("last_contact")
        day = _ordinal(value[0]) if value and isinstance(value[0], str) else None
        if day is not None:
            met(source, day, value[1], "last_contact")
    if texts:
        return out
    # Stored for every note, so the common case (linked, dates only) is a bare tuple of days.
    stored: dict = {
        path: tuple(days) if linked and not (gave or got or dues) else [tuple(days), gave, got, tuple(dues), linked]
        for path, (days, gave, got, dues, linked) in out.items()
    }
    node_of: dict[str, str] = {}
    for target, _line in f[TARGETS]:
        path = resolve(target, source)
        if path is not None:
            if path in people or path in orgs:
                node_of[target] = path
        elif not is_attachment(target):
            node_of[target] = "?" + target
    edges = _edges(source, f, kind, people, orgs, node_of)
    if edges:
        stored[""] = tuple(edges)  # "" is no note's path: the graph's share rides along
    return stored


def _unpack(entry) -> tuple:
    """(days, gave, got, dues, linked) from a stored contribution."""
    if type(entry) is tuple:
        return entry, 0, 0, (), True
    return tuple(entry)


_ORDINALS: dict[str, int | None] = {}


def _ordinal(text: object) -> int | None:
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


class Network:
    """Everyone's relationship facts as of `today`, from per-note contributions."""

    def __init__(self, contrib: dict[str, dict], fields: dict[str, dict], kinds: dict[str, tuple[str, str]],
                 config: Config, today: dt.date, me: str | None = None):
        self.today = today
        self.config = config
        self.me = me
        people = self.people = {
            path: Person(path, name) for path, (kind, name) in kinds.items() if kind == "person"
        }
        for path, own in fields.items():
            if path in people:
                people[path].fields = own
                people[path].tags = tuple(own.get("tags", ()))
        for source, per in contrib.items():
            for path, entry in per.items():
                person = people.get(path)
                if person is None:  # also the "" entry, which holds graph edges
                    continue
                if type(entry) is tuple:
                    person.days.extend(entry)
                    person.linked_from.add(source)
                    continue
                days, gave, got, dues, linked = entry
                person.days.extend(days)
                person.gave += gave
                person.got += got
                person.due_days.extend(dues)
                if linked:
                    person.linked_from.add(source)
        for person in people.values():
            self._finish(person)

    def _cadence_of(self, person: Person) -> Cadence | None:
        written = person.fields.get("cadence")
        if written is not None:
            own = parse_cadence(written[0])
            if own is not None:
                return own
        by_tag = [parse_cadence(c) for t, c in self.config.cadence_by_tag.items() if t in person.tags]
        by_tag = [c for c in by_tag if c is not None]
        if by_tag:
            # "Shortest wins", compared on the same start date.
            return min(by_tag, key=lambda c: c.after(self.today))
        return parse_cadence(self.config.default_cadence) if self.config.default_cadence else None

    def _finish(self, person: Person) -> None:
        today = self.today.toordinal()
        past = [d for d in person.days if d <= today]
        person.last_contact = dt.date.fromordinal(max(past)) if past else None
        person.cadence = self._cadence_of(person)
        candidates: list[tuple[dt.date, str]] = []
        if person.cadence is not None:
            if person.last_contact is None:
                candidates.append((self.today, "never_contacted"))
            else:
                candidates.append((person.cadence.after(person.last_contact), "cadence"))
        follow = person.fields.get("follow_up")
        follow_day = parse_date(follow[0]) if follow else None
        if follow_day is not None:
            candidates.append((follow_day, "follow_up"))
        if person.due_days:
            candidates.append((dt.date.fromordinal(min(person.due_days)), "task"))
        if candidates:
            person.next_due, person.reason = min(candidates, key=lambda c: (c[0], REASON_ORDER[c[1]]))

    # ------------------------------------------------------------------ lists

    def due(self, within: int = 0, tag: str | None = None) -> list[dict]:
        horizon = self.today + dt.timedelta(days=within)
        wanted = tag.lstrip("#").lower() if tag else None
        rows = []
        for p in self.people.values():
            if p.next_due is None or p.next_due > horizon or p.path == self.me:
                continue
            if wanted and wanted not in p.tags:
                continue
            rows.append(self.due_row(p))
        rows.sort(key=lambda r: (-r["overdue_days"], r["name"].casefold(), r["path"]))
        return rows

    def due_row(self, p: Person) -> dict:
        assert p.next_due is not None
        return {
            "path": p.path,
            "name": p.name,
            "next_due": p.next_due.isoformat(),
            "last_contact": p.last_contact.isoformat() if p.last_contact else None,
            "overdue_days": (self.today - p.next_due).days,
            "reason": p.reason,
            "cadence_days": p.cadence.approx_days if p.cadence else None,
        }

    def ledger(self) -> list[dict]:
        rows = [
            {"path": p.path, "name": p.name, "gave": p.gave, "got": p.got, "balance": p.gave - p.got}
            for p in self.people.values()
            if (p.gave or p.got) and p.path != self.me
        ]
        rows.sort(key=lambda r: (r["balance"], r["name"].casefold(), r["path"]))
        return rows

    def orphans(self) -> list[dict]:
        rows = [
            {"path": p.path, "name": p.name}
            for p in self.people.values()
            if not p.linked_from and not p.days and p.path != self.me
        ]
        rows.sort(key=lambda r: (r["name"].casefold(), r["path"]))
        return rows
