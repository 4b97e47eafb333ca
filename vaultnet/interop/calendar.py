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

What a file costs to read grows with its size, never faster. Events are the
VEVENTs directly in a VCALENDAR; a VEVENT inside another component (a file
that lost an END line, or worse) is reported and skipped, as every library
that read it as an event would expand it once for each component around it.
A series is expanded only when that is a bounded piece of work (see
_check_repeats): dateutil steps through every repetition from DTSTART, and on
past the window to the next one, so a rule that repeats every second, starts
in year 1, or matches no day at all (30 February) would cost minutes to hours
for a hundred bytes of file, and one that steps by nothing (INTERVAL=0) gives
its start again forever, a gigabyte of memory every half a minute.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
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
_SETTINGS = {"VERSION", "PRODID", "CALSCALE", "METHOD"}  # the calendar properties a series keeps
# What a meeting series may be, so that expanding it is a bounded piece of work.
_SUB_DAILY = {"SECONDLY": "second", "MINUTELY": "minute", "HOURLY": "hour"}
MAX_A_DAY = 24  # occurrences a day (BYHOUR x BYMINUTE x BYSECOND)
MAX_RULES = 10  # RRULE properties on one event (RFC 5545: one)
MAX_STEPS = 100_000  # repetitions dateutil steps through from DTSTART to the window's end
_DAYS_PER_STEP = {"DAILY": 1.0, "WEEKLY": 7.0, "MONTHLY": 30.44, "YEARLY": 365.25}
# Steps of each frequency in 400 Gregorian years, after which months, weekdays, leap days
# and ISO weeks all repeat exactly: a rule's pattern repeats with it (see _never_happens).
_STEPS_IN_400_YEARS = {"DAILY": 146_097, "WEEKLY": 20_871, "MONTHLY": 4_800, "YEARLY": 400}


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
    event_lines, misplaced = _check_structure(raw, name)
    # icalendar warns about what it guessed (a vendor-prefixed TZID...): said once each, as problems.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = _read(raw, since, until, name, event_lines, progress)
    out.problems[:0] = [ReadProblem(_where(name, line), message) for line, message in misplaced]
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
    groups: list[tuple[tuple[list, dict], list[tuple[object, int | None]]]] = []
    for cal in calendars:
        # Google's X-WR-TIMEZONE (UTC times meant in that zone), applied once for the whole file.
        try:
            cal = x_wr_timezone.to_standard(cal)
        except Exception as exc:  # an unknown or empty zone (ZoneInfoNotFoundError, ValueError), or worse
            zone = _text(cal.get("X-WR-TIMEZONE"))
            out.problems.append(ReadProblem(name, f"X-WR-TIMEZONE {_short(zone)!r} cannot be applied "
                                                  f"({_short(exc)}); the times are read as written"))
        # What each series' own calendar takes from the file: the standard settings (the X- ones,
        # any number of them, say nothing about recurrence) and the time zones by TZID.
        settings = [(k, v) for k, v in cal.items() if k.upper() in _SETTINGS]
        zones = {str(z.get("TZID", "")): z for z in cal.walk("VTIMEZONE")}
        by_uid: dict[str, list[tuple[object, int | None]]] = {}
        # Only the events of the calendar itself (see _check_structure for the others).
        for event in [c for c in cal.subcomponents if c.name == "VEVENT"]:
            # An event's own components (VALARM, or a misplaced VEVENT) say nothing about its
            # meetings, and a library that walks the event would take a nested VEVENT for one.
            event.subcomponents = []
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
            # Memory runs out only on a series the bounds above let through: said as such (a
            # MemoryError's own text is empty), so a fuzz run under a memory limit fails on it.
            why = "ran out of memory expanding this series" if isinstance(exc, MemoryError) else _short(exc)
            out.problems.append(ReadProblem(_where(name, members[0][1]),
                                            f"{(repr(title) + ': ') if title else ''}{why}; skipped"))
        else:
            for member, line in members:
                for prop, message in getattr(member, "errors", ()):
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
    # recurring-ical-events expands the event of the UID with the highest SEQUENCE, which
    # need not be the first: every event that is no override is checked.
    for event, _ in members:
        if event.get("RECURRENCE-ID") is None and event.get("RRULE") is not None and event.get("DTSTART") is not None:
            _check_repeats(event, window[1])
    # One small calendar per series (the file's settings and time zones, this UID's events):
    # a broken series fails alone.
    settings, zones = context
    single = icalendar.Calendar()
    for key, value in settings:
        single[key] = value
    for tzid in dict.fromkeys(t for e, _ in members for t in _tzids(e)):  # the zones this series uses:
        if tzid in zones:  # all of them for every series would cost zones x series
            single.add_component(zones[tzid])
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


