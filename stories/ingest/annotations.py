"""Annotation files: the newsroom's own TOML describing a story, its sources' metadata, actors,
events, claims and updates, each event and claim citing the exact words of an article.

`parse_annotation()` checks everything that can be checked without the database and returns
typed entries: every field value is already what the model stores (times in UTC at their
precision, choices validated, numbers as Decimal), and every reference inside the file
resolves. The loader then only looks things up and writes.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
import zoneinfo
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from stories.dates import Precision, parse_moment
from stories.models import (
    Actor,
    ActorAlias,
    ActorKind,
    Claim,
    ClaimKind,
    Event,
    EventParticipation,
    PublicationStatus,
    Source,
    Story,
    Update,
    UpdateKind,
    VerificationStatus,
)

from .articles import source_fields
from .limits import field_problem
from .report import SeedError

TABLES = ("story", "sources", "actors", "events", "claims", "updates")


@dataclass(frozen=True)
class CitationEntry:
    source: str
    excerpt: str
    occurrence: int = 1


@dataclass(frozen=True)
class Entry:
    """One table of the annotation file, checked.

    `fields` are model field values ready to store; `links` name other rows by key or slug
    (actors, events, claims), resolved by the loader; `digest` fingerprints what the file said,
    so an unchanged entry never overwrites what editors have changed since.
    """

    kind: str
    key: str
    where: str
    digest: str
    fields: Mapping[str, object]
    links: Mapping[str, object]
    citations: tuple[CitationEntry, ...] = ()


@dataclass(frozen=True)
class Annotation:
    name: str
    story: Entry
    sources: tuple[Entry, ...]
    actors: tuple[Entry, ...]
    events: tuple[Entry, ...]
    claims: tuple[Entry, ...]
    updates: tuple[Entry, ...] = ()


def parse_annotation(raw: bytes, *, name: str) -> Annotation:
    """Read an annotation file (TOML) and check every entry; nothing is looked up in the database."""
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise SeedError(name, "is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise SeedError(name, f"is not valid TOML: {error}") from None
    unknown = set(data) - set(TABLES)
    if unknown:
        raise SeedError(name, f"has unknown top-level tables: {', '.join(sorted(unknown))}")
    if not isinstance(data.get("story"), dict):
        raise SeedError(name, "needs a [story] table")
    reader = _Reader(name)
    story = reader.story(reader.table("story", data["story"], "[story]", key_field="slug"))
    tz = zoneinfo.ZoneInfo(str(story.fields["timezone"]))
    events = tuple(reader.event(row, tz) for row in reader.tables("events", data, key_field="key"))
    event_keys = {event.key for event in events}
    claims = tuple(reader.claim(row, tz, event_keys) for row in reader.tables("claims", data, key_field="key"))
    claim_keys = {claim.key for claim in claims}
    return Annotation(
        name=name,
        story=story,
        sources=tuple(reader.source(row) for row in reader.tables("sources", data, key_field="file")),
        actors=tuple(reader.actor(row) for row in reader.tables("actors", data, key_field="slug")),
        events=events,
        claims=claims,
        updates=tuple(
            reader.update(row, tz, claim_keys, event_keys)
            for row in reader.tables("updates", data, key_field="key")
        ),
    )


@dataclass(frozen=True)
class _Row:
    kind: str
    key: str
    where: str
    values: Mapping[str, object]
    citations: tuple[CitationEntry, ...]

    @property
    def digest(self) -> str:
        citations = [{"source": c.source, "excerpt": c.excerpt, "occurrence": c.occurrence} for c in self.citations]
        payload = {"values": self.values, "citations": citations}
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


class _Reader:
    """Reads the tables of one file; every error names the file, the entry and the field."""

    def __init__(self, name: str) -> None:
        self.name = name

    def fail(self, row: _Row, problem: str):
        raise SeedError(self.name, f"{row.where}: {problem}")

    # Shape

    def tables(self, table: str, data: Mapping, *, key_field: str) -> tuple[_Row, ...]:
        rows = data.get(table, [])
        if not isinstance(rows, list):
            raise SeedError(self.name, f"{table} must be an array of tables ([[{table}]])")
        read = tuple(self.table(table, row, f"{table}[{index}]", key_field=key_field) for index, row in enumerate(rows))
        duplicates = [key for key, count in Counter(r.key for r in read).items() if count > 1]
        if duplicates:
            raise SeedError(self.name, f"{table}: key {duplicates[0]!r} is used twice")
        return read

    def table(self, table: str, row: object, where: str, *, key_field: str) -> _Row:
        if not isinstance(row, dict):
            raise SeedError(self.name, f"{where} must be a table")
        key = row.get(key_field)
        if not isinstance(key, str) or not key.strip():
            raise SeedError(self.name, f"{where} needs a non-empty {key_field!r}")
        where = f"{where} ({key_field} {key!r})"
        raw_citations = row.get("citations", [])
        if not isinstance(raw_citations, list):
            raise SeedError(self.name, f"{where}: citations must be an array")
        citations = tuple(self.citation(c, f"{where} citations[{i}]") for i, c in enumerate(raw_citations))
        values = {k: v for k, v in row.items() if k != "citations"}
        return _Row(kind=table, key=key, where=where, values=values, citations=citations)

    def citation(self, row: object, where: str) -> CitationEntry:
        if not isinstance(row, dict) or not isinstance(row.get("source"), str) or not isinstance(row.get("excerpt"), str):
            raise SeedError(self.name, f"{where} needs a source file name and an excerpt")
        occurrence = row.get("occurrence", 1)
        if not isinstance(occurrence, int) or isinstance(occurrence, bool) or occurrence < 1:
            raise SeedError(self.name, f"{where}: occurrence must be a whole number from 1")
        if not row["excerpt"]:
            raise SeedError(self.name, f"{where}: the excerpt is empty")
        return CitationEntry(source=row["source"], excerpt=row["excerpt"], occurrence=occurrence)

    def entry(self, row: _Row, model, fields: dict, links: dict | None = None) -> Entry:
        self.fits(row, model, fields)
        return Entry(kind=row.kind, key=row.key, where=row.where, digest=row.digest, fields=fields,
                     links=links or {}, citations=row.citations)

    # Tables

    def story(self, row: _Row) -> Entry:
        tz_name = str(row.values.get("timezone", "Europe/London"))
        try:
            tz = zoneinfo.ZoneInfo(tz_name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            self.fail(row, f"timezone {tz_name!r} is not a known zone")
        developments = row.values.get("key_developments", [])
        if not isinstance(developments, list):
            self.fail(row, "key_developments must be an array of lines")
        fields = {
            "slug": row.key,
            "title": self.text(row, "title"),
            "standfirst": str(row.values.get("standfirst", "")),
            "key_developments": "\n".join(map(str, developments)),
            "timezone": tz_name,
            "is_live": bool(row.values.get("is_live", False)),
            "coverage_start": self.aware(row, "coverage_start", tz),
            "coverage_end": self.aware(row, "coverage_end", tz),
            "status": self.choice(row, "status", PublicationStatus, PublicationStatus.PUBLISHED),
            "published_at": self.aware(row, "published_at", tz),
        }
        if fields["status"] == PublicationStatus.PUBLISHED and fields["published_at"] is None:
            self.fail(row, "a published story needs published_at")
        return self.entry(row, Story, fields)

    def source(self, row: _Row) -> Entry:
        meta = {k: v for k, v in row.values.items() if k != "file"}
        return self.entry(row, Source, source_fields(meta, file=self.name, where=row.where))

    def actor(self, row: _Row) -> Entry:
        aliases = row.values.get("aliases", [])
        if not isinstance(aliases, list):
            self.fail(row, "aliases must be an array of names")
        affiliation = row.values.get("affiliation")
        fields = {
            "slug": row.key,
            "name": self.text(row, "name"),
            "kind": self.choice(row, "kind", ActorKind, None),
            "role_title": str(row.values.get("role_title", "")),
            "bio": str(row.values.get("bio", "")),
        }
        aliases = tuple(dict.fromkeys([fields["name"], *(str(a).strip() for a in aliases if str(a).strip())]))
        for alias in aliases:
            self.fits(row, ActorAlias, {"alias": alias})
        return self.entry(row, Actor, fields, {"aliases": aliases, "affiliation": str(affiliation) if affiliation else None})

    def event(self, row: _Row, tz) -> Entry:
        occurred_at, precision = self.moment(row, "when", tz, required=True)
        ends_at, ends_precision = self.moment(row, "ends", tz, required=False)
        participants = []
        for participant in row.values.get("actors", []):
            if not isinstance(participant, dict) or not isinstance(participant.get("actor"), str):
                self.fail(row, "actors entries need an actor slug")
            participants.append((participant["actor"], str(participant.get("role", ""))))
            self.fits(row, EventParticipation, {"role": participants[-1][1]})
        fields = {
            "seed_key": row.key,
            "title": self.text(row, "title"),
            "description": str(row.values.get("description", "")),
            "occurred_at": occurred_at,
            "precision": precision,
            "ends_at": ends_at,
            "ends_precision": ends_precision or "",
            "place": str(row.values.get("place", "")),
            "is_key_event": bool(row.values.get("key_event", False)),
            "status": self.choice(row, "status", PublicationStatus, PublicationStatus.PUBLISHED),
        }
        self.needs_citation(row)
        return self.entry(row, Event, fields, {"participants": tuple(participants)})

    def claim(self, row: _Row, tz, event_keys: set[str]) -> Entry:
        made_at, made_precision = self.moment(row, "made", tz, required=False)
        event = row.values.get("event")
        if event and event not in event_keys:
            self.fail(row, f"event {event!r} is not defined in this file")
        claimant = row.values.get("claimant")
        fields = {
            "natural_key": f"annotation:{row.key}",
            "claimant_description": str(row.values.get("claimant_description", "")),
            "kind": self.choice(row, "kind", ClaimKind, None),
            "text": self.text(row, "text"),
            "made_at": made_at,
            "made_precision": made_precision or "",
            "verification_status": self.choice(row, "verification", VerificationStatus, VerificationStatus.UNVERIFIED),
            "verification_note": str(row.values.get("note", "")),
            "status": self.choice(row, "status", PublicationStatus, PublicationStatus.PUBLISHED),
            **self.statistic(row),
        }
        if fields["kind"] == ClaimKind.STATISTIC and fields["stat_value"] is None:
            self.fail(row, "a statistic needs [stat] value")
        self.needs_citation(row)
        return self.entry(row, Claim, fields, {"claimant": str(claimant) if claimant else None, "event": event or None})

    def update(self, row: _Row, tz, claim_keys: set[str], event_keys: set[str]) -> Entry:
        posted_at, precision = self.moment(row, "posted", tz, required=True)
        if precision != Precision.MINUTE:
            self.fail(row, "posted needs a time to the minute (2025-06-10T10:00)")
        links = {}
        for table, known in (("claims", claim_keys), ("events", event_keys)):
            keys = row.values.get(table, [])
            if not isinstance(keys, list):
                self.fail(row, f"{table} must be an array of keys")
            missing = [key for key in keys if key not in known]
            if missing:
                self.fail(row, f"{table} {missing[0]!r} is not defined in this file")
            links[table] = tuple(keys)
        fields = {
            "seed_key": row.key,
            "posted_at": posted_at,
            "headline": self.text(row, "headline"),
            "body": self.text(row, "body"),
            "kind": self.choice(row, "kind", UpdateKind, UpdateKind.NEWS),
            "is_pinned": bool(row.values.get("pinned", False)),
            "status": self.choice(row, "status", PublicationStatus, PublicationStatus.PUBLISHED),
            "published_at": posted_at,
        }
        return self.entry(row, Update, fields, links)

    # Field readers

    def fits(self, row: _Row, model, fields: Mapping[str, object]) -> None:
        """Every value fits its column (length, range, validators): the same refusal on every database."""
        if problem := field_problem(model, fields):
            self.fail(row, problem)

    def needs_citation(self, row: _Row) -> None:
        if not row.citations:
            self.fail(row, "needs at least one citation")

    def text(self, row: _Row, name: str) -> str:
        value = row.values.get(name)
        if not isinstance(value, str) or not value.strip():
            self.fail(row, f"needs a non-empty {name!r}")
        return value.strip()

    def choice(self, row: _Row, name: str, choices, default):
        value = row.values.get(name, default)
        if value not in choices.values:
            self.fail(row, f"{name} {value!r} is not one of {', '.join(choices.values)}")
        return value

    def moment(self, row: _Row, name: str, tz, *, required: bool):
        value = row.values.get(name)
        if value is None:
            if required:
                self.fail(row, f"needs {name!r} (e.g. \"2025-06-09\")")
            return None, None
        try:
            return parse_moment(str(value), tz)
        except ValueError as error:
            self.fail(row, f"{name}: {error}")

    def aware(self, row: _Row, name: str, tz) -> datetime | None:
        value = row.values.get(name)
        if value is None:
            return None
        if isinstance(value, datetime):
            return (value if value.tzinfo else value.replace(tzinfo=tz)).astimezone(UTC)
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day, tzinfo=tz).astimezone(UTC)
        self.fail(row, f"{name} must be a TOML date or date-time")

    def statistic(self, row: _Row) -> dict:
        stat = row.values.get("stat")
        if stat is None:
            return {"stat_measure": "", "stat_value": None, "stat_value_high": None, "stat_unit": "", "stat_period": ""}
        if not isinstance(stat, dict):
            self.fail(row, "stat must be a table")

        def number(name: str) -> Decimal | None:
            raw = stat.get(name)
            if raw is None:
                return None
            try:
                value = Decimal(str(raw))
            except InvalidOperation:
                self.fail(row, f"stat.{name} {raw!r} is not a number")
            if not value.is_finite():
                self.fail(row, f"stat.{name} {raw!r} is not a finite number")
            return value

        return {
            "stat_measure": str(stat.get("measure", "")),
            "stat_value": number("value"),
            "stat_value_high": number("high"),
            "stat_unit": str(stat.get("unit", "")),
            "stat_period": str(stat.get("period", "")),
        }
