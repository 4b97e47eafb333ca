"""Dates and cadences as vaultnet reads them: strict, and never a crash."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from ..errors import BadValue

ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_date(text: object) -> dt.date | None:
    """A YYYY-MM-DD date (time part allowed and dropped), or None when impossible."""
    if isinstance(text, dt.date):
        return text if not isinstance(text, dt.datetime) else text.date()
    if not isinstance(text, str):
        return None
    m = ISO_DATE.match(text.strip())
    if not m:
        return None
    rest = text.strip()[m.end():]
    if rest and rest[0] not in "T ":
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def date_argument(value: str, argument: str | None = None) -> dt.date:
    """A YYYY-MM-DD typed as an argument (`--today`, `log --date`), or BadValue saying what is wrong."""
    day = parse_date(value)
    if day is None or len(value.strip()) != 10:
        raise BadValue(f"{value!r} is not a date like 2026-11-22", argument)
    return day


def date_in_name(name: str, moment_format: str) -> dt.date | None:
    """The day a daily note's name stands for under Obsidian's moment.js format
    (`DD.MM.YYYY`, `YYYY/MM/DD`, `dddd, MMMM Do YYYY`), or None when it names no day.

    arrow reads moment.js's tokens (English names). A name counts only when the day,
    written back in the format, gives the name again: arrow alone would also read
    `05.01.2026 notes`, or take `Tuesday, January 5th 2026` for the 5th, a Monday.
    arrow cannot read a format that repeats a token (`YYYY/MMMM/YYYY-MMM-DD`, Obsidian's
    own example); then the last part of the path, which names the day alone, is read.
    """
    if not name or not moment_format:
        return None
    import arrow

    tries = [(name, moment_format)]
    if "/" in name and "/" in moment_format:
        tries.append((name.rsplit("/", 1)[1], moment_format.rsplit("/", 1)[1]))
    for text, fmt in tries:
        try:
            day = arrow.get(text, fmt).date()
            written = arrow.get(day).format(moment_format)
        except Exception:  # a format from the user's settings may break arrow in any way
            continue
        if written.casefold() == name.casefold():
            return day
    return None


@dataclass(frozen=True)
class Cadence:
    """How often to be in touch (a note's `cadence`): so many days, or so many months."""

    days: int = 0
    months: int = 0

    def after(self, day: dt.date) -> dt.date:
        """The date one cadence after `day`; months clamp to the month's end."""
        if self.months:
            total = day.month - 1 + self.months
            year, month = day.year + total // 12, total % 12 + 1
            last = calendar.monthrange(year, month)[1]
            day = dt.date(year, month, min(day.day, last))
        return day + dt.timedelta(days=self.days)

    def before(self, day: dt.date) -> dt.date:
        """The date one cadence before `day`; months clamp to the month's end."""
        if self.months:
            total = day.month - 1 - self.months
            year, month = day.year + total // 12, total % 12 + 1
            last = calendar.monthrange(year, month)[1]
            day = dt.date(year, month, min(day.day, last))
        return day - dt.timedelta(days=self.days)

    @property
    def approx_days(self) -> int:
        """For display and sorting: a year counts as 365 days, any other month as 30 (`1y` is 365,
        `18m` 545, `quarterly` 90)."""
        years, months = divmod(self.months, 12)
        return self.days + years * 365 + months * 30


_BIRTHDAY = re.compile(r"(?:(\d{4})-|--)(\d{2})-(\d{2})")


@dataclass(frozen=True)
class Birthday:
    """A yearly moment: month and day, and the year when it is known."""

    month: int
    day: int
    year: int | None = None

    def in_year(self, year: int) -> dt.date:
        """This year's birthday; 29 February falls on 28 February in other years."""
        if self.month == 2 and self.day == 29 and not calendar.isleap(year):
            return dt.date(year, 2, 28)
        return dt.date(year, self.month, self.day)

    def last_on_or_before(self, day: dt.date) -> dt.date:
        this_year = self.in_year(day.year)
        return this_year if this_year <= day else self.in_year(day.year - 1)

    def next_after(self, day: dt.date) -> dt.date:
        this_year = self.in_year(day.year)
        return this_year if this_year > day else self.in_year(day.year + 1)

    @property
    def written(self) -> str:
        """As vaultnet writes it: `1985-04-12`, or `--04-12` without the year."""
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}" if self.year else f"--{self.month:02d}-{self.day:02d}"

    def age_on(self, day: dt.date) -> int | None:
        """Years completed on `day`, when the year of birth is known."""
        if self.year is None:
            return None
        return day.year - self.year - (1 if self.last_on_or_before(day).year < day.year else 0)


def parse_birthday(text: object) -> Birthday | None:
    """`YYYY-MM-DD`, or `--MM-DD` when the year is unknown (vCard's form); else None."""
    if isinstance(text, dt.date):
        return Birthday(text.month, text.day, text.year)
    if not isinstance(text, str):
        return None
    m = _BIRTHDAY.fullmatch(text.strip())
    if not m:
        return None
    year, month, day = (int(m[1]) if m[1] else None), int(m[2]), int(m[3])
    try:
        dt.date(year if year is not None else 2000, month, day)  # 2000 is a leap year: --02-29 is fine
    except ValueError:
        return None
    return Birthday(month, day, year)


