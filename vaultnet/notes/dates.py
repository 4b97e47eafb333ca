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


@dataclass(frozen=True)
class Cadence:
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

    @property
    def approx_days(self) -> int:
        """For display and sorting: a month counts as 30 days."""
        return self.days + self.months * 30


def relative_day(day: str, today: dt.date) -> str:
    """`due today`, `in 3 days` or `4 days overdue`, for a YYYY-MM-DD due date."""
    days = (dt.date.fromisoformat(day) - today).days
    if days == 0:
        return "due today"
    return f"in {days} days" if days > 0 else f"{-days} days overdue"


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
