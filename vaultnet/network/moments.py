"""Moments that keep a network alive (SPEC §8): birthdays, news, and the references pool.

All three are folded with the other relationship facts (relations.Network);
this module turns them into lists. Texts of news and noticed lines are kept
with them (Network.texts), so these lists read no note and open no full-text
index.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable

from ..errors import BadValue
from ..index import NoteIndex
from .relations import COLD_DAYS, Network, Person

RECENT_CONTACT_DAYS = 365  # contact within this counts toward a reference's strength, more when recent
_WORD = re.compile(r"\w+")


def _rows(items: Iterable[tuple[int, str, int]], texts: dict[tuple[str, int], str]) -> list[dict]:
    return [{"date": dt.date.fromordinal(day).isoformat(), "text": texts.get((source, line), ""),
             "source": source, "line": line}
            for day, source, line in sorted(items, key=lambda i: (-i[0], i[1], i[2]))]


def news(index: NoteIndex, net: Network, since: dt.date) -> list[dict]:
    """News about people since a day (up to today), newest first."""
    first, last = since.toordinal(), net.today.toordinal()
    found = [(item, p) for p in net.people.values() if p.path != net.me
             for item in p.news if first <= item[0] <= last]
    rows = [{"path": p.path, "name": p.name, **_rows([item], net.texts)[0]} for item, p in found]
    # Newest first; ISO dates sort as text, so the date is negated through its ordinal.
    rows.sort(key=lambda r: (-dt.date.fromisoformat(r["date"]).toordinal(), r["name"].casefold(),
                             r["source"], r["line"]))
    return rows


def latest_news(net: Network, person: Person) -> dict | None:
    if not person.news:
        return None
    return _rows([max(person.news)], net.texts)[0]


def birthdays(net: Network, within: int) -> list[dict]:
    """Birthdays from today (or the one just past, while still due) to `within` days ahead."""
    horizon = net.today + dt.timedelta(days=within)
    rows: list[dict] = []
    for p in net.people.values():
        if p.birthday is None or p.next_birthday is None or p.path == net.me or p.next_birthday > horizon:
            continue
        rows.append({"path": p.path, "name": p.name, "date": p.next_birthday.isoformat(),
                     "age": p.birthday.age_on(p.next_birthday), "last_contact":
                     p.last_contact.isoformat() if p.last_contact else None})
    rows.sort(key=lambda r: (r["date"], r["name"].casefold(), r["path"]))
    return rows


def _strength(p: Person, today: dt.date) -> float:
    """Recent contact counts most, then many interactions and how often they noticed your work;
    taking more than you gave weakens the ask."""
    recency = 0.0
    if p.last_contact is not None:
        recency = max(0.0, 1.0 - (today - p.last_contact).days / RECENT_CONTACT_DAYS)
    volume = min(1.0, math.log1p(p.contacts) / math.log1p(20))
    noticed = min(len(p.noticed), 5) / 5
    has_reference = 0.5 if _reference(p) else 0.0
    balance = p.gave - p.got
    weight = 1.0 if balance >= 0 else max(0.3, 1.0 + 0.15 * balance)
    return round((2.0 * recency + volume + noticed + has_reference) * weight, 3)


def _reference(p: Person) -> str | None:
    value = p.fields.get("reference")
    if value and isinstance(value[0], str) and value[0].strip():
        return value[0].strip()
    return None


def references(index: NoteIndex, net: Network, topic: str | None = None) -> list[dict]:
    """Who has seen your work and could vouch for you, strongest first (SPEC §8)."""
    if topic is not None and not topic.strip():
        raise BadValue("the topic is empty", "topic")
    pool = [p for p in net.people.values() if p.path != net.me and (p.noticed or _reference(p))]
    rows: list[dict] = []
    about = _topic_matcher(index, topic) if topic else None
    for p in pool:
        noticed = _rows(p.noticed, net.texts)
        reference = _reference(p)
        if about is not None:
            lines = [n for n in noticed if about.text(n["text"])]
            if not (lines or (reference and about.text(reference)) or p.path in about.people):
                continue
            # The noticed lines about the topic first: they are the evidence for this ask.
            noticed = lines + [n for n in noticed if n not in lines]
        cold = p.last_contact is None or (net.today - p.last_contact).days > COLD_DAYS
        rows.append({
            "path": p.path, "name": p.name, "score": _strength(p, net.today), "reference": reference,
            "last_contact": p.last_contact.isoformat() if p.last_contact else None,
            "balance": p.gave - p.got, "cold": cold, "noticed": noticed,
        })
    rows.sort(key=lambda r: (-r["score"], r["name"].casefold(), r["path"]))
    return rows


class _topic_matcher:
    """A topic's words, stemmed as the index stems them; and the people whose own notes match it."""

    def __init__(self, index: NoteIndex, topic: str):
        from ..index.stemming import stem_word

        self.stem = stem_word
        self.terms = {stem_word(w.lower()) for w in _WORD.findall(topic)}
        self.people = {h.path for h in index.search(topic, kind="person", limit=None)} if self.terms else set()

    def text(self, text: str) -> bool:
        words = {self.stem(w.lower()) for w in _WORD.findall(text)}
        return bool(self.terms) and self.terms <= words