def days(n: int) -> str:
    """`1 day`, `3 days`."""
    return f"{n} day" if n == 1 else f"{n} days"


def from_today(day: dt.date, today: dt.date) -> str:
    """`today`, `in 2 days` or `3 days ago`: when a moment is, seen from today."""
    n = (day - today).days
    return "today" if n == 0 else f"in {days(n)}" if n > 0 else f"{days(-n)} ago"


def relative_day(day: str, today: dt.date) -> str:
    """`due today`, `in 3 days` or `4 days overdue`, for a YYYY-MM-DD due date."""
    n = (dt.date.fromisoformat(day) - today).days
    if n == 0:
        return "due today"
    return f"in {days(n)}" if n > 0 else f"{days(-n)} overdue"


_SPAN = re.compile(r"(?:in\s+)?(\d{1,4})\s*(d|w|m|y)(\s+ago)?", re.IGNORECASE)
_DAY_WORDS = {"today": 0, "yesterday": -1, "tomorrow": 1}
DAY_FORMS = "YYYY-MM-DD, today, yesterday, tomorrow, 3d, 2w, 1m, 1y, or 3d ago"


@dataclass(frozen=True)
class Day:
    """A day as typed on the command line, and how it was typed."""

    date: dt.date
    span: bool = False  # `2w`, `3d ago`: counted from today, not a date


def parse_day(text: str, today: dt.date) -> Day | None:
    """`2026-12-01`, `today`, `yesterday`, `tomorrow`, `2w` / `in 2w` (ahead), `3d ago` (back).

    The one grammar for every command that takes a day (`log --date`, `--next`,
    `snooze`, `set follow_up`): d days, w weeks, m calendar months, y years."""
    s = " ".join(text.strip().lower().split())
    if s in _DAY_WORDS:
        return Day(today + dt.timedelta(days=_DAY_WORDS[s]))
    m = _SPAN.fullmatch(s)
    if m:
        n = int(m[1])
        span = {"d": Cadence(days=n), "w": Cadence(days=7 * n), "m": Cadence(months=n), "y": Cadence(months=12 * n)}
        cadence = span[m[2]]
        if m[3] and s.startswith("in "):
            return None  # `in 3d ago`
        try:
            return Day(cadence.before(today) if m[3] else cadence.after(today), span=True)
        except (OverflowError, ValueError):
            return None
    if len(s) == 10:
        day = parse_date(s)
        if day is not None:
            return Day(day)
    return None


def day_argument(value: str, today: dt.date, argument: str | None = None, *, past: bool | None = None) -> dt.date:
    """A day given as an argument (`log --date`, `--next`, `snooze WHEN`), in parse_day's grammar,
    checked for its direction: `past=True` refuses a span ahead (`3d` where `3d ago` was meant),
    `past=False` a day before today. BadValue says what is wrong; the CLI and the MCP tools both
    show that message."""
    day = parse_day(value, today)
    if day is None:
        raise BadValue(f"{value!r} is not a day ({DAY_FORMS})", argument)
    if past and day.span and day.date > today:
        raise BadValue(f"{value!r} is {(day.date - today).days} days from now; for the past say "
                       f"'{value.strip()} ago'", argument)
    if past is False and day.date < today:
        raise BadValue(f"{value!r} is {day.date.isoformat()}, in the past", argument)
    return day.date


_NAMED = {
    "daily": Cadence(days=1),
    "weekly": Cadence(days=7),
    "biweekly": Cadence(days=14),
    "fortnightly": Cadence(days=14),
    "monthly": Cadence(months=1),
    "quarterly": Cadence(months=3),
    "yearly": Cadence(months=12),
    "annually": Cadence(months=12),
}
_UNIT = re.compile(r"(\d{1,5})\s*(d|w|m|y)", re.IGNORECASE)


def parse_cadence(text: object) -> Cadence | None:
    """`10d 2w 3m 1y weekly monthly quarterly yearly` or a number of days; else None."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        return Cadence(days=text) if text > 0 else None
    if not isinstance(text, str):
        return None
    s = text.strip().lower()
    if s in _NAMED:
        return _NAMED[s]
    if s.isdigit():
        return Cadence(days=int(s)) if int(s) > 0 else None
    m = _UNIT.fullmatch(s)
    if not m or int(m[1]) == 0:
        return None
    n, unit = int(m[1]), m[2].lower()
    return {
        "d": Cadence(days=n),
        "w": Cadence(days=7 * n),
        "m": Cadence(months=n),
        "y": Cadence(months=12 * n),
    }[unit]


def parse_since(text: str, today: dt.date) -> dt.date | None:
    """`--since WHEN`: a date, or how long ago (`90d`, `2w`, `3m`, `1y`); None when neither."""
    day = parse_date(text)
    if day is not None and len(text.strip()) == 10:
        return day
    span = parse_cadence(text)
    return span.before(today) if span is not None else None


def since_argument(value: str | None, today: dt.date, default_days: int, argument: str | None = None) -> dt.date:
    """`news --since WHEN`: the first day it asks for (`default_days` ago without one), or
    BadValue saying what is wrong; the CLI and the MCP tools both show that message."""
    if value is None:
        return today - dt.timedelta(days=default_days)
    first = parse_since(value, today)
    if first is None:
        raise BadValue(f"{value!r} is neither a date (2026-09-01) nor a span (90d, 2w, 3m, 1y)", argument)
    return first
