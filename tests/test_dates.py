"""Honest dates: shown no more precisely than known, in the story's zone, on the timeline too."""

from datetime import UTC, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from stories.dates import format_moment, iso_for_precision, parse_moment, period_end
from stories.markup import event_when, moment
from stories.timeline import lay_out

LONDON = ZoneInfo("Europe/London")


def event(title, when, *, ends=None, key=False, tz=LONDON):
    occurred_at, precision = parse_moment(when, tz)
    ends_at, ends_precision = parse_moment(ends, tz) if ends else (None, "")
    story = SimpleNamespace(tzinfo=tz)
    return SimpleNamespace(
        title=title, occurred_at=occurred_at, precision=precision, ends_at=ends_at,
        ends_precision=ends_precision, is_key_event=key, story=story,
    )


@pytest.mark.parametrize(
    ("written", "shown", "iso"),
    [
        ("2025", "2025", "2025"),
        ("2025-05", "May 2025", "2025-05"),
        ("2025-06-09", "June 9, 2025", "2025-06-09"),
        ("2025-06-10T10", "June 10, 2025, 10:00 BST", "2025-06-10T10:00+01:00"),
        ("2025-06-10T10:00", "June 10, 2025, 10:00 BST", "2025-06-10T10:00+01:00"),
        ("2025-01-15T09:30", "January 15, 2025, 09:30 GMT", "2025-01-15T09:30+00:00"),
    ],
)
def test_moment_is_shown_as_precisely_as_it_is_known(written, shown, iso):
    value, precision = parse_moment(written, LONDON)
    assert format_moment(value, precision, LONDON) == shown
    assert iso_for_precision(value, precision, LONDON) == iso


def test_may_in_london_is_stored_as_april_30_utc_and_shown_as_may():
    value, precision = parse_moment("2025-05", LONDON)
    assert value == datetime(2025, 4, 30, 23, 0, tzinfo=UTC)
    assert format_moment(value, precision, LONDON) == "May 2025"
    assert period_end(value, precision, LONDON) == datetime(2025, 5, 31, 23, 0, tzinfo=UTC)


def test_december_period_ends_in_the_next_year():
    value, precision = parse_moment("2025-12", LONDON)
    assert period_end(value, precision, LONDON) == datetime(2026, 1, 1, 0, 0, tzinfo=UTC)


def test_a_period_ends_where_its_period_does_even_from_a_moment_inside_it():
    """A month-precise moment stored on the 31st (or a year-precise one on February 29) is not at
    its period's start; its period still ends at the next month's (or year's) start."""
    on_the_31st = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)
    assert period_end(on_the_31st, "month", UTC) == datetime(2026, 2, 1, tzinfo=UTC)
    leap_day = datetime(2028, 2, 29, 9, 30, tzinfo=UTC)
    assert period_end(leap_day, "year", UTC) == datetime(2029, 1, 1, tzinfo=UTC)
    assert period_end(leap_day, "day", UTC) == datetime(2028, 3, 1, tzinfo=UTC)
    assert period_end(leap_day, "hour", UTC) == datetime(2028, 2, 29, 10, 0, tzinfo=UTC)


def test_moment_tag_renders_time_element_and_marks_clock_times_for_local_zone():
    month, month_precision = parse_moment("2025-05", LONDON)
    assert moment(month, month_precision, LONDON) == '<time datetime="2025-05">May 2025</time>'
    clock, clock_precision = parse_moment("2025-06-10T10:00", LONDON)
    assert moment(clock, clock_precision, LONDON) == (
        '<time datetime="2025-06-10T10:00+01:00" data-local-time>June 10, 2025, 10:00 BST</time>'
    )


def test_span_renders_both_ends_with_their_own_precision():
    truce = event("The 90-day tariff truce", "2025-05", ends="2025-08")
    assert event_when(truce) == (
        '<time datetime="2025-05">May 2025</time> – <time datetime="2025-08">August 2025</time>'
    )


def test_timeline_draws_a_month_event_as_the_whole_month_and_a_span_to_the_end_of_its_last_month():
    events = [
        event("Geneva agreement", "2025-05", key=True),
        event("Truce", "2025-05", ends="2025-08"),
        event("Talks open", "2025-06-09", key=True),
    ]
    layout = lay_out(events, LONDON)
    month, span, point = layout.marks
    # The axis runs from May 1 to September 1 (the end of August): 123 days across 89% of the width.
    day = 89 / 123
    assert (month.shape, span.shape, point.shape) == ("period", "span", "point")
    assert month.x == pytest.approx(3) and month.width == pytest.approx(31 * day, abs=0.01)
    assert span.x == pytest.approx(3) and span.x_end == pytest.approx(92, abs=0.01)
    assert point.width == 0 and point.x == pytest.approx(3 + 39 * day, abs=0.01)
    assert [m.is_key for m in layout.marks] == [True, False, True]
    assert [m.number for m in layout.marks] == [1, 2, 3]


def test_timeline_puts_overlapping_marks_in_separate_lanes():
    events = [event("A", "2025-05"), event("B", "2025-05"), event("C", "2025-05-20"), event("D", "2025-08-30")]
    layout = lay_out(events, LONDON)
    lanes = [m.lane for m in layout.marks]
    assert lanes[0] != lanes[1] and lanes[1] != lanes[2] and lanes[0] != lanes[2]
    assert layout.marks[3].lane == 0
    assert layout.height > layout.axis_y


def test_timeline_axis_names_the_year_on_its_first_month():
    layout = lay_out([event("A", "2025-05"), event("B", "2025-08")], LONDON)
    labels = [t.label for t in layout.ticks if t.show_label]
    assert labels == ["May 2025", "Jun", "Jul", "Aug", "Sep"]


def test_timeline_numbers_continue_across_pages():
    layout = lay_out([event("A", "2025-05-01"), event("B", "2025-05-02")], LONDON, first_number=51)
    assert [m.number for m in layout.marks] == [51, 52]


def test_empty_timeline_has_no_marks():
    assert lay_out([], LONDON).marks == []


@pytest.mark.parametrize("zone", [LONDON, ZoneInfo("Asia/Shanghai"), ZoneInfo("America/Los_Angeles"), UTC])
@pytest.mark.parametrize("precision", ["year", "month", "day", "hour", "minute"])
def test_every_month_and_zone_reads_as_the_calendar_writes_it(zone, precision):
    # The labels are built from a table of month names rather than strftime: they must be the
    # same text strftime gives, in every month, either side of a clock change.
    for month in range(1, 13):
        value = datetime(2025, month, 3, 21, 7, tzinfo=UTC)
        local = value.astimezone(zone)
        expected = {
            "year": f"{local:%Y}",
            "month": f"{local:%B %Y}",
            "day": f"{local:%B} {local.day}, {local:%Y}",
        }.get(precision, f"{local:%B} {local.day}, {local:%Y, %H:%M %Z}")
        iso = {"year": f"{local:%Y}", "month": f"{local:%Y-%m}", "day": f"{local:%Y-%m-%d}"}.get(
            precision, local.isoformat(timespec="minutes"))
        assert format_moment(value, precision, zone) == expected
        assert iso_for_precision(value, precision, zone) == iso
