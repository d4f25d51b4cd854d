"""Candidate events: sentences that say when something happened, with the date resolved.

"On June 9, 2025", "June 9", "on Tuesday", "yesterday", "last month", "in May", "earlier this
year" are resolved against the article's own date in the story's zone, the way a reader of that
day would read them: a weekday is the most recent one on or before the article's date, a month
without a year is this month or one of the next three, else the most recent one before.

Each expression is read as the range of days it can mean, and the precision is the finest unit
that holds the whole range: "yesterday" is a day, "last week" (Monday to Sunday) is a month when
the week falls inside one, else a year; "earlier this year" is a year. Nothing is invented: a
sentence with no date that can be resolved yields nothing, and a span's end is given only when it
is known as precisely as its start ("a 90-day truce from May 14" ends on August 12; "90 days from
May" could end in July or August, so it has no end, only its length).

A narrow grammar of the expressions news writing uses, not a general date parser: it is fast on
long articles, gives the exact offsets of each expression, and never reads "may" the verb or
"a two-day session" as a date.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from calendar import monthrange
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from stories.dates import Precision

from .layout import article_end, pair_quotes, split_pieces

MONTHS = {name: n for n, names in enumerate((
    (), ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
    ("july", "jul"), ("august", "aug"), ("september", "sept", "sep"), ("october", "oct"), ("november", "nov"),
    ("december", "dec"),
)) for name in names}
WEEKDAYS = {name: n for n, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))}
NUMBERS = {word: n for n, word in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}
UNIT_DAYS = {"day": 1, "week": 7}
TITLE_LENGTH = 120

_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|" \
         r"(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)"
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d{2}"
_COUNT = r"(?:\d{1,3}|" + "|".join(NUMBERS) + r"|a|an)"
# A month or year standing alone must follow a word that makes it a time ("in May", "since 2024"):
# "May" is also a verb and a name.
_LEAD = r"(?:[Ii]n|[Ss]ince|[Ff]rom|[Bb]y|[Uu]ntil|[Tt]hrough|[Dd]uring|[Bb]efore|[Aa]fter|[Oo]f|[Ee]arly|[Ll]ate|[Mm]id-?|[Ee]nd of)"

_EXPRESSION = re.compile(
    r"(?<![\w-])(?:"
    rf"(?:{_WEEKDAY},?\s+)?(?P<md_month>{_MONTH})\s+(?P<md_day>{_DAY})(?:,?\s+(?P<md_year>{_YEAR}))?(?![\w:])"
    rf"|(?:{_WEEKDAY},?\s+)?(?P<dm_day>{_DAY})\s+(?P<dm_month>{_MONTH})(?:,?\s+(?P<dm_year>{_YEAR}))?(?![\w:])"
    rf"|(?P<my_month>{_MONTH})\s+(?:of\s+)?(?P<my_year>{_YEAR})\b"
    rf"|{_LEAD}(?:\s+|(?<=-))(?P<m_month>{_MONTH})(?![\w-]|\s+\d)"
    rf"|{_LEAD}\s+(?P<y_year>{_YEAR})\b"
    rf"|(?P<rel>(?i:last|this|next|earlier\s+this|later\s+this))\s+(?P<rel_unit>(?i:week|month|year)|{_WEEKDAY})\b"
    rf"|(?P<ago_count>{_COUNT})\s+(?P<ago_unit>(?i:day|week|month|year))s?\s+ago\b"
    r"|(?P<day_word>(?i:yesterday|today|tomorrow|tonight|this\s+morning|this\s+afternoon|this\s+evening))\b"
    rf"|(?<!Black\s)(?<!Good\s)(?<!Super\s)(?<!Cyber\s)(?<!Holy\s)(?<!Easter\s)(?P<weekday>{_WEEKDAY})(?!\s*,?\s*{_MONTH}|\s+\d)\b"
    r")"
)
# A length of time: "a 90-day truce", "for 90 days", "three-month pause".
_DURATION = re.compile(
    rf"(?<![\w-])(?P<count>{_COUNT})[\s\-\u2010\u2011](?P<unit>(?i:day|week|month|year))s?\b"
)
# "from May 14 to August 12": the second date ends a span the first begins.
_SPAN_JOIN = re.compile(r"^\s*(?:to|until|till|through|[-\u2013\u2014])\s*$", re.IGNORECASE)
# "a 90-day truce from May 14": a length counted from the date right after it.
_COUNTED_FROM = re.compile(r"(?:from|starting|beginning|as\s+of|effective)\s+(?:on\s+)?$", re.IGNORECASE)


@dataclass(frozen=True)
class Period:
    """The range of days an expression can mean (both ends included)."""

    first: date
    last: date

    @property
    def precision(self) -> Precision | None:
        if self.first == self.last:
            return Precision.DAY
        if (self.first.year, self.first.month) == (self.last.year, self.last.month):
            return Precision.MONTH
        if self.first.year == self.last.year:
            return Precision.YEAR
        return None  # spans a new year: no honest single period

    def shifted(self, days: int) -> Period:
        return Period(self.first + timedelta(days=days), self.last + timedelta(days=days))


@dataclass(frozen=True)
class DatedSentence:
    start: int  # the sentence, as offsets into the text
    end: int
    date_start: int  # the date expression inside it
    date_end: int
    occurred_at: datetime  # UTC start of the period, as Event stores it
    precision: Precision
    title: str  # a suggestion for the event's title, from the sentence
    ends_at: datetime | None = None
    ends_precision: Precision | None = None
    duration: str = ""  # "90 days", when the sentence gives a length


def find_dated_sentences(text: str, *, published_at: datetime, tz: ZoneInfo) -> list[DatedSentence]:
    """Each date expression in the article that resolves against `published_at` (read in `tz`),
    with its sentence; a span's second date ("to August 12") ends the span rather than repeating."""
    today = published_at.astimezone(tz).date()
    end = article_end(text)
    pieces = split_pieces(text, end, pair_quotes(text, end))
    starts = [p.start for p in pieces]
    found: list[DatedSentence] = []
    matches = [m for m in _EXPRESSION.finditer(text, 0, end)]
    ends_a_span: set[int] = set()
    for i, match in enumerate(matches):
        if match.start() in ends_a_span:
            continue
        k = bisect_right(starts, match.start()) - 1
        if k < 0 or match.start() >= pieces[k].end:
            continue
        piece = pieces[k]
        if _is_dateline(text, piece.start, piece.end, match.start(), match.end()):
            continue
        period = resolve(match, today)
        if period is None or period.precision is None:
            continue
        ends, duration = None, ""
        following = matches[i + 1] if i + 1 < len(matches) else None
        if following is not None and following.end() <= piece.end and _SPAN_JOIN.match(
            text[match.end():following.start()]
        ):
            ends = resolve(following, today)
            ends_a_span.add(following.start())
        else:
            length = _duration_in(text, piece.start, match.start())
            if length is not None:
                duration, days = length
                # Only a length counted from this date ends at a known day; any other is just told.
                if days and _COUNTED_FROM.search(text, piece.start, match.start()):
                    ends = period.shifted(days)
            elif (after := _duration_in(text, match.end(), piece.end)) is not None:
                duration = after[0]
        ends_at, ends_precision = None, None
        if ends is not None and ends.precision is not None and _rank(ends.precision) >= _rank(period.precision) \
                and ends.first >= period.first:
            ends_at, ends_precision = _utc_start(ends, tz), ends.precision
        found.append(DatedSentence(
            start=piece.start, end=piece.end, date_start=match.start(), date_end=match.end(),
            occurred_at=_utc_start(period, tz), precision=period.precision,
            title=suggest_title(text, piece.start, piece.end, match.start(), match.end()),
            ends_at=ends_at, ends_precision=ends_precision, duration=duration,
        ))
    return found


