"""The story's events as files readers can download: CSV for spreadsheets and TimelineJS JSON.

Published events only, dates written exactly as precisely as they are known.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import datetime

from django.utils.html import escape, linebreaks

from .dates import Precision, format_moment, iso_for_precision
from .models import Event, EventParticipation, Story


def published_events(story: Story):
    """The story's reader-visible events in timeline order."""
    return Event.objects.published_in(story).order_by("occurred_at", "pk")


def participants_by_event(story: Story) -> dict[int, list[str]]:
    """The names of each reader-visible event's published participants, by name. One query for
    the story: a prefetch would list every event's id, and for 10,000 of them SQLite looked up
    each (event, published actor) pair (1.3 s)."""
    names: dict[int, list[str]] = defaultdict(list)
    rows = (
        EventParticipation.objects.published().filter(event__in=Event.objects.published_in(story))
        .values_list("event_id", "actor__name")
    )
    for event_id, name in rows:
        names[event_id].append(name)
    return names


def _spreadsheet_safe(value: str) -> str:
    # A cell starting with = + - @ is a formula to spreadsheet software: keep it text.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


CSV_COLUMNS = (
    "id", "title", "when", "start", "precision", "end", "end_precision", "place", "key_event",
    "actors", "description", "url",
)


def events_csv(story: Story, *, base_url: str = "") -> str:
    """The story's published events as CSV, dates written as precisely as they are known."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    participants = participants_by_event(story)
    for event in published_events(story):
        writer.writerow([
            event.pk,
            _spreadsheet_safe(event.title),
            event.when_display(),
            event.when_iso(),
            event.precision,
            iso_for_precision(event.ends_at, event.ends_precision, story.tzinfo) if event.ends_at else "",
            event.ends_precision,
            _spreadsheet_safe(event.place),
            "yes" if event.is_key_event else "no",
            _spreadsheet_safe("; ".join(participants.get(event.pk, ()))),
            _spreadsheet_safe(event.description),
            base_url + event.get_absolute_url(),
        ])
    return out.getvalue()


_TIMELINE_PARTS = (
    (Precision.YEAR, "year"), (Precision.MONTH, "month"), (Precision.DAY, "day"),
    (Precision.HOUR, "hour"), (Precision.MINUTE, "minute"),
)


def timeline_date(moment: datetime, precision: str, tz) -> dict:
    """A TimelineJS date object naming only the parts that are known, in the story's zone."""
    local = moment.astimezone(tz)
    date: dict[str, str] = {}
    for part_precision, part in _TIMELINE_PARTS:
        date[part] = str(getattr(local, part))
        if part_precision == precision:
            break
    date["display_date"] = format_moment(moment, precision, tz)
    return date


def timeline_json(story: Story) -> dict:
    """The story's published events as a TimelineJS 3 document (its text fields are HTML: escaped)."""
    tz = story.tzinfo
    events = []
    for event in published_events(story):
        entry = {
            "unique_id": f"event-{event.pk}",
            "start_date": timeline_date(event.occurred_at, event.precision, tz),
            "text": {
                "headline": escape(event.title),
                "text": linebreaks(event.description, autoescape=True) if event.description else "",
            },
        }
        if event.ends_at is not None:
            entry["end_date"] = timeline_date(event.ends_at, event.ends_precision, tz)
        if event.is_key_event:
            entry["group"] = "Key events"
        events.append(entry)
    return {
        "title": {"text": {"headline": escape(story.title), "text": escape(story.standfirst)}},
        "events": events,
    }
