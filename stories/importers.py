"""Import source articles and editorial annotations.

Two steps, kept apart so each can be tested alone:
1. parse: `parse_article()` and `parse_annotation()` turn bytes into plain dataclasses and raise
   `SeedError` naming the file and the fault; no database.
2. load: `load_seeds()` writes everything in one transaction, idempotently on natural keys
   (a source's file name, an annotation entry's key, an extracted claim's fingerprint).
"""

from __future__ import annotations

import hashlib
import json
import tomllib
import zoneinfo
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history

from . import extraction
from .dates import Precision, parse_moment
from .citations import nth_occurrence, relocate_citations
from .publishing import record_update_change
from .review import record_status_change
from .models import (
    Actor,
    ActorAlias,
    ActorKind,
    Citation,
    Claim,
    ClaimKind,
    Event,
    EventParticipation,
    ImportRecord,
    Mention,
    PublicationStatus,
    ReviewState,
    Source,
    SourceKind,
    SourceRevision,
    Story,
    Update,
    UpdateKind,
    VerificationStatus,
    text_sha256,
    validate_web_address,
)


class SeedError(Exception):
    """A seed file that cannot be imported; the message names the file and the fault."""

    def __init__(self, file: str, problem: str) -> None:
        super().__init__(f"{file}: {problem}")
        self.file = file
        self.problem = problem


# --- Articles ----------------------------------------------------------------------------------

NUL = b"\x00"
FRONT_MATTER_KEYS = {"title", "publisher", "url", "date", "author", "kind", "group"}


@dataclass(frozen=True)
class Article:
    name: str
    title: str
    text: str
    meta: Mapping[str, str] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        return text_sha256(self.text)


def parse_article(raw: bytes, *, name: str, max_bytes: int) -> Article:
    """Turn the bytes of an article file into an Article; the teasers after it are dropped."""
    if len(raw) > max_bytes:
        raise SeedError(name, f"is {len(raw):,} bytes, over the {max_bytes:,}-byte limit")
    if NUL in raw:
        raise SeedError(name, f"contains a NUL byte at position {raw.index(NUL)}: not a text file")
    try:
        decoded = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SeedError(
            name, f"is not UTF-8 text (byte 0x{raw[error.start]:02x} at position {error.start})"
        ) from None
    text = decoded.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise SeedError(name, "is empty")
    meta, text = _split_front_matter(text, name)
    text = text.strip("\n")
    lines = text.split("\n", 1)
    title = lines[0].strip()
    body = lines[1] if len(lines) > 1 else ""
    if not title:
        raise SeedError(name, "has no headline on its first line")
    if not body.strip():
        raise SeedError(name, "has a headline but no body")
    article_text = text[: extraction.article_end(text)].rstrip()
    if not article_text[len(lines[0]):].strip():
        raise SeedError(name, "has a headline but no article body before its teasers")
    return Article(name=name, title=meta.get("title", title), text=article_text, meta=meta)


def _split_front_matter(text: str, name: str) -> tuple[dict[str, str], str]:
    if not text.startswith("---\n"):
        return {}, text
    closing = text.find("\n---\n", 3)
    if closing == -1:
        raise SeedError(name, "front matter opened with --- is never closed")
    meta: dict[str, str] = {}
    for number, line in enumerate(text[4:closing].split("\n"), start=2):
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if not sep or key not in FRONT_MATTER_KEYS:
            raise SeedError(
                name, f"front matter line {number} {line!r}: expected one of "
                f"{', '.join(sorted(FRONT_MATTER_KEYS))} followed by a colon"
            )
        meta[key] = value.strip()
    return meta, text[closing + 5:]


# --- Annotations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CitationEntry:
    source: str
    excerpt: str
    occurrence: int = 1