# "LONDON, June 10 (Reuters) -": a place in capitals, the date and the outlet say when the story
# was filed, not that something happened.
_DATELINE_PLACE = re.compile(r"[A-Z][A-Z .'’-]*(?:,\s*[A-Z][\w .'’-]*)?,?")
_DATELINE_OUTLET = re.compile(r"(?:\([^)]*\))?\s*[-–—:]?\s*")


def _is_dateline(text: str, start: int, end: int, date_start: int, date_end: int) -> bool:
    return bool(
        _DATELINE_PLACE.fullmatch(text[start:date_start].strip())
        and _DATELINE_OUTLET.fullmatch(text[date_end:end].strip())
    )


def resolve(match: re.Match, today: date) -> Period | None:
    """The days a matched expression means, read on `today`; None if it names no real date."""
    g = match.groupdict()
    try:
        if g["md_month"] or g["dm_month"]:
            month = _month(g["md_month"] or g["dm_month"])
            day = int(re.match(r"\d+", g["md_day"] or g["dm_day"]).group())
            year = g["md_year"] or g["dm_year"]
            if year:
                return _day(date(int(year), month, day))
            return _day(date(_year_of(month, today), month, day))
        if g["my_month"]:
            return _month_period(int(g["my_year"]), _month(g["my_month"]))
        if g["m_month"]:
            month = _month(g["m_month"])
            return _month_period(_year_of(month, today), month)
        if g["y_year"]:
            return Period(date(int(g["y_year"]), 1, 1), date(int(g["y_year"]), 12, 31))
        if g["rel"]:
            return _relative(" ".join(g["rel"].lower().split()), g["rel_unit"].lower(), today)
        if g["ago_count"]:
            count = _count(g["ago_count"])
            unit = g["ago_unit"].lower()
            if unit in UNIT_DAYS:
                days = count * UNIT_DAYS[unit]
                # "Two weeks ago" is about a fortnight back, give or take half a week.
                slack = 0 if unit == "day" else 3
                return Period(today - timedelta(days=days + slack), today - timedelta(days=days - slack))
            if unit == "month":
                year, month = divmod(today.year * 12 + today.month - 1 - count, 12)
                return _month_period(year, month + 1)
            return Period(date(today.year - count, 1, 1), date(today.year - count, 12, 31))
        if g["day_word"]:
            word = g["day_word"].lower()
            offset = {"yesterday": -1, "tomorrow": 1}.get(word, 0)
            return _day(today + timedelta(days=offset))
        if g["weekday"]:
            back = (today.weekday() - WEEKDAYS[g["weekday"].lower()]) % 7
            return _day(today - timedelta(days=back))
    except ValueError:  # "February 30"
        return None
    return None


