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
from .resolve import LinkResolver

REASON_ORDER = {"never_contacted": 0, "cadence": 1, "follow_up": 2, "task": 3}


Interaction = tuple  # (date, source, line, text): plain tuples sort newest-first natively


def interaction_dict(item: Interaction) -> dict:
    day, source, line, text = item
    return {"date": day.isoformat(), "text": text, "source": source, "line": line}


@dataclass
class Person:
    path: str
    name: str
    tags: tuple[str, ...] = ()
    fields: dict = field(default_factory=dict)
    interactions: list[Interaction] = field(default_factory=list)
    gave: int = 0
    got: int = 0
    task_due: list[tuple[dt.date, str]] = field(default_factory=list)  # open tasks' 📅 dates
    linked_from: set[str] = field(default_factory=set)  # other notes that link this person
    # Filled in by Network.finish():
    cadence: Cadence | None = None
    last_contact: dt.date | None = None
    next_due: dt.date | None = None
    reason: str | None = None


class Network:
    """Everyone's relationship facts as of `today`."""

    def __init__(self, facts: dict[str, tuple], kinds: dict[str, tuple[str, str]],
                 resolver: LinkResolver, config: Config, today: dt.date):
        self.today = today
        self.config = config
        self.people: dict[str, Person] = {
            path: Person(path, name) for path, (kind, name) in kinds.items() if kind == "person"
        }
        self.me = resolver.resolve(config.me, "").path if config.me else None
        self._fold(facts, kinds, resolver)
        for person in self.people.values():
            self._finish(person)

    def _fold(self, facts: dict[str, tuple], kinds: dict[str, tuple[str, str]], resolver: LinkResolver) -> None:
        people = self.people
        resolved_in_folder: dict[tuple[str, str], str | None] = {}
        days: dict[str | None, dt.date | None] = {None: None}

        def day_of(text: str | None) -> dt.date | None:
            if text not in days:
                days[text] = parse_date(text)
            return days[text]

        for source, f in facts.items():
            own = people.get(source)
            if own is not None:
                own.tags = tuple(f[FIELDS].get("tags", ()))
                own.fields = f[FIELDS]
            # Resolve each distinct target of the note once; log lines and tasks reuse it.
            folder = source.rsplit("/", 1)[0] if "/" in source else ""
            person_of: dict[str, str] = {}
            for target, line in f[TARGETS]:
                key = (target, folder)
                if key not in resolved_in_folder:
                    resolved_in_folder[key] = resolver.resolve(target, source).path
                path = resolved_in_folder[key]
                if path is not None and path != source and path in people:
                    person_of[target] = path
                    people[path].linked_from.add(source)
            mine = [source] if own is not None else []
            for line, date_text, text, flags, targets in f[LOGS]:
                day = day_of(date_text)
                if day is None:
                    continue
                linked = list(dict.fromkeys(person_of[t] for t in targets if t in person_of))
                for path in mine + linked:
                    people[path].interactions.append((day, source, line, text))
                if flags:
                    # In a person's own note the ledger is theirs; elsewhere, each linked person's.
                    for path in mine or linked:
                        people[path].gave += bool(flags & GAVE)
                        people[path].got += bool(flags & GOT)
            if f[DATE] and kinds.get(source, ("note",))[0] == "note":
                note_day = day_of(f[DATE])
                if note_day is not None:
                    # A dated note (meeting, daily note) is contact with everyone it links.
                    title = source.rsplit("/", 1)[-1][:-3]
                    first_line = dict(f[TARGETS])
                    attendees: dict[str, int] = {}
                    for target in f[PLAIN_TARGETS]:
                        path = person_of.get(target)
                        if path is not None:
                            attendees[path] = min(attendees.get(path, first_line[target]), first_line[target])
                    for path, line in attendees.items():
                        people[path].interactions.append((note_day, source, line, title))
            for line, status, due, done, text, targets in f[TASKS]:
                involved = mine + list(dict.fromkeys(person_of[t] for t in targets if t in person_of))
                if status in ("x", "X") and done:
                    day = day_of(done)
                    if day is not None:
                        for path in involved:
                            people[path].interactions.append((day, source, line, text))
                elif status in (" ", "/") and due:
                    day = day_of(due)
                    if day is not None:
                        for path in involved:
                            people[path].task_due.append((day, text))
        for person in people.values():
            value = person.fields.get("last_contact")
            day = day_of(value[0]) if value and isinstance(value[0], str) else None
            if day is not None:
                person.interactions.append((day, person.path, value[1], "last_contact"))

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
        person.interactions.sort(reverse=True)
        today = self.today
        person.last_contact = next((i[0] for i in person.interactions if i[0] <= today), None)
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
        if person.task_due:
            candidates.append((min(d for d, _ in person.task_due), "task"))
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
            if not p.linked_from and not p.interactions and p.path != self.me
        ]
        rows.sort(key=lambda r: (r["name"].casefold(), r["path"]))
        return rows