def _check_repeats(master, window_end: dt.datetime) -> None:
    """Refuse (ValueError: the series is reported and skipped) a rule that no meeting series
    has and whose expansion is unbounded work: repeating more often than daily or more than
    MAX_A_DAY times a day, an INTERVAL that is not 1 or more, more than MAX_STEPS
    repetitions to step through before the window ends (a COUNT bounds them only when it
    is that small), or a rule that never happens (dateutil would step on to the year 9999)."""
    from icalendar.prop import vRecur

    rules = master.get("RRULE")
    rules = rules if isinstance(rules, list) else [rules]
    if len(rules) > MAX_RULES:
        raise ValueError(f"{len(rules)} RRULEs on one event (a series has one)")
    start = master.decoded("DTSTART")
    if not isinstance(start, dt.datetime):
        start = dt.datetime.combine(start, dt.time())
    start = start.replace(tzinfo=None)  # the days a rule gives do not depend on the zone
    for rule in rules:
        if not isinstance(rule, vRecur):
            continue  # unreadable: recurring-ical-events says what is wrong with it
        freq = str((rule.get("FREQ") or [""])[0]).upper()
        if freq in _SUB_DAILY:
            raise ValueError(f"repeats every {_SUB_DAILY[freq]} (RRULE FREQ={freq}); a meeting series "
                             "repeats daily at most")
        a_day = math.prod(len(rule.get(part) or [0]) for part in ("BYHOUR", "BYMINUTE", "BYSECOND"))
        if a_day > MAX_A_DAY:
            raise ValueError(f"repeats {a_day} times a day (RRULE BYHOUR, BYMINUTE, BYSECOND); "
                             f"a meeting series repeats at most {MAX_A_DAY} times a day")
        try:
            interval = int((rule.get("INTERVAL") or [1])[0])
        except (TypeError, ValueError):
            continue
        # dateutil takes INTERVAL=0 for a step of nothing: the start again and again, forever,
        # each one kept in recurring-ical-events' cache (gigabytes a minute). RFC 5545: 1 or more.
        if interval == 0:
            raise ValueError("repeats the same moment over and over (RRULE INTERVAL=0); a series' INTERVAL "
                             "is 1 or more")
        if interval < 0:
            raise ValueError(f"repeats backwards in time (RRULE INTERVAL={interval}); a series' INTERVAL "
                             "is 1 or more")
        if freq not in _DAYS_PER_STEP:
            continue
        until = (rule.get("UNTIL") or [None])[0]
        end = window_end
        if isinstance(until, dt.date):
            until = until if isinstance(until, dt.datetime) else dt.datetime.combine(until, dt.time())
            end = min(end, until.replace(tzinfo=None))
        steps = (end - start).days / (_DAYS_PER_STEP[freq] * interval)
        # A COUNT ends the steps sooner, when it is small; a negative one recurring-ical-events drops.
        count = (rule.get("COUNT") or [None])[0]
        if isinstance(count, int) and count >= 0:
            steps = min(steps, count)
        if steps > MAX_STEPS:
            raise ValueError(f"starts {start.date()} and repeats {freq.lower()}: more than {MAX_STEPS:,} "
                             f"repetitions before {end.date()}")
        if _never_happens(rule, start, freq, interval):
            text = vRecur({k: v for k, v in rule.items() if k not in ("UNTIL", "COUNT")}).to_ical().decode()
            raise ValueError(f"its RRULE ({text}) matches no day at all")


def _never_happens(rule, start: dt.datetime, freq: str, interval: int) -> bool:
    """Does `rule`, from `start`, give no occurrence ever? Asked of dateutil without the
    cost of asking it directly (stepping through the repetitions up to the year 9999): the
    calendar repeats every 400 years, so the rule's pattern repeats after `cycle` years,
    and moving the start by whole cycles to the last one before 9999 changes nothing but
    how far dateutil has to go to find the answer (two cycles at most)."""
    from dateutil.rrule import rrulestr
    from icalendar.prop import vRecur

    if rule.get("BYEASTER"):
        return False  # dateutil's own part, not iCalendar's; Easter does not repeat in 400 years
    cycle = 400 * (interval // math.gcd(interval, _STEPS_IN_400_YEARS[freq]))
    room = dt.MAXYEAR - cycle - start.year
    if room < 0:
        return False  # a cycle too long to check: then few steps are left before 9999 anyway
    moved = start.replace(year=start.year + room // cycle * cycle)
    text = vRecur({k: v for k, v in rule.items() if k not in ("UNTIL", "COUNT")}).to_ical().decode()
    try:
        return next(iter(rrulestr(text, dtstart=moved)), None) is None
    except (ValueError, TypeError, OverflowError, IndexError, KeyError):
        return False  # a rule dateutil refuses: the expansion reports it


def _tzids(event) -> list[str]:
    """The TZID parameters of an event's properties (DTSTART, DTEND, EXDATE, RDATE...)."""
    out = []
    for value in event.values():
        for v in value if isinstance(value, list) else [value]:
            params = getattr(v, "params", None)
            if params and params.get("TZID"):
                out.append(str(params["TZID"]))
    return out


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


def _check_structure(raw: bytes, name: str) -> tuple[list[int], list[tuple[int, str]]]:
    """The line of each BEGIN:VEVENT directly in a VCALENDAR, and (line, message) for each
    component that holds VEVENTs where none belongs, after refusing what cannot be a whole
    calendar.

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
    misplaced: dict[int, tuple[str, int]] = {}  # line of the outermost component around -> (it, VEVENTs)
    for number, line in enumerate(raw.split(b"\n"), 1):
        m = _COMPONENT_LINE.match(line)
        if m is None:
            continue
        component = m[2].decode("ascii").upper()
        if m[1].upper() == b"BEGIN":
            if component == "VEVENT":
                if len(stack) == 1 and stack[0][0] == "VCALENDAR":
                    events.append(number)
                else:
                    outer, at = stack[1] if len(stack) > 1 else ("", number)
                    misplaced[at] = (outer, misplaced.get(at, ("", 0))[1] + 1)
            stack.append((component, number))
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
    messages = []
    for at, (outer, count) in misplaced.items():
        if outer:
            what = "a VEVENT" if count == 1 else f"{count:,} VEVENTs"
            messages.append((at, f"{what} inside this {outer} (events belong directly in the VCALENDAR: "
                                 "a damaged file?); skipped"))
        else:
            messages.append((at, "a VEVENT outside any VCALENDAR; skipped"))
    return events, messages