@dataclass(frozen=True)
class Entry:
    """One table of the annotation file, with where it came from for error messages."""

    kind: str
    key: str
    where: str
    values: Mapping[str, object]
    citations: tuple[CitationEntry, ...] = ()

    @property
    def digest(self) -> str:
        payload = {"values": self.values, "citations": [asdict(c) for c in self.citations]}
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


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
    """Read an annotation file (TOML) and check its shape; nothing is looked up in the database."""
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise SeedError(name, "is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise SeedError(name, f"is not valid TOML: {error}") from None
    unknown = set(data) - {"story", "sources", "actors", "events", "claims", "updates"}
    if unknown:
        raise SeedError(name, f"has unknown top-level tables: {', '.join(sorted(unknown))}")
    if not isinstance(data.get("story"), dict):
        raise SeedError(name, "needs a [story] table")
    reader = _EntryReader(name)
    story = reader.entry("story", data["story"], "[story]", key_field="slug")
    return Annotation(
        name=name,
        story=story,
        sources=reader.entries("sources", data, key_field="file"),
        actors=reader.entries("actors", data, key_field="slug"),
        events=reader.entries("events", data, key_field="key"),
        claims=reader.entries("claims", data, key_field="key"),
        updates=reader.entries("updates", data, key_field="key"),
    )


class _EntryReader:
    def __init__(self, name: str) -> None:
        self.name = name

    def entries(self, table: str, data: Mapping, *, key_field: str) -> tuple[Entry, ...]:
        rows = data.get(table, [])
        if not isinstance(rows, list):
            raise SeedError(self.name, f"{table} must be an array of tables ([[{table}]])")
        entries = tuple(
            self.entry(table, row, f"{table}[{index}]", key_field=key_field)
            for index, row in enumerate(rows)
        )
        duplicates = [key for key, count in Counter(e.key for e in entries).items() if count > 1]
        if duplicates:
            raise SeedError(self.name, f"{table}: key {duplicates[0]!r} is used twice")
        return entries

    def entry(self, table: str, row: object, where: str, *, key_field: str) -> Entry:
        if not isinstance(row, dict):
            raise SeedError(self.name, f"{where} must be a table")
        key = row.get(key_field)
        if not isinstance(key, str) or not key.strip():
            raise SeedError(self.name, f"{where} needs a non-empty {key_field!r}")
        where = f"{where} ({key_field} {key!r})"
        citations = tuple(self.citation(c, f"{where} citations[{i}]") for i, c in enumerate(row.get("citations", [])))
        values = {k: v for k, v in row.items() if k != "citations"}
        return Entry(kind=table, key=key, where=where, values=values, citations=citations)

    def citation(self, row: object, where: str) -> CitationEntry:
        if not isinstance(row, dict) or not isinstance(row.get("source"), str) or not isinstance(row.get("excerpt"), str):
            raise SeedError(self.name, f"{where} needs a source file name and an excerpt")
        occurrence = row.get("occurrence", 1)
        if not isinstance(occurrence, int) or occurrence < 1:
            raise SeedError(self.name, f"{where}: occurrence must be a whole number from 1")
        return CitationEntry(source=row["source"], excerpt=row["excerpt"], occurrence=occurrence)


# --- Reading a directory -----------------------------------------------------------------------


@dataclass(frozen=True)
class SeedSet:
    articles: tuple[Article, ...]
    annotations: tuple[Annotation, ...]


def read_seed_directory(path: Path, *, max_bytes: int) -> SeedSet:
    """Parse every *.txt article and *.toml annotation in `path`; the first fault stops the import."""
    if not path.is_dir():
        raise SeedError(str(path), "is not a directory")
    articles = []
    annotations = []
    for file in sorted(path.iterdir()):
        if not file.is_file():
            continue
        if file.suffix == ".txt":
            articles.append(parse_article(_read_bytes(file, max_bytes), name=file.name, max_bytes=max_bytes))
        elif file.suffix == ".toml":
            # Annotations are the newsroom's own files and grow with the story: no article limit.
            annotations.append(parse_annotation(_read_bytes(file, None), name=file.name))
    if not articles:
        raise SeedError(str(path), "holds no article files (*.txt)")
    return SeedSet(articles=tuple(articles), annotations=tuple(annotations))


def _read_bytes(file: Path, max_bytes: int | None) -> bytes:
    try:
        size = file.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise SeedError(file.name, f"is {size:,} bytes, over the {max_bytes:,}-byte limit")
        return file.read_bytes()
    except OSError as error:
        raise SeedError(file.name, f"cannot be read: {error.strerror}") from None


# --- Loading -----------------------------------------------------------------------------------


@dataclass
class ImportReport:
    counts: dict[str, Counter] = field(default_factory=dict)
    flagged_citations: int = 0
    dry_run: bool = False

    def count(self, kind: str, outcome: str, n: int = 1) -> None:
        self.counts.setdefault(kind, Counter())[outcome] += n

    def total(self, outcome: str) -> int:
        return sum(counter[outcome] for counter in self.counts.values())

    def lines(self) -> list[str]:
        return [
            f"{kind}: {c['created']} created, {c['updated']} updated, {c['unchanged']} unchanged"
            for kind, c in self.counts.items()
        ]


class _DryRunRollback(Exception):
    pass


def load_seeds(seeds: SeedSet, *, dry_run: bool = False) -> ImportReport:
    """Write the seed set in one transaction; with dry_run, report what would change and roll back."""
    report = ImportReport(dry_run=dry_run)
    try:
        with transaction.atomic():
            _Loader(seeds, report).run()
            if dry_run:
                raise _DryRunRollback
    except _DryRunRollback:
        pass
    return report


class _Loader:
    def __init__(self, seeds: SeedSet, report: ImportReport) -> None:
        self.seeds = seeds
        self.report = report
        self.records = {r.key: r for r in ImportRecord.objects.all()}
        self.sources: dict[str, Source] = {}

    def run(self) -> None:
        source_meta = {
            entry.key: (annotation.name, entry)
            for annotation in self.seeds.annotations
            for entry in annotation.sources
        }
        for article in self.seeds.articles:
            self.sources[article.name] = self.load_source(article, source_meta.get(article.name))
        story_for_source: dict[str, Story] = {}
        for annotation in self.seeds.annotations:
            story = self.load_annotation(annotation)
            for entry in annotation.sources:
                story_for_source.setdefault(entry.key, story)
        aliases = _alias_map()
        for article in self.seeds.articles:
            source = self.sources[article.name]
            self.sync_mentions(source, aliases)
            self.load_candidates(source, story_for_source.get(article.name), aliases)

    # Sources

    def load_source(self, article: Article, annotated: tuple[str, Entry] | None) -> Source:
        meta = dict(article.meta)
        if annotated:
            file, entry = annotated
            meta.update({k: str(v) for k, v in entry.values.items() if k != "file"})
        else:
            file = article.name
        fields = {
            "title": meta.get("title", article.title),
            "publisher": meta.get("publisher", ""),
            "url": meta.get("url", ""),
            "author": meta.get("author", ""),
            "kind": meta.get("kind", SourceKind.ARTICLE),
            "content_group": meta.get("group", ""),
            "source_published_at": _parse_source_date(meta.get("date", ""), file),
        }
        if fields["kind"] not in SourceKind.values:
            raise SeedError(file, f"source {article.name}: kind {fields['kind']!r} is not one of {', '.join(SourceKind.values)}")
        if fields["url"]:
            try:
                validate_web_address(fields["url"])
            except ValidationError:
                raise SeedError(
                    file, f"source {article.name}: url must start with http:// or https:// and be a web address"
                ) from None
        source = Source.objects.filter(imported_from=article.name).first()
        if source is None:
            source = Source(
                imported_from=article.name, text=article.text,
                slug=_unique_slug(Source, article.title),
                status=PublicationStatus.PUBLISHED, published_at=timezone.now(), **fields,
            )
            source.save()
            self.report.count("sources", "created")
            return source
        changed = [name for name, value in fields.items() if getattr(source, name) != value]
        text_changed = source.sha256 != article.sha256
        for name in changed:
            setattr(source, name, fields[name])
        if text_changed:
            SourceRevision.objects.create(source=source, text=source.text, sha256=source.sha256)
            source.text = article.text
        if changed or text_changed:
            source.save()
            self.report.count("sources", "updated")
        else:
            self.report.count("sources", "unchanged")
        if text_changed:
            self.report.flagged_citations += relocate_citations(source)
        return source

    # Annotation entries

    def load_annotation(self, annotation: Annotation) -> Story:
        story = self.load_story(annotation)
        tz = story.tzinfo
        actors = {entry.key: self.load_actor(annotation, entry) for entry in annotation.actors}
        for entry in annotation.actors:
            actor, applied = actors[entry.key]
            parent = entry.values.get("affiliation")
            if parent and applied:
                affiliation = actors[parent][0] if parent in actors else Actor.objects.filter(slug=parent).first()
                if affiliation is None:
                    raise SeedError(annotation.name, f"{entry.where}: affiliation {parent!r} is no actor")
                actor.affiliation = affiliation
                actor.save(update_fields=["affiliation"])
        events = {entry.key: self.load_event(annotation, entry, story, tz) for entry in annotation.events}
        claims = {entry.key: self.load_claim(annotation, entry, story, tz, events) for entry in annotation.claims}
        for entry in annotation.updates:
            self.load_update(annotation, entry, story, tz, events, claims)
        return story

    def upsert(self, model, obj, fields: dict, entry: Entry, label: str) -> tuple[object, bool]:
        """Create or update one annotated object; returns it and whether the entry was applied.

        An entry whose digest matches the last import is left alone, so edits editors made
        in admin since then survive a re-import.
        """
        key = f"{label}:{entry.key}"
        record = self.records.get(key)
        if obj is not None and record is not None and record.digest == entry.digest:
            self.report.count(label, "unchanged")
            return obj, False
        self.report.count(label, "created" if obj is None else "updated")
        if obj is None:
            obj = model(**fields)
        else:
            for name, value in fields.items():
                setattr(obj, name, value)
        obj.save()
        ImportRecord.objects.update_or_create(key=key, defaults={"digest": entry.digest})
        return obj, True

    def load_story(self, annotation: Annotation) -> Story:
        entry = annotation.story
        values = entry.values
        tz_name = str(values.get("timezone", "Europe/London"))
        try:
            tz = zoneinfo.ZoneInfo(tz_name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise SeedError(annotation.name, f"{entry.where}: timezone {tz_name!r} is not a known zone") from None
        fields = {
            "slug": entry.key,
            "title": _required_text(annotation, entry, "title"),
            "standfirst": str(values.get("standfirst", "")),
            "key_developments": "\n".join(map(str, values.get("key_developments", []))),
            "timezone": tz_name,
            "is_live": bool(values.get("is_live", False)),
            "coverage_start": _aware(values.get("coverage_start"), tz, annotation, entry, "coverage_start"),
            "coverage_end": _aware(values.get("coverage_end"), tz, annotation, entry, "coverage_end"),
            "status": _choice(annotation, entry, "status", PublicationStatus, PublicationStatus.PUBLISHED),
            "published_at": _aware(values.get("published_at"), tz, annotation, entry, "published_at"),
        }
        if fields["status"] == PublicationStatus.PUBLISHED and fields["published_at"] is None:
            raise SeedError(annotation.name, f"{entry.where}: a published story needs published_at")
        story, _ = self.upsert(Story, Story.objects.filter(slug=entry.key).first(), fields, entry, "stories")
        return story

    def load_actor(self, annotation: Annotation, entry: Entry) -> tuple[Actor, bool]:
        values = entry.values
        fields = {
            "slug": entry.key,
            "name": _required_text(annotation, entry, "name"),
            "kind": _choice(annotation, entry, "kind", ActorKind, None),
            "role_title": str(values.get("role_title", "")),
            "bio": str(values.get("bio", "")),
            "status": PublicationStatus.PUBLISHED,
            "published_at": timezone.now(),
        }
        actor = Actor.objects.filter(slug=entry.key).first()
        if actor is not None:
            fields["published_at"] = actor.published_at or fields["published_at"]
        actor, applied = self.upsert(Actor, actor, fields, entry, "actors")
        if applied:
            for alias in {fields["name"], *map(str, values.get("aliases", []))}:
                owner = ActorAlias.objects.filter(alias__iexact=alias).select_related("actor").first()
                if owner is None:
                    ActorAlias.objects.create(actor=actor, alias=alias)
                elif owner.actor_id != actor.pk:
                    raise SeedError(
                        annotation.name, f"{entry.where}: alias {alias!r} already names {owner.actor.name}"
                    )
        return actor, applied

    def load_event(self, annotation: Annotation, entry: Entry, story: Story, tz) -> Event:
        values = entry.values
        occurred_at, precision = _moment(annotation, entry, "when", tz, required=True)
        ends_at, ends_precision = _moment(annotation, entry, "ends", tz, required=False)
        fields = {
            "story": story,
            "seed_key": entry.key,
            "title": _required_text(annotation, entry, "title"),
            "description": str(values.get("description", "")),
            "occurred_at": occurred_at,
            "precision": precision,
            "ends_at": ends_at,
            "ends_precision": ends_precision or "",
            "place": str(values.get("place", "")),
            "is_key_event": bool(values.get("key_event", False)),
            "status": _choice(annotation, entry, "status", PublicationStatus, PublicationStatus.PUBLISHED),
            "published_at": story.published_at,
        }
        event, applied = self.upsert(Event, Event.objects.filter(seed_key=entry.key).first(), fields, entry, "events")
        if applied:
            for participant in values.get("actors", []):
                if not isinstance(participant, dict) or "actor" not in participant:
                    raise SeedError(annotation.name, f"{entry.where}: actors entries need an actor slug")
                actor = self._actor(annotation, entry, participant["actor"])
                EventParticipation.objects.update_or_create(
                    event=event, actor=actor, defaults={"role": str(participant.get("role", ""))}
                )
            self.cite(annotation, entry, event=event)
        return event

    def load_claim(self, annotation: Annotation, entry: Entry, story: Story, tz, events: dict) -> Claim:
        values = entry.values
        made_at, made_precision = _moment(annotation, entry, "made", tz, required=False)
        event_key = values.get("event")
        if event_key and event_key not in events:
            raise SeedError(annotation.name, f"{entry.where}: event {event_key!r} is not defined in this file")
        claimant = values.get("claimant")
        fields = {
            "story": story,
            "natural_key": f"annotation:{entry.key}",
            "claimant": self._actor(annotation, entry, claimant) if claimant else None,
            "claimant_description": str(values.get("claimant_description", "")),
            "kind": _choice(annotation, entry, "kind", ClaimKind, None),
            "text": _required_text(annotation, entry, "text"),
            "made_at": made_at,
            "made_precision": made_precision or "",
            "event": events.get(event_key),
            "verification_status": _choice(
                annotation, entry, "verification", VerificationStatus, VerificationStatus.UNVERIFIED
            ),
            "verification_note": str(values.get("note", "")),
            "review_state": ReviewState.ACCEPTED,
            "status": _choice(annotation, entry, "status", PublicationStatus, PublicationStatus.PUBLISHED),
            "published_at": story.published_at,
            **_statistic(annotation, entry),
        }
        if fields["kind"] == ClaimKind.STATISTIC and fields["stat_value"] is None:
            raise SeedError(annotation.name, f"{entry.where}: a statistic needs [stat] value")
        claim = Claim.objects.filter(natural_key=fields["natural_key"]).first()
        previous_status = claim.verification_status if claim else VerificationStatus.UNREVIEWED
        claim, applied = self.upsert(Claim, claim, fields, entry, "claims")
        if applied:
            self.cite(annotation, entry, claim=claim)
            record_status_change(
                claim=claim, from_status=previous_status,
                note=claim.verification_note or f"Set by the annotation {annotation.name}.",
            )
        return claim

    def load_update(self, annotation: Annotation, entry: Entry, story: Story, tz, events: dict, claims: dict) -> Update:
        """A live post that was already out when the annotation was written, linked to its evidence."""
        values = entry.values
        posted_at, precision = _moment(annotation, entry, "posted", tz, required=True)
        if precision != Precision.MINUTE:
            raise SeedError(annotation.name, f"{entry.where}: posted needs a time to the minute (2025-06-10T10:00)")
        linked = {}
        for table, known in (("claims", claims), ("events", events)):
            missing = [key for key in values.get(table, []) if key not in known]
            if missing:
                raise SeedError(annotation.name, f"{entry.where}: {table} {missing[0]!r} is not defined in this file")
            linked[table] = [known[key] for key in values.get(table, [])]
        fields = {
            "story": story,
            "seed_key": entry.key,
            "posted_at": posted_at,
            "headline": _required_text(annotation, entry, "headline"),
            "body": _required_text(annotation, entry, "body"),
            "kind": _choice(annotation, entry, "kind", UpdateKind, UpdateKind.NEWS),
            "is_pinned": bool(values.get("pinned", False)),
            "status": _choice(annotation, entry, "status", PublicationStatus, PublicationStatus.PUBLISHED),
            "published_at": posted_at,
        }
        update, applied = self.upsert(Update, Update.objects.filter(seed_key=entry.key).first(), fields, entry, "updates")
        if applied:
            update.claims.set(linked["claims"])
            update.events.set(linked["events"])
            record_update_change(update=update)
        return update

    def _actor(self, annotation: Annotation, entry: Entry, slug: str) -> Actor:
        actor = Actor.objects.filter(slug=slug).first()
        if actor is None:
            raise SeedError(annotation.name, f"{entry.where}: actor {slug!r} is not defined")
        return actor

    def cite(self, annotation: Annotation, entry: Entry, **target) -> None:
        """Make the target's citations exactly the entry's: add the new, drop the ones it no longer lists."""
        if not entry.citations:
            raise SeedError(annotation.name, f"{entry.where}: needs at least one citation")
        kept = []
        for citation in entry.citations:
            source = self.sources.get(citation.source)
            if source is None:
                raise SeedError(annotation.name, f"{entry.where}: cites {citation.source!r}, which is not an article in the seeds")
            start = nth_occurrence(source.text, citation.excerpt, citation.occurrence)
            if start is None:
                raise SeedError(
                    annotation.name,
                    f"{entry.where}: excerpt “{citation.excerpt}” is not in {citation.source}"
                    + (f" {citation.occurrence} times" if citation.occurrence > 1 else ""),
                )
            row, created = Citation.objects.get_or_create(
                source=source, start=start, end=start + len(citation.excerpt),
                defaults={"excerpt": citation.excerpt}, **target,
            )
            kept.append(row.pk)
            self.report.count("citations", "created" if created else "unchanged")
        Citation.objects.filter(**target).exclude(pk__in=kept).delete()

    # Extraction

    def sync_mentions(self, source: Source, aliases: Mapping[str, int]) -> None:
        found = {(m.start, m.end, m.key) for m in extraction.find_mentions(source.text, aliases)}
        existing = {(m.start, m.end, m.actor_id): m.pk for m in source.mentions.all()}
        stale = [pk for key, pk in existing.items() if key not in found]
        Mention.objects.filter(pk__in=stale).delete()
        new = [Mention(source=source, actor_id=key, start=start, end=end)
               for start, end, key in found - set(existing)]
        Mention.objects.bulk_create(new)
        self.report.count("mentions", "created", len(new))
        self.report.count("mentions", "unchanged", len(found) - len(new))

    def load_candidates(self, source: Source, story: Story | None, aliases: Mapping[str, int]) -> None:
        cited = [(c.start, c.end) for c in Citation.objects.filter(source=source, claim__isnull=False)]
        candidates = [*_quote_candidates(source, aliases), *_figure_candidates(source)]
        fresh = [c for c in candidates if not any(s < c.end and c.start < e for s, e in cited)]
        known = set(Claim.objects.filter(natural_key__in=[c.key for c in fresh]).values_list("natural_key", flat=True))
        self.report.count("candidate claims", "unchanged", len(candidates) - len(fresh) + len(known))
        new = {}
        for candidate in fresh:
            if candidate.key not in known:
                new.setdefault(candidate.key, candidate)
        # Articles can hold dozens of candidates: insert them (and their history rows) in bulk.
        claims = bulk_create_with_history([
            Claim(story=story, natural_key=c.key, review_state=ReviewState.CANDIDATE,
                  verification_status=VerificationStatus.UNREVIEWED, status=PublicationStatus.DRAFT, **c.fields)
            for c in new.values()
        ], Claim)
        # Excerpts are sliced from the source at the offsets, so they match by construction.
        Citation.objects.bulk_create([
            Citation(source=source, claim=claim, start=c.start, end=c.end, excerpt=source.text[c.start:c.end])
            for claim, c in zip(claims, new.values())
        ])
        self.report.count("candidate claims", "created", len(claims))


@dataclass(frozen=True)
class _Candidate:
    key: str
    start: int
    end: int
    fields: dict


def _fingerprint(source: Source, kind: str, text: str) -> str:
    # Keyed on the words, not the offsets, so an edited article does not resurrect rejected ones.
    digest = hashlib.sha256(f"{source.imported_from}\x00{kind}\x00{text}".encode()).hexdigest()
    return f"extracted:{digest[:40]}"


def _quote_candidates(source: Source, aliases: Mapping[str, int]) -> Iterable[_Candidate]:
    lowered = {alias.lower(): pk for alias, pk in aliases.items()}
    for quote in extraction.find_quotes(source.text):
        actor_id = lowered.get(quote.speaker.lower()) if quote.speaker else None
        description = quote.speaker or ""
        if quote.speaker_role and actor_id is None and description:
            description = f"{description} ({quote.speaker_role})"
        yield _Candidate(
            key=_fingerprint(source, ClaimKind.DIRECT_QUOTE, quote.text),
            start=quote.start, end=quote.end,
            fields={"kind": ClaimKind.DIRECT_QUOTE, "text": quote.text, "claimant_id": actor_id,
                    "claimant_description": description[:200]},
        )


def _figure_candidates(source: Source) -> Iterable[_Candidate]:
    for figure in extraction.find_figures(source.text):
        sentence = source.text[figure.sentence_start:figure.sentence_end]
        yield _Candidate(
            key=_fingerprint(source, ClaimKind.STATISTIC, f"{figure.text}\x00{sentence}"),
            start=figure.sentence_start, end=figure.sentence_end,
            fields={"kind": ClaimKind.STATISTIC, "text": sentence, "stat_value": figure.value,
                    "stat_value_high": figure.value_high, "stat_unit": figure.unit[:50]},
        )


def _alias_map() -> dict[str, int]:
    """Every actor name and alias → actor id, for recognising mentions and speakers."""
    aliases = {alias: actor_id for alias, actor_id in ActorAlias.objects.values_list("alias", "actor_id")}
    for name, actor_id in Actor.objects.values_list("name", "pk"):
        aliases.setdefault(name, actor_id)
    return aliases


def _unique_slug(model, title: str) -> str:
    base = slugify(title)[:180] or "source"
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


# --- Field readers with errors that name the entry ---------------------------------------------


def _required_text(annotation: Annotation, entry: Entry, name: str) -> str:
    value = entry.values.get(name)
    if not isinstance(value, str) or not value.strip():
        raise SeedError(annotation.name, f"{entry.where}: needs a non-empty {name!r}")
    return value.strip()


def _choice(annotation: Annotation, entry: Entry, name: str, choices, default):
    value = entry.values.get(name, default)
    if value not in choices.values:
        raise SeedError(
            annotation.name,
            f"{entry.where}: {name} {value!r} is not one of {', '.join(choices.values)}",
        )
    return value


def _moment(annotation: Annotation, entry: Entry, name: str, tz, *, required: bool):
    value = entry.values.get(name)
    if value is None:
        if required:
            raise SeedError(annotation.name, f"{entry.where}: needs {name!r} (e.g. \"2025-06-09\")")
        return None, None
    try:
        return parse_moment(str(value), tz)
    except ValueError as error:
        raise SeedError(annotation.name, f"{entry.where}: {name}: {error}") from None


def _aware(value, tz, annotation: Annotation, entry: Entry, name: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=tz)).astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=tz).astimezone(UTC)
    raise SeedError(annotation.name, f"{entry.where}: {name} must be a TOML date or date-time")


def _parse_source_date(value: str, file: str) -> datetime | None:
    if not value:
        return None
    try:
        moment, _ = parse_moment(value[:16].replace(" ", "T"), zoneinfo.ZoneInfo("UTC"))
    except ValueError:
        raise SeedError(file, f"date {value!r} is not YYYY-MM-DD") from None
    return moment


def _statistic(annotation: Annotation, entry: Entry) -> dict:
    stat = entry.values.get("stat")
    if stat is None:
        return {"stat_measure": "", "stat_value": None, "stat_value_high": None, "stat_unit": "", "stat_period": ""}
    if not isinstance(stat, dict):
        raise SeedError(annotation.name, f"{entry.where}: stat must be a table")

    def number(name: str) -> Decimal | None:
        raw = stat.get(name)
        if raw is None:
            return None
        try:
            return Decimal(str(raw))
        except InvalidOperation:
            raise SeedError(annotation.name, f"{entry.where}: stat.{name} {raw!r} is not a number") from None

    return {
        "stat_measure": str(stat.get("measure", "")),
        "stat_value": number("value"),
        "stat_value_high": number("high"),
        "stat_unit": str(stat.get("unit", "")),
        "stat_period": str(stat.get("period", "")),
    }
