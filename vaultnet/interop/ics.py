"""The follow-up list as an iCalendar file (RFC 5545), through the icalendar library."""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..notes.dates import Birthday


def person_uid(path: str) -> str:
    """Stable per person, so a re-export updates the calendar instead of adding events."""
    return f"vaultnet-{hashlib.sha1(path.encode('utf-8')).hexdigest()[:20]}@vaultnet"


def birthday_uid(path: str) -> str:
    return f"vaultnet-birthday-{hashlib.sha1(path.encode('utf-8')).hexdigest()[:20]}@vaultnet"


_REASONS = {
    "cadence": "cadence",
    "never_contacted": "never contacted, has a cadence",
    "follow_up": "follow-up date",
    "task": "open task",
    "news": "news about them",
}


def _text(value: str) -> str:
    """RFC 5545 TEXT holds no control characters but the tab and (escaped) line breaks:
    a name with one (`name: "bell\\a"`) would make some calendars refuse the whole file."""
    return "".join(" " if unicodedata.category(ch) == "Cc" and ch not in "\t\n" else ch for ch in value)


def due_calendar(rows: list[dict], today: dt.date,
                 birthdays: Sequence[tuple[str, str, Birthday]] = ()) -> bytes:
    """One all-day event per due person, on their due date (today, when overdue), and one
    yearly all-day event per birthday (path, name, birthday): a birthday is due every year."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//vaultnet//follow-ups//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "vaultnet follow-ups")
    # A stamp derived from --today keeps the file identical when nothing changed.
    stamp = dt.datetime(today.year, today.month, today.day, tzinfo=dt.timezone.utc)
    for row in rows:
        if row["reason"] == "birthday":
            continue  # the yearly event below is that reminder
        day = max(dt.date.fromisoformat(row["next_due"]), today)
        event = Event()
        event.add("uid", person_uid(row["path"]))
        event.add("dtstamp", stamp)
        event.add("dtstart", day)
        event.add("dtend", day + dt.timedelta(days=1))
        event.add("summary", _text(f"Get in touch with {row['name']}"))
        last = row["last_contact"] or "never"
        event.add(
            "description",
            _text(f"Why: {_REASONS.get(row['reason'], row['reason'])}. Due {row['next_due']}. "
                  f"Last contact: {last}. Note: {row['path']}"),
        )
        cal.add_component(event)
    for path, name, birthday in birthdays:
        cal.add_component(_birthday_event(path, name, birthday, stamp))
    return cal.to_ical()


def _birthday_event(path: str, name: str, birthday: Birthday, stamp: dt.datetime):
    from icalendar import Event

    # The first occurrence: the day of birth when the year is known, else in 2000, a leap
    # year, so that 29 February is a real first day. Fixed, so the file stays the same.
    first = dt.date(birthday.year or 2000, birthday.month, birthday.day)
    rule: dict = {"freq": "yearly"}
    if (birthday.month, birthday.day) == (2, 29):
        rule.update(bymonth=2, bymonthday=-1)  # 29 February, else the 28th: the month's last day
    event = Event()
    event.add("uid", birthday_uid(path))
    event.add("dtstamp", stamp)
    event.add("dtstart", first)
    event.add("dtend", first + dt.timedelta(days=1))
    event.add("rrule", rule)
    event.add("summary", _text(f"Birthday: {name}"))
    event.add("description", _text(f"Note: {path}"))
    event.add("transp", "TRANSPARENT")
    return event
