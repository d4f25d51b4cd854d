"""The visual timeline: events laid out on one time axis as points, month-wide bands and spans.

Drawn as server-side SVG with percentage coordinates, so the markers stay crisp and the labels
stay readable at any width without a viewBox scaling the text. The SVG is hidden from screen
readers: the ordered list beside it carries the same events, numbered alike, as a list. Each mark
has a tooltip (its number, title and date) for sighted readers pointing at it.

An event known only to the month is not drawn as a solid bar across the month: that reads as
"all month long" and sits on top of the days it actually preceded. It is a faded, dashed band,
"some time in here", and the tooltip says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from stories.dates import Precision, format_moment, period_end, truncate

LANE_HEIGHT = 26
AXIS_HEIGHT = 34
MAX_LANES = 8
MAX_TICK_LABELS = 7
LABEL_ROOM = 9.0  # percent of the width kept clear after a marker for its number (enough at 360px)
POINT_ROOM = 2.5  # percent kept clear before a point for its radius
POINT_PRECISIONS = {Precision.DAY, Precision.HOUR, Precision.MINUTE}
# Tick labels shown on a phone (about 360 px of chart) must be this far apart, in percent of the
# width, or "May 2025" runs into "Jun".
PHONE_LABEL_GAP = 18.0
LEGEND = {
    "key": "Key event",
    "point": "Known to the day",
    "period": "Some time in that month (or year)",
    "span": "Lasting a period",
}


@dataclass(frozen=True)
class Mark:
    number: int
    title: str
    x: float  # percent
    width: float  # percent; 0 for a point
    lane: int
    shape: str  # "point", "period" (known only to the month or year) or "span"
    is_key: bool
    y: int
    when: str = ""

    @property
    def tooltip(self) -> str:
        return f"{self.number}. {self.title} — {self.when}" if self.when else f"{self.number}. {self.title}"

    @property
    def x_end(self) -> float:
        return self.x + self.width

    @property
    def bar_y(self) -> int:
        return self.y - 5

    @property
    def label_y(self) -> int:
        return self.y + 4


@dataclass(frozen=True)
class Tick:
    x: float
    label: str
    show_label: bool
    on_phone: bool = True


@dataclass(frozen=True)
class TimelineLayout:
    marks: list[Mark]
    ticks: list[Tick]
    height: int
    axis_y: int
    legend: tuple[tuple[str, str], ...] = ()


def _extent(event, tz: ZoneInfo) -> tuple[datetime, datetime, str]:
    if event.ends_at is not None:
        return event.occurred_at, period_end(event.ends_at, event.ends_precision, tz), "span"
    if event.precision in POINT_PRECISIONS:
        return event.occurred_at, event.occurred_at, "point"
    return event.occurred_at, period_end(event.occurred_at, event.precision, tz), "period"


def _ticks(start: datetime, end: datetime, tz: ZoneInfo) -> tuple[str, list[datetime]]:
    days = (end - start).days
    unit = Precision.DAY if days <= 21 else Precision.MONTH if days <= 3 * 366 else Precision.YEAR
    moments = []
    moment = truncate(start, unit, tz)
    if moment < start:
        moment = period_end(moment, unit, tz)
    while moment <= end and len(moments) < 400:
        moments.append(moment)
        moment = period_end(moment, unit, tz)
    return unit, moments


def _tick_label(moment: datetime, unit: str, tz: ZoneInfo, *, first: bool) -> str:
    """Axis labels name the year on the first tick and wherever a new year starts."""
    local = moment.astimezone(tz)
    if unit == Precision.YEAR:
        return f"{local.year}"
    if unit == Precision.MONTH:
        return f"{local:%b} {local.year}" if first or local.month == 1 else f"{local:%b}"
    return f"{local:%b} {local.day}"


def _when(event, shape: str, tz: ZoneInfo) -> str:
    start = format_moment(event.occurred_at, event.precision, tz)
    if shape == "span":
        return f"{start} – {format_moment(event.ends_at, event.ends_precision, tz)}"
    if shape == "period":
        return f"some time in {start}"
    return start


def _legend(marks: list[Mark]) -> tuple[tuple[str, str], ...]:
    """Only the symbols the chart draws: a legend entry with nothing to point at misleads."""
    shown = {"key"} if any(m.is_key for m in marks) else set()
    # A key point is drawn as the key symbol; "known to the day" is the plain point.
    shown |= {m.shape for m in marks if not (m.shape == "point" and m.is_key)}
    return tuple((kind, label) for kind, label in LEGEND.items() if kind in shown)


def _phone_labels(ticks: list[Tick]) -> list[Tick]:
    """Mark which shown labels still fit on a phone: greedily, each far enough from the last."""
    kept, last = [], None
    for tick in ticks:
        fits = tick.show_label and (last is None or tick.x - last >= PHONE_LABEL_GAP)
        if fits:
            last = tick.x
        kept.append(Tick(x=tick.x, label=tick.label, show_label=tick.show_label, on_phone=fits))
    return kept


def lay_out(events, tz: ZoneInfo, *, first_number: int = 1) -> TimelineLayout:
    """Place each event on the axis in lanes so markers and their numbers do not overlap."""
    events = list(events)
    if not events:
        return TimelineLayout([], [], AXIS_HEIGHT, 0)
    extents = [_extent(event, tz) for event in events]
    start = min(s for s, _, _ in extents)
    end = max(e for _, e, _ in extents)
    if end - start < timedelta(days=2):
        start, end = start - timedelta(days=1), end + timedelta(days=1)
    total = (end - start).total_seconds()

    def position(moment: datetime) -> float:
        # 3%–92% leaves room for the first tick label and the last marker's number.
        return 3 + 89 * (moment - start).total_seconds() / total

    lane_ends: list[float] = []
    placed = []
    for number, (event, (s, e, shape)) in enumerate(zip(events, extents), start=first_number):
        x, x_end = position(s), position(e)
        width = 0.0 if shape == "point" else max(x_end - x, 0.8)
        occupied_from = x - POINT_ROOM if shape == "point" else x
        occupied_until = x + width + LABEL_ROOM
        lane = next((i for i, lane_end in enumerate(lane_ends) if lane_end <= occupied_from), None)
        if lane is None:
            if len(lane_ends) < MAX_LANES:
                lane = len(lane_ends)
                lane_ends.append(occupied_until)
            else:
                lane = min(range(MAX_LANES), key=lambda i: lane_ends[i])
        lane_ends[lane] = max(lane_ends[lane], occupied_until)
        placed.append((number, event, x, width, lane, shape))

    marks = [
        Mark(
            number=number, title=event.title, x=round(x, 3), width=round(width, 3), lane=lane,
            shape=shape, is_key=event.is_key_event, y=16 + lane * LANE_HEIGHT, when=_when(event, shape, tz),
        )
        for number, event, x, width, lane, shape in placed
    ]
    axis_y = 16 + len(lane_ends) * LANE_HEIGHT
    unit, moments = _ticks(start, end, tz)
    step = max(1, -(-len(moments) // MAX_TICK_LABELS))
    ticks = [
        Tick(x=round(position(m), 3), label=_tick_label(m, unit, tz, first=i == 0), show_label=i % step == 0)
        for i, m in enumerate(moments)
    ]
    return TimelineLayout(
        marks=marks, ticks=_phone_labels(ticks), height=axis_y + AXIS_HEIGHT, axis_y=axis_y, legend=_legend(marks)
    )

