"""Relationships: interactions, last contact, follow-ups, the ledger and moments (SPEC §2, §8).

Folded from every note's contributions (vault/contributions.py) with the current link resolver, so
what spans notes (a meeting note moves the last contact of everyone it links;
a new alias makes old links count) is always right after any single change.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..notes.dates import Birthday, Cadence, parse_birthday, parse_cadence, parse_date
from ..notes.values import has_tag
from ..vault.config import Config
from ..vault.contributions import OfKind, caching_resolver, contributions, unpack
from ..vault.resolve import LinkResolver

REASON_ORDER = {"never_contacted": 0, "cadence": 1, "follow_up": 2, "task": 3, "birthday": 4, "news": 5}
BIRTHDAY_GRACE_DAYS = 7  # a birthday stays listed this long after the day, until you are in touch
COLD_DAYS = 180  # a reference you have not spoken to for this long needs warming up first


def interactions_of(path: str, sources: Iterable[str], facts_of, kinds: dict[str, tuple[str, str]],
                    resolver: LinkResolver) -> list[dict]:
    """One person's interactions with their texts, newest first.

    `sources` are the notes that may contribute to this person: their own note
    and the notes that link them (backlinks). `facts_of(paths)` gives their
    stored facts; only those are folded again, with texts this time.
    """
    people = OfKind(kinds, "person")  # asked of these notes' links alone
    resolve = caching_resolver(resolver)
    found = []
    for source, f in facts_of(sorted(set(sources))).items():
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
    """Everything the network knows of one person, folded from every note about them."""

    path: str
    name: str
    tags: tuple[str, ...] = ()
    fields: dict = field(default_factory=dict)
    days: tuple[int, ...] = ()  # interaction dates, as sorted ordinals
    gave: int = 0
    got: int = 0
    due_days: tuple[int, ...] = ()  # open tasks' 📅 dates, as sorted ordinals
    links: int = 0  # how many other notes link this person
    news: tuple[tuple[int, str, int], ...] = ()  # (day, source, line) of #news lines, sorted
    noticed: tuple[tuple[int, str, int], ...] = ()  # (day, source, line) of #noticed lines, sorted
    # Filled in by Network._finish():
    cadence: Cadence | None = None
    last_contact: dt.date | None = None
    follow_up: dt.date | None = None
    follow_up_met: bool = False
    next_due: dt.date | None = None
    reason: str | None = None
    birthday: Birthday | None = None
    next_birthday: dt.date | None = None  # the coming one, or the one just past that is still due
    contacts: int = 0  # interactions up to today


_EMPTY: tuple = ((), 0, 0, (), 0, (), ())


class Network:
    """Everyone's relationship facts as of `today`, from each person's summed contributions
    (index/persons.py: the sum is kept on disk, so nothing is folded here)."""

    def __init__(self, folded: dict[str, tuple], fields: dict[str, dict], kinds: dict[str, tuple[str, str]],
                 config: Config, today: dt.date, me: str | None = None, only: Iterable[str] | None = None):
        self.today = today
        self.config = config
        self.me = me
        self._parsed: dict[tuple, object] = {}  # the same cadence, date or birthday text is read once
        wanted = kinds if only is None else {p: kinds[p] for p in only if p in kinds}
        self.people: dict[str, Person] = {}
        self.texts: dict[tuple[str, int], str] = {}  # (source, line) -> the text of a #news or #noticed line
        for path, (kind, name) in wanted.items():
            if kind == "person":
                self.people[path] = self._person(path, name, folded, fields)

    def amended(self, folded: dict[str, tuple], fields: dict[str, dict], kinds: dict[str, tuple[str, str]],
                changed: set[str], me: str | None) -> Network:
        """This Network after a change that touched the sums, own fields or kind of `changed` alone:
        everyone else's Person is taken as it is (a watch's answer right after a save folds one
        person, not 10,000). Equal to a Network built from the same tables: the people in the
        order of `kinds`, and every text a person's moments name."""
        if me != self.me:
            return Network(folded, fields, kinds, self.config, self.today, me)
        new = Network.__new__(Network)
        new.today, new.config, new.me, new._parsed = self.today, self.config, me, self._parsed
        # A text is the line's: one kept here is still right for every person not folded again.
        new.texts = dict(self.texts)
        mine = self.people
        if all(path in mine for path in changed if kinds.get(path, ("",))[0] == "person"):
            # Nobody new: everyone is where they were, less those who are no person now.
            new.people = dict(mine)
            for path in changed:
                kind, name = kinds.get(path, ("", ""))
                if kind == "person":
                    new.people[path] = new._person(path, name, folded, fields)
                else:
                    new.people.pop(path, None)
            return new
        new.people = {}
        for path, (kind, name) in kinds.items():
            if kind == "person":
                person = mine.get(path) if path not in changed else None
                new.people[path] = person if person is not None else new._person(path, name, folded, fields)
        return new

    def _person(self, path: str, name: str, folded: dict[str, tuple], fields: dict[str, dict]) -> Person:
        own = fields.get(path, {})
        days, gave, got, dues, links, news, noticed = folded.get(path, _EMPTY)
        if news or noticed:
            self.texts.update(((s, ln), text) for _, s, ln, text in news + noticed)
            news = tuple(item[:3] for item in news)
            noticed = tuple(item[:3] for item in noticed)
        person = Person(path, name, tuple(own.get("tags", ())), own, days, gave, got, dues, links, news, noticed)
        self._finish(person)
        return person

    def _read(self, parse, text):
        if not isinstance(text, str):  # a list or a mapping where a value was wanted: not memoized
            return parse(text)
        key = (parse, text)
        if key not in self._parsed:
            self._parsed[key] = parse(text)
        return self._parsed[key]

    def _cadence_of(self, person: Person) -> Cadence | None:
        written = person.fields.get("cadence")
        if written is not None:
            own = self._read(parse_cadence, written[0])
            if own is not None:
                return own  # type: ignore[return-value]
        if self.config.cadence_by_tag:
            by_tag = [c for t, written_by_tag in self.config.cadence_by_tag.items()
                      if has_tag(person.tags, t) and (c := self._read(parse_cadence, written_by_tag)) is not None]
            if by_tag:
                # "Shortest wins", compared on the same start date.
                return min(by_tag, key=lambda c: c.after(self.today))  # type: ignore[union-attr]
        return self._read(parse_cadence, self.config.default_cadence) if self.config.default_cadence \
            else None  # type: ignore[return-value]

    def _finish(self, person: Person) -> None:
        today = self.today.toordinal()
        days = person.days
        # Sorted: the interactions up to today are a prefix (the rest are plans).
        contacts = person.contacts = bisect_right(days, today) if days and days[-1] > today else len(days)
        person.last_contact = dt.date.fromordinal(days[contacts - 1]) if contacts else None
        person.cadence = self._cadence_of(person)
        candidates: list[tuple[dt.date, str]] = []
        follow = person.fields.get("follow_up")
        person.follow_up = self._read(parse_date, follow[0]) if follow else None  # type: ignore[assignment]
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
            candidates.append((dt.date.fromordinal(person.due_days[0]), "task"))
        birthday = person.fields.get("birthday")
        person.birthday = self._read(parse_birthday, birthday[0]) if birthday else None  # type: ignore[assignment]
        if person.birthday is not None:
            person.next_birthday = self._birthday_due(person.birthday, person.last_contact)
            candidates.append((person.next_birthday, "birthday"))
        if person.news:
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
        return due_rows(self.due_table(), self.today, within, tag, self.me)

    def due_table(self) -> dict[str, tuple]:
        """path -> (name, tags, next due day, reason, last contact, cadence in days) of everyone
        with a next due day, the user among them; days as ordinals. Each row is one person's
        alone: a change refolds its people's rows (queries.due_table), the rest stay."""
        return {
            p.path: (p.name, p.tags, p.next_due.toordinal(), p.reason,
                     p.last_contact.toordinal() if p.last_contact else None,
                     p.cadence.approx_days if p.cadence else None)
            for p in self.people.values() if p.next_due is not None
        }

    def birthdays_of(self, tag: str | None = None) -> list[tuple[str, str, Birthday]]:
        """(path, name, birthday) of everyone with a readable birthday (and the tag), by name."""
        wanted = tag.lstrip("#").lower() if tag else None
        return sorted(((p.path, p.name, p.birthday) for p in self.people.values()
                       if p.birthday is not None and p.path != self.me and (not wanted or wanted in p.tags)),
                      key=lambda b: (b[1].casefold(), b[0]))

    def ledger(self) -> list[dict]:
        return ledger_rows(((p.path, p.name, p.gave, p.got) for p in self.people.values()), self.me)

    def orphans(self) -> list[dict]:
        rows = [
            {"path": p.path, "name": p.name}
            for p in self.people.values()
            if not p.links and not p.days and p.path != self.me
        ]
        rows.sort(key=lambda r: (r["name"].casefold(), r["path"]))
        return rows