def suggest_title(text: str, start: int, end: int, date_start: int, date_end: int) -> str:
    """The sentence, without a leading date ("On June 9, 2025, …") or bullet, cut to a title's length."""
    sentence = text[start:end]
    lead = re.match(r"[\s\-•*]*(?:(?:on|in|since|by|from|during|early|late)\s+)?$", text[start:date_start], re.IGNORECASE)
    if lead is not None and text[date_end:date_end + 1] in (",", ":", " "):
        sentence = text[date_end:end].lstrip(" ,:;\u2014\u2013-")
    sentence = " ".join(sentence.split()).rstrip(".:;, ")
    if len(sentence) > TITLE_LENGTH:
        cut = sentence[:TITLE_LENGTH].rsplit(" ", 1)[0]
        sentence = cut.rstrip(",;:—– ") + "…"
    return sentence[:1].upper() + sentence[1:]


def _relative(rel: str, unit: str, today: date) -> Period | None:
    if unit in WEEKDAYS:
        back = (today.weekday() - WEEKDAYS[unit]) % 7
        if rel == "last":
            return _day(today - timedelta(days=back or 7))
        if rel == "next":
            return _day(today + timedelta(days=(7 - back) % 7 or 7))
        if rel == "this":
            return _day(today - timedelta(days=back))
        return None
    if unit == "week":
        monday = today - timedelta(days=today.weekday())
        monday += timedelta(days={"last": -7, "next": 7}.get(rel, 0))
        return Period(monday, monday + timedelta(days=6))
    if unit == "month":
        offset = {"last": -1, "next": 1}.get(rel, 0)
        year, month = divmod(today.year * 12 + today.month - 1 + offset, 12)
        return _month_period(year, month + 1)
    year = today.year + {"last": -1, "next": 1}.get(rel, 0)
    return Period(date(year, 1, 1), date(year, 12, 31))


def _duration_in(text: str, start: int, end: int) -> tuple[str, int | None] | None:
    """The first length of time in the sentence, as written and in days (None for months and
    years: their length in days depends on where they start)."""
    match = _DURATION.search(text, start, end)
    if match is None:
        return None
    count, unit = _count(match.group("count")), match.group("unit").lower()
    written = f"{count} {unit}{'s' if count != 1 else ''}"
    return written, count * UNIT_DAYS[unit] if unit in UNIT_DAYS else None


def _year_of(month: int, today: date) -> int:
    """The year of a month named without one: this month, one of the next three, or else the most
    recent one before (news looks back further than it looks ahead: "exports fell in December")."""
    ahead = (month - today.month) % 12
    if ahead <= 3:
        return today.year + (1 if month < today.month else 0)
    return today.year - (1 if month > today.month else 0)


def _month(name: str) -> int:
    return MONTHS[name.rstrip(".").lower()]


def _count(word: str) -> int:
    word = word.lower()
    return 1 if word in ("a", "an") else NUMBERS[word] if word in NUMBERS else int(word)


def _day(day: date) -> Period:
    return Period(day, day)


def _month_period(year: int, month: int) -> Period:
    return Period(date(year, month, 1), date(year, month, monthrange(year, month)[1]))


def _rank(precision: Precision) -> int:
    return [Precision.YEAR, Precision.MONTH, Precision.DAY].index(precision)


def _utc_start(period: Period, tz: ZoneInfo) -> datetime:
    first = period.first
    if period.precision == Precision.MONTH:
        first = first.replace(day=1)
    elif period.precision == Precision.YEAR:
        first = first.replace(month=1, day=1)
    return datetime.combine(first, time(), tzinfo=tz).astimezone(UTC)
