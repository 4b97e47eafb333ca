"""Reading a calendar export (.ics): its meetings, one occurrence at a time (SPEC §9).

icalendar parses the file; recurring-ical-events expands every series (RRULE,
RDATE, EXDATE, occurrences moved or cancelled by RECURRENCE-ID), and
x-wr-timezone applies Google's X-WR-TIMEZONE. Nothing here decides what
counts as contact with whom: the reader gives every occurrence in the window
with its people, its status and its line; matching them to contacts happens
where the notes are written (edits/capture.py).

A file that cannot be a whole calendar (empty, not iCalendar, cut short) is
refused before anything is imported: a calendar cut short may have lost the
override that cancels an occurrence, so importing what is left could record a
meeting that never happened. A broken event in a good file is reported with
its line and skipped; every other event is read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import ImportFormatError
from ..notes.captured import Attendee, Occurrence, ReadProblem

Progress = Callable[[int, int], None]

# Attendees that are not people: a meeting room, a projector, a mailing list.
_NOT_PEOPLE = {"ROOM", "RESOURCE", "GROUP"}
_COMPONENT_LINE = re.compile(rb"^(BEGIN|END):([A-Za-z0-9-]+)[ \t]*\r?$", re.IGNORECASE)


@dataclass
class CalendarFile:
    occurrences: list[Occurrence] = field(default_factory=list)  # by day, then by place in the file
    problems: list[ReadProblem] = field(default_factory=list)
    events: int = 0  # VEVENT components in the file (a series and its overrides count each)
    series: int = 0  # distinct UIDs among them


def read_calendar(raw: bytes, since: dt.date, until: dt.date, name: str = "calendar.ics",
                  progress: Progress | None = None) -> CalendarFile:
    """Every occurrence that starts from `since` to `until`, both included, in its own time zone.

    `name` is how problems name the file. Raises ImportFormatError when the file
    as a whole is not a calendar; nothing has been read then.
    """
    event_lines = _check_structure(raw, name)
    # icalendar warns about what it guessed (a vendor-prefixed TZID...): said once each, as problems.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = _read(raw, since, until, name, event_lines, progress)
    for message in dict.fromkeys(" ".join(str(w.message).split()) for w in caught):
        out.problems.append(ReadProblem(name, _short(message)))
    return out


def _read(raw: bytes, since: dt.date, until: dt.date, name: str, event_lines: list[int],
          progress: Progress | None) -> CalendarFile:
    import icalendar
    import x_wr_timezone

    try:
        calendars = icalendar.Calendar.from_ical(raw, multiple=True)
    except ValueError as exc:
        raise ImportFormatError(f"{name}: not a readable iCalendar file: {_short(exc)}; nothing imported") from None
    calendars = [c for c in calendars if c.name == "VCALENDAR"]
    if not calendars:
        raise ImportFormatError(f"{name}: holds no VCALENDAR (not a calendar export); nothing imported")
    out = CalendarFile()
    lines = iter(event_lines)
    groups: list[tuple[tuple[list, list], list[tuple[object, int | None]]]] = []
    for cal in calendars:
        # Google's X-WR-TIMEZONE (UTC times meant in that zone), applied once for the whole file.
        cal = x_wr_timezone.to_standard(cal)
        settings = [(k, v) for k, v in cal.items() if k.upper() != "X-WR-TIMEZONE"]
        zones = list(cal.walk("VTIMEZONE"))
        by_uid: dict[str, list[tuple[object, int | None]]] = {}
        for event in cal.walk("VEVENT"):
            out.events += 1
            uid = str(event.get("UID") or "").strip() or _made_up_uid(event)
            by_uid.setdefault(uid, []).append((event, next(lines, None)))
        groups += [((settings, zones), members) for members in by_uid.values()]
    out.series = len(groups)
    # A day's window in every time zone: a little wider, then each start's own date decides.
    window = (dt.datetime.combine(since - dt.timedelta(days=1), dt.time()),
              dt.datetime.combine(until + dt.timedelta(days=2), dt.time()))
    for done, (context, members) in enumerate(groups, 1):
        try:
            out.occurrences += _expand(context, members, since, until, window)
        except Exception as exc:  # one broken series must not stop the others
            title = _title(members[0][0])
            out.problems.append(ReadProblem(_where(name, members[0][1]),
                                            f"{(repr(title) + ': ') if title else ''}{_short(exc)}; skipped"))
        else:
            for event, line in members:
                for prop, message in getattr(event, "errors", ()):
                    out.problems.append(ReadProblem(_where(name, line),
                                                    f"{prop + ': ' if prop else ''}{_short(message)}; ignored"))
        if progress is not None:
            progress(done, len(groups))
    out.occurrences.sort(key=lambda o: (o.day, o.line or 0, o.uid))
    return out


def _expand(context, members, since: dt.date, until: dt.date, window) -> list[Occurrence]:
    import icalendar
    import recurring_ical_events

    master = next((e for e, _ in members if e.get("RECURRENCE-ID") is None), members[0][0])
    if master.get("DTSTART") is None:
        raise ValueError("no start (DTSTART)")
    uid = str(master.get("UID") or "").strip() or _made_up_uid(master)
    recurring = master.get("RRULE") is not None or master.get("RDATE") is not None
    # One small calendar per series (the file's settings and time zones, this UID's events):
    # a broken series fails alone.
    settings, zones = context
    single = icalendar.Calendar()
    for key, value in settings:
        single[key] = value
    for zone in zones:
        single.add_component(zone)
    for event, _ in members:
        single.add_component(event)
    moved = {_stamp(e.get("RECURRENCE-ID")): line for e, line in members if e.get("RECURRENCE-ID") is not None}
    master_line = next((line for e, line in members if e is master), members[0][1])
    found = []
    for occ in recurring_ical_events.of(single).between(*window):
        start = occ.get("DTSTART").dt
        day = start.date() if isinstance(start, dt.datetime) else start
        if not since <= day <= until:
            continue
        rid = occ.get("RECURRENCE-ID")
        found.append(Occurrence(
            uid=uid, day=day, title=_title(occ), location=" ".join(_text(occ.get("LOCATION")).split()),
            attendees=_attendees(occ), cancelled=_text(occ.get("STATUS")).strip().upper() == "CANCELLED",
            recurring=recurring, all_day=not isinstance(start, dt.datetime),
            line=moved.get(_stamp(rid), master_line) if rid is not None else master_line))
    return found


def _stamp(prop) -> str:
    """A RECURRENCE-ID as a comparable key (an aware time in UTC, else as written)."""
    value = getattr(prop, "dt", prop)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc)
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _attendees(event) -> tuple[Attendee, ...]:
    people: dict[str, Attendee] = {}
    values = event.get("ATTENDEE") or []
    if not isinstance(values, list):
        values = [values]
    organizer = event.get("ORGANIZER")
    pairs = [(v, False) for v in values] + ([(organizer, True)] if organizer is not None else [])
    for value, is_organizer in pairs:
        params = getattr(value, "params", {})
        if str(params.get("CUTYPE", "")).upper() in _NOT_PEOPLE:
            continue
        email = _address(str(value), str(params.get("EMAIL", "")))
        name = " ".join(str(params.get("CN", "")).split()).strip('"').strip()
        if name.casefold() in (email.casefold(), f"mailto:{email}".casefold()):
            name = ""  # Google writes the address again as the CN of people without a name
        if not (name or email):
            continue
        key = email.casefold() or f"name:{name.casefold()}"
        if key in people:  # the organizer is usually an attendee too: the attendee's status counts
            known = people[key]
            people[key] = Attendee(known.name or name, known.email, known.status, known.organizer or is_organizer)
            continue
        people[key] = Attendee(name, email, str(params.get("PARTSTAT", "")).upper(), is_organizer)
    return tuple(people.values())


def _address(value: str, email_param: str) -> str:
    """The mail address of a CAL-ADDRESS: `mailto:` (any case), else Apple's EMAIL parameter
    (iCloud writes `urn:uuid:...` as the value)."""
    value = value.strip()
    if value[:7].lower() == "mailto:":
        return value[7:].strip()
    if email_param.strip():
        return email_param.strip()
    return value if "@" in value and ":" not in value else ""


def _title(event) -> str:
    return " ".join(_text(event.get("SUMMARY")).split())


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value)


def _made_up_uid(event) -> str:
    """A stable key for an event the file gives no UID: its start and its title."""
    start = event.get("DTSTART")
    try:
        when = start.to_ical().decode() if start is not None else ""
    except Exception:  # a broken start still gives a key; the series reports it
        when = str(start)
    seed = f"{when}|{_title(event)}"
    return "vaultnet-" + hashlib.sha1(seed.encode("utf-8")).hexdigest()[:16]


def _where(name: str, line: int | None) -> str:
    return f"{name}:{line}" if line else name


def _short(exc: object) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 160 else text[:157] + "..."


def _check_structure(raw: bytes, name: str) -> list[int]:
    """The line of each BEGIN:VEVENT, after refusing what cannot be a whole calendar.

    Only component boundaries are looked at, to say where a file was cut short or
    damaged (icalendar drops an unfinished calendar without a word); what is
    inside is icalendar's to parse.
    """
    if not raw.strip():
        raise ImportFormatError(f"{name}: is empty ({'0 bytes' if not raw else 'only blank space'}); "
                                "nothing imported")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    first = raw.lstrip().split(b"\n", 1)[0].strip()
    if first.upper() != b"BEGIN:VCALENDAR":
        shown = first[:60].decode("utf-8", "replace")
        raise ImportFormatError(f"{name}: not an iCalendar file (it starts {shown!r}, not BEGIN:VCALENDAR); "
                                "nothing imported")
    stack: list[tuple[str, int]] = []
    events: list[int] = []
    for number, line in enumerate(raw.split(b"\n"), 1):
        m = _COMPONENT_LINE.match(line)
        if m is None:
            continue
        component = m[2].decode("ascii").upper()
        if m[1].upper() == b"BEGIN":
            stack.append((component, number))
            if component == "VEVENT":
                events.append(number)
        elif stack and stack[-1][0] == component:
            stack.pop()
        else:
            opened = f"the {stack[-1][0]} of line {stack[-1][1]}" if stack else "anything"
            raise ImportFormatError(f"{name}:{number}: END:{component} does not close {opened} "
                                    "(a damaged file?); nothing imported")
    if stack:
        component, number = stack[-1]
        raise ImportFormatError(f"{name}:{number}: the file ends inside this {component} (cut short?); "
                                "nothing imported")
    return events