def ledger_rows(people: Iterable[tuple[str, str, int, int]], me: str | None) -> list[dict]:
    """The ledger from (path, name, gave, got) of every person: those you only take from first."""
    rows: list[dict] = [
        {"path": path, "name": name, "gave": gave, "got": got, "balance": gave - got}
        for path, name, gave, got in people
        if (gave or got) and path != me
    ]
    rows.sort(key=lambda r: (r["balance"], r["name"].casefold(), r["path"]))
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


def last_contacts_from(folded: dict[str, tuple], paths, today: dt.date) -> dict[str, dt.date | None]:
    """The last contact of each person in `paths`, from the summed contributions (index/persons.py)."""
    limit = today.toordinal()
    out: dict[str, dt.date | None] = {}
    for path in set(paths):
        days = folded.get(path, _EMPTY)[0]
        past = bisect_right(days, limit)
        out[path] = dt.date.fromordinal(days[past - 1]) if past else None
    return out


def due_rows(table: dict[str, tuple], today: dt.date, within: int = 0, tag: str | None = None,
             me: str | None = None) -> list[dict]:
    """Who is due by `within` days from today (with `tag`), most overdue first, from a due table
    (Network.due_table), leaving out the user's own note `me`."""
    horizon = today.toordinal() + within
    now = today.toordinal()
    rows = []
    for path, (name, tags, next_due, reason, last_contact, cadence_days) in table.items():
        if next_due > horizon or path == me:
            continue
        if tag and not has_tag(tags, tag):  # `mentor` also finds `mentor/rust`
            continue
        rows.append({
            "path": path,
            "name": name,
            "next_due": dt.date.fromordinal(next_due).isoformat(),
            "last_contact": dt.date.fromordinal(last_contact).isoformat() if last_contact is not None else None,
            "overdue_days": now - next_due,
            "reason": reason,
            "cadence_days": cadence_days,
        })
    rows.sort(key=lambda r: (-r["overdue_days"], r["name"].casefold(), r["path"]))
    return rows
