"""Relationships: interactions, last contact, follow-ups, the ledger and moments (SPEC §2, §8).

Folded from every note's contributions (vault/contributions.py) with the current link resolver, so
what spans notes (a meeting note moves the last contact of everyone it links;
a new alias makes old links count) is always right after any single change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..notes.dates import Birthday, Cadence, parse_birthday, parse_cadence, parse_date
from ..notes.note import has_tag
from ..vault.config import Config
from ..vault.contributions import caching_resolver, contributions, unpack
from ..vault.resolve import LinkResolver

REASON_ORDER = {"never_contacted": 0, "cadence": 1, "follow_up": 2, "task": 3, "birthday": 4, "news": 5}
BIRTHDAY_GRACE_DAYS = 7  # a birthday stays listed this long after the day, until you are in touch
COLD_DAYS = 180  # a reference you have not spoken to for this long needs warming up first


def interactions_of(path: str, contrib: dict[str, dict], facts_of, kinds: dict[str, tuple[str, str]],
                    resolver: LinkResolver) -> list[dict]:
    """One person's interactions with their texts, newest first.

    `facts_of(paths)` gives the stored facts of the notes that contribute to
    this person; only those are folded again, with texts this time.
    """
    sources = [source for source, per in contrib.items() if path in per and unpack(per[path])[0]]
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
    news: list[tuple[int, str, int]] = field(default_factory=list)  # (day, source, line) of #news lines
    noticed: list[tuple[int, str, int]] = field(default_factory=list)  # (day, source, line) of #noticed lines
    # Filled in by Network.finish():
    cadence: Cadence | None = None
    last_contact: dt.date | None = None
    follow_up: dt.date | None = None
    follow_up_met: bool = False
    next_due: dt.date | None = None
    reason: str | None = None
    birthday: Birthday | None = None
    next_birthday: dt.date | None = None  # the coming one, or the one just past that is still due
    contacts: int = 0  # interactions up to today


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
                days, gave, got, dues, linked, news, noticed = entry
                person.days.extend(days)
                person.gave += gave
                person.got += got
                person.due_days.extend(dues)
                person.news.extend((day, source, line) for day, line in news)
                person.noticed.extend((day, source, line) for day, line in noticed)
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
        by_tag = [c for t, written_by_tag in self.config.cadence_by_tag.items()
                  if has_tag(person.tags, t) and (c := parse_cadence(written_by_tag)) is not None]
        if by_tag:
            # "Shortest wins", compared on the same start date.
            return min(by_tag, key=lambda c: c.after(self.today))
        return parse_cadence(self.config.default_cadence) if self.config.default_cadence else None

    def _finish(self, person: Person) -> None:
        today = self.today.toordinal()
        past = [d for d in person.days if d <= today]
        person.contacts = len(past)
        person.last_contact = dt.date.fromordinal(max(past)) if past else None
        person.cadence = self._cadence_of(person)
        candidates: list[tuple[dt.date, str]] = []
        follow = person.fields.get("follow_up")
        person.follow_up = parse_date(follow[0]) if follow else None
        # A follow-up is met by contact on or after its day (a plan is not contact). Until
        # then it is the plan and stands in for the cadence ("by then, whatever the
        # cadence"): `snooze` moves someone overdue by cadence to a later day.
        person.follow_up_met = (person.follow_up is not None and person.last_contact is not None
                                and person.last_contact >= person.follow_up)
        if person.follow_up is not None and not person.follow_up_met:
            candidates.append((person.follow_up, "follow_up"))
        elif person.cadence is not None:
            if person.last_contact is None:
                candidates.append((self.today, "never_contacted"))
            else:
                candidates.append((person.cadence.after(person.last_contact), "cadence"))
        if person.due_days:
            candidates.append((dt.date.fromordinal(min(person.due_days)), "task"))
        birthday = person.fields.get("birthday")
        person.birthday = parse_birthday(birthday[0]) if birthday else None
        if person.birthday is not None:
            person.next_birthday = self._birthday_due(person.birthday, person.last_contact)
            candidates.append((person.next_birthday, "birthday"))
        fresh = self.fresh_news(person)
        if fresh:
            candidates.append((dt.date.fromordinal(fresh[0][0]), "news"))
        if candidates:
            person.next_due, person.reason = min(candidates, key=lambda c: (c[0], REASON_ORDER[c[1]]))

    def _birthday_due(self, birthday: Birthday, last_contact: dt.date | None) -> dt.date:
        """The birthday that asks for a hello: one in the last week you have not been in touch
        since, else the next one."""
        last = birthday.last_on_or_before(self.today)
        if (self.today - last).days <= BIRTHDAY_GRACE_DAYS and (last_contact is None or last_contact < last):
            return last
        return birthday.next_after(self.today)

    def fresh_news(self, person: Person) -> list[tuple[int, str, int]]:
        """News you have not reacted to: newer than the last contact, from the last `news_days`."""
        today = self.today.toordinal()
        since = today - self.config.news_days
        last = person.last_contact.toordinal() if person.last_contact else None
        return sorted(n for n in person.news if since <= n[0] <= today and (last is None or n[0] > last))

    # ------------------------------------------------------------------ lists

    def due(self, within: int = 0, tag: str | None = None) -> list[dict]:
        horizon = self.today + dt.timedelta(days=within)
        rows = []
        for p in self.people.values():
            if p.next_due is None or p.next_due > horizon or p.path == self.me:
                continue
            if tag and not has_tag(p.tags, tag):  # `mentor` also finds `mentor/rust`
                continue
            rows.append(self.due_row(p))
        rows.sort(key=lambda r: (-r["overdue_days"], r["name"].casefold(), r["path"]))
        return rows

    def birthdays_of(self, tag: str | None = None) -> list[tuple[str, str, Birthday]]:
        """(path, name, birthday) of everyone with a readable birthday (and the tag), by name."""
        wanted = tag.lstrip("#").lower() if tag else None
        return sorted(((p.path, p.name, p.birthday) for p in self.people.values()
                       if p.birthday is not None and p.path != self.me and (not wanted or wanted in p.tags)),
                      key=lambda b: (b[1].casefold(), b[0]))

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
        rows: list[dict] = [
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


def last_contacts(contrib: dict[str, dict], paths, today: dt.date) -> dict[str, dt.date | None]:
    """The last contact of each person in `paths` (as Network gives it), without folding everyone."""
    wanted = set(paths)
    best: dict[str, int] = {}
    limit = today.toordinal()
    for per in contrib.values():
        for path in wanted.intersection(per):
            days = [d for d in unpack(per[path])[0] if d <= limit]
            if days:
                best[path] = max(best.get(path, 0), *days)
    return {p: dt.date.fromordinal(best[p]) if p in best else None for p in wanted}
