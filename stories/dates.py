"""Moments with an honest precision: "May 2025", "June 9, 2025", "June 10, 2025, 10:00 BST".

A moment is stored as a UTC datetime plus a precision. The datetime is the start of the
period the precision names, computed in the story's timezone, so "May 2025" in London is
stored as 2025-04-30 23:00 UTC and always shown back as "May 2025", never "May 1".
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import models


class Precision(models.TextChoices):
    YEAR = "year", "Year"
    MONTH = "month", "Month"
    DAY = "day", "Day"
    HOUR = "hour", "Hour"
    MINUTE = "minute", "Minute"


_MOMENT = re.compile(
    r"^(?P<year>\d{4})"
    r"(?:-(?P<month>\d{2})"
    r"(?:-(?P<day>\d{2})"
    r"(?:[T ](?P<hour>\d{2})(?::(?P<minute>\d{2}))?)?)?)?$"
)


def parse_moment(value: str, tz: ZoneInfo) -> tuple[datetime, Precision]:
    """Parse "2025", "2025-05", "2025-06-09", "2025-06-10T10" or "2025-06-10T10:00" in tz.

    Returns the aware UTC start of the period and its precision; raises ValueError.
    """
    match = _MOMENT.match(value.strip())
    if not match:
        raise ValueError(
            f"{value!r} is not a moment: use YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDTHH or YYYY-MM-DDTHH:MM"
        )
    parts = {name: int(text) for name, text in match.groupdict().items() if text is not None}
    precision = (
        Precision.MINUTE if "minute" in parts
        else Precision.HOUR if "hour" in parts
        else Precision.DAY if "day" in parts
        else Precision.MONTH if "month" in parts
        else Precision.YEAR
    )
    local = datetime(
        parts["year"], parts.get("month", 1), parts.get("day", 1),
        parts.get("hour", 0), parts.get("minute", 0), tzinfo=tz,
    )
    return local.astimezone(UTC), precision


def truncate(moment: datetime, precision: str, tz: ZoneInfo) -> datetime:
    """Return the UTC start of the period of `precision` that contains `moment` in tz."""
    local = moment.astimezone(tz)
    if precision == Precision.YEAR:
        local = local.replace(month=1, day=1, hour=0, minute=0)
    elif precision == Precision.MONTH:
        local = local.replace(day=1, hour=0, minute=0)
    elif precision == Precision.DAY:
        local = local.replace(hour=0, minute=0)
    elif precision == Precision.HOUR:
        local = local.replace(minute=0)
    return local.replace(second=0, microsecond=0).astimezone(UTC)


def period_end(moment: datetime, precision: str, tz: ZoneInfo) -> datetime:
    """Return the UTC end (exclusive) of the period of `precision` that contains `moment`.

    Counted from the period's start, so a moment stored off it (a month-precise moment on the
    31st, a year-precise one on February 29) still ends where its period does.
    """
    start = truncate(moment, precision, tz)
    local = start.astimezone(tz)
    if precision == Precision.YEAR:
        end = local.replace(year=local.year + 1)
    elif precision == Precision.MONTH:
        end = local.replace(year=local.year + local.month // 12, month=local.month % 12 + 1)
    elif precision == Precision.DAY:
        end = datetime.combine(local.date() + timedelta(days=1), local.time(), tzinfo=tz)
    elif precision == Precision.HOUR:
        return start + timedelta(hours=1)
    else:
        return start + timedelta(minutes=1)
    return end.astimezone(UTC)


# What "%B" gives under the C locale Python starts in. Formatting a datetime with strftime costs
# about 2 µs a field (it imports the time module and rebuilds the format on each call), and a story
# page formats a few hundred: a table and integers make the same text several times faster.
MONTHS = ("", "January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
YEAR, MONTH, DAY = Precision.YEAR.value, Precision.MONTH.value, Precision.DAY.value


def _label(local: datetime, precision: str) -> str:
    if precision == YEAR:
        return f"{local.year}"
    if precision == MONTH:
        return f"{MONTHS[local.month]} {local.year}"
    day = f"{MONTHS[local.month]} {local.day}, {local.year}"
    if precision == DAY:
        return day
    return f"{day}, {local.hour:02d}:{local.minute:02d} {local.tzname()}"


def _iso(local: datetime, precision: str) -> str:
    if precision == YEAR:
        return f"{local.year:04d}"
    if precision == MONTH:
        return f"{local.year:04d}-{local.month:02d}"
    if precision == DAY:
        return f"{local.year:04d}-{local.month:02d}-{local.day:02d}"
    return local.isoformat(timespec="minutes")


def format_moment(moment: datetime, precision: str, tz: ZoneInfo) -> str:
    """Show a moment no more precisely than it is known, in tz with its zone label."""
    return _label(moment.astimezone(tz), precision)


def iso_for_precision(moment: datetime, precision: str, tz: ZoneInfo) -> str:
    """The value for <time datetime="…">: as precise as the moment is known (HTML allows 2025-05)."""
    return _iso(moment.astimezone(tz), precision)


def iso_and_label(moment: datetime, precision: str, tz: ZoneInfo) -> tuple[str, str]:
    """iso_for_precision() and format_moment() together, for a <time> element."""
    local = moment.astimezone(tz)
    return _iso(local, precision), _label(local, precision)


def moment_as_written(moment: datetime, precision: str, tz: ZoneInfo) -> str:
    """The inverse of parse_moment: the text an editor or an annotation would write."""
    local = moment.astimezone(tz)
    if precision == Precision.YEAR:
        return f"{local:%Y}"
    if precision == Precision.MONTH:
        return f"{local:%Y-%m}"
    if precision == Precision.DAY:
        return f"{local:%Y-%m-%d}"
    if precision == Precision.HOUR:
        return f"{local:%Y-%m-%dT%H}"
    return f"{local:%Y-%m-%dT%H:%M}"
