"""The records the calendar and mail readers give and capture takes (SPEC §9).

Like `contact.Contact` for contact files, these shapes let the readers
(interop) and the code that writes notes (edits) meet without importing each
other: plain data, no behaviour beyond a label.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Attendee:
    name: str  # the CN, "" when there is none or it only repeats the address
    email: str  # as written, "" when the attendee has no mail address
    status: str = ""  # PARTSTAT in upper case: ACCEPTED, DECLINED, TENTATIVE, NEEDS-ACTION or ""
    organizer: bool = False

    @property
    def label(self) -> str:
        return self.name or self.email


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One meeting as it happened (or will): a single event, or one occurrence of a series."""

    uid: str  # the series' UID (made up from the start and title when the file has none)
    day: dt.date  # its start, in the event's own time zone
    title: str
    location: str
    attendees: tuple[Attendee, ...]  # the attendees and the organizer, each address once
    cancelled: bool
    recurring: bool  # part of a series (RRULE or RDATE), even when one occurrence is in the window
    all_day: bool
    line: int | None  # the line where its VEVENT begins (the moved occurrence's own, if moved)


@dataclass(frozen=True, slots=True)
class ReadProblem:
    """Something a reader could not read, and where: "calendar.ics:42", "archive.mbox:1203",
    "Maildir/cur/1700000000.M1.host:2,S"."""

    where: str
    message: str


@dataclass(frozen=True, slots=True)
class Address:
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class MailMessage:
    """One message, from its headers only."""

    where: str  # "archive.mbox:120" (the line of its From_ line), or the file it is in
    sent: dt.datetime | None  # the Date header, in the sender's own offset; None if missing or bad
    subject: str  # RFC 2047 decoded, on one line
    senders: tuple[Address, ...]  # From
    recipients: tuple[Address, ...]  # To and Cc
    bulk: str  # why it is bulk mail ("List-Id", "Precedence: bulk", "no-reply sender"), or ""
    problems: tuple[str, ...]  # what could not be read in it (a bad charset, no date)
