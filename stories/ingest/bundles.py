"""A story as one JSON bundle, between instances: `export_story` writes it, `import_story` reads it.

The bundle is an editorial transfer: it carries drafts and candidates too, with their status, so
a story moves between instances (SQLite ↔ PostgreSQL) losslessly. What it leaves out, on
purpose: user accounts (the `author`, `reviewed_by`, `changed_by` links, which name people on
one instance only), image files (their storage names travel, the files are copied with the
media folder), and the `version` edit-conflict counters and simple-history rows, which belong to
the instance.

Every row travels under a natural key: slugs for stories, actors and sources; `seed_key` /
`natural_key` for events, claims and updates. A row that has none is given
`export:<story>:<kind>:<pk>`, stored on import, so importing the same bundle twice, or back into
the instance it came from, creates nothing new. Import adds and updates, never deletes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import DatabaseError, models
from django.db.models import Prefetch, Q
from django.db.models.functions import Lower

from stories.models import (
    Actor,
    ActorAlias,
    Citation,
    Claim,
    ClaimStatusChange,
    Correction,
    Event,
    EventParticipation,
    Mention,
    PublicationStatus,
    Source,
    SourceRevision,
    StatusChangeOrigin,
    Story,
    Update,
    text_sha256,
)
from stories.permissions import publish_blockers

from .limits import field_problem
from .report import BundleError, ImportReport, atomic_unless_dry_run

BUNDLE_FORMAT = "newsroom-story-bundle"
BUNDLE_VERSION = 1

PUBLISHING = ("status", "published_at", "created_at", "updated_at")
STORY_FIELDS = (
    "slug", "title", "standfirst", "is_live", "coverage_start", "coverage_end", "lead_image",
    "lead_image_alt", "lead_image_credit", "timezone", "key_developments", "update_sequence", *PUBLISHING,
)
ACTOR_FIELDS = (
    "slug", "kind", "name", "role_title", "photo", "photo_alt", "photo_credit", "bio", *PUBLISHING,
)
SOURCE_FIELDS = (
    "slug", "title", "publisher", "url", "author", "source_published_at", "kind", "text", "sha256",
    "imported_from", "content_group", *PUBLISHING,
)
EVENT_FIELDS = (
    "title", "description", "occurred_at", "precision", "ends_at", "ends_precision", "place",
    "is_key_event", *PUBLISHING,
)
CLAIM_FIELDS = (
    "claimant_description", "kind", "text", "made_at", "made_precision", "verification_status",
    "verification_note", "review_state", "stat_measure", "stat_value", "stat_value_high", "stat_unit",
    "stat_period", "reviewed_at", "outcome", *PUBLISHING,
)
UPDATE_FIELDS = (
    "posted_at", "headline", "body", "kind", "is_pinned", "image", "image_alt", "image_credit",
    "sequence", *PUBLISHING,
)
CITATION_FIELDS = ("excerpt", "start", "end", "is_stale", "relation")



def _dump_value(field: models.Field, value):
    if value is None:
        return None
    if isinstance(field, models.DateTimeField):
        return value.astimezone(UTC).isoformat()
    if isinstance(field, models.DecimalField):
        return str(value)
    if isinstance(field, models.FileField):
        return value.name or ""
    return value


def _dump(obj: models.Model, names: tuple[str, ...]) -> dict:
    return {name: _dump_value(obj._meta.get_field(name), getattr(obj, name)) for name in names}


def _load_value(model: type[models.Model], name: str, value, where: str):
    field = model._meta.get_field(name)
    if value is None:
        if not field.null:
            raise BundleError(f"{where}: {name} may not be empty")
        return None
    try:
        if isinstance(field, models.DateTimeField):
            if not isinstance(value, str):
                raise ValidationError("not a string")
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is None:
                raise ValidationError("no timezone")
            return parsed.astimezone(UTC)
        if isinstance(field, models.DecimalField):
            return Decimal(str(value))
        if isinstance(field, models.BooleanField):
            if not isinstance(value, bool):
                raise ValidationError("not true or false")
            return value
        if isinstance(field, (models.IntegerField,)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValidationError("not a whole number")
            return value
        if not isinstance(value, str):
            raise ValidationError("not a string")
        return value
    except (ValidationError, ValueError, ArithmeticError) as error:
        reason = error.messages[0] if isinstance(error, ValidationError) else str(error)
        raise BundleError(f"{where}: {name} has a bad value {str(value)[:60]!r} ({reason})") from None


def _values(model, names, entry: dict, where: str) -> dict:
    missing = [name for name in names if name not in entry]
    if missing:
        raise BundleError(f"{where}: missing {', '.join(missing)}")
    values = {name: _load_value(model, name, entry[name], where) for name in names}
    _check_fits(model, values, where)
    return values


def _check_publishable(obj, where: str) -> None:
    """The desk's publishing rule holds for a restored story too: a published claim or event is cited."""
    if obj.status == PublicationStatus.PUBLISHED and (problems := publish_blockers(obj)):
        raise BundleError(f"{where}: {' '.join(problems)}")


def _check_fits(model, values: dict, where: str) -> None:
    """Refuse a value its column cannot hold before writing, with one message on every database."""
    if problem := field_problem(model, values):
        raise BundleError(f"{where}: {problem}")


# --- Export ---------------------------------------------------------------------------------------


def _key(obj, stored: str | None, story: Story, kind: str) -> str:
    return stored or f"export:{story.slug}:{kind}:{obj.pk}"


def story_actors(story: Story, claims, events) -> list[Actor]:
    """The actors a story needs: claimants and participants, with their affiliation chains."""
    wanted = {c.claimant_id for c in claims if c.claimant_id}
    wanted |= {p.actor_id for e in events for p in e.participations.all()}
    actors: dict[int, Actor] = {}
    while wanted:
        batch = Actor.objects.filter(pk__in=wanted).select_related("affiliation").prefetch_related("aliases")
        wanted = set()
        for actor in batch:
            actors[actor.pk] = actor
            if actor.affiliation_id and actor.affiliation_id not in actors:
                wanted.add(actor.affiliation_id)
    return sorted(actors.values(), key=lambda a: a.slug)


def export_bundle(story: Story) -> dict:
    """The whole story, drafts included, as one JSON-ready dict (see the module docstring)."""
    rows = _StoryRows(story)
    return {
        "format": BUNDLE_FORMAT,
        "version": BUNDLE_VERSION,
        "story": _dump(story, STORY_FIELDS),
        "actors": [_dump_actor(actor) for actor in rows.actors],
        "sources": [_dump_source(source) for source in rows.sources],
        "events": [rows.dump_event(event) for event in rows.events],
        "claims": [rows.dump_claim(claim) for claim in rows.claims],
        "updates": [rows.dump_update(update) for update in rows.updates],
    }


class _StoryRows:
    """Everything a story bundle holds, read in a fixed number of queries, and the keys it uses."""

    def __init__(self, story: Story) -> None:
        citations = Prefetch("citations", queryset=Citation.objects.select_related("source").order_by("source__slug", "start", "end"))
        self.events = list(
            Event.objects.filter(story=story).prefetch_related(
                citations, Prefetch("participations", queryset=EventParticipation.objects.select_related("actor"))
            ).order_by("occurred_at", "pk")
        )
        self.claims = list(
            Claim.objects.filter(story=story).select_related("claimant", "event", "outcome_event")
            .prefetch_related(
                citations, "contradicts",
                Prefetch("status_changes", queryset=ClaimStatusChange.objects.select_related(
                    "prompted_by_update", "prompted_by_source").order_by("changed_at", "pk")),
            ).order_by("pk")
        )
        self.updates = list(
            Update.objects.filter(story=story).prefetch_related("events", "claims", "corrections").order_by("pk")
        )
        self.actors = story_actors(story, self.claims, self.events)
        self.sources = self._sources({a.pk for a in self.actors})
        self.event_key = {e.pk: _key(e, e.seed_key, story, "event") for e in self.events}
        self.claim_key = {c.pk: _key(c, c.natural_key, story, "claim") for c in self.claims}
        self.update_key = {u.pk: _key(u, u.seed_key, story, "update") for u in self.updates}

    def _sources(self, actor_ids: set[int]) -> list[Source]:
        source_ids = {c.source_id for obj in [*self.events, *self.claims] for c in obj.citations.all()}
        source_ids |= {
            s.prompted_by_source_id for c in self.claims for s in c.status_changes.all() if s.prompted_by_source_id
        }
        return list(
            Source.objects.filter(pk__in=source_ids).prefetch_related(
                Prefetch("revisions", queryset=SourceRevision.objects.order_by("replaced_at", "sha256")),
                Prefetch("mentions", queryset=Mention.objects.filter(actor__in=actor_ids)
                         .select_related("actor").order_by("start")),
            ).order_by("slug")
        )

    def dump_event(self, event: Event) -> dict:
        return {
            "key": self.event_key[event.pk],
            **_dump(event, EVENT_FIELDS),
            "participations": sorted(
                ({"actor": p.actor.slug, "role": p.role} for p in event.participations.all()),
                key=lambda p: p["actor"],
            ),
            "citations": _dump_citations(event),
        }

    def dump_claim(self, claim: Claim) -> dict:
        return {
            "key": self.claim_key[claim.pk],
            **_dump(claim, CLAIM_FIELDS),
            "claimant": claim.claimant.slug if claim.claimant_id else None,
            "event": self.event_key.get(claim.event_id),
            "outcome_event": self.event_key.get(claim.outcome_event_id),
            "contradicts": sorted(self.claim_key[c.pk] for c in claim.contradicts.all() if c.pk in self.claim_key),
            "citations": _dump_citations(claim),
            "status_history": [
                {
                    **_dump(change, ("from_status", "to_status", "note", "changed_at")),
                    "prompted_by_update": self.update_key.get(change.prompted_by_update_id),
                    "prompted_by_source": change.prompted_by_source.slug if change.prompted_by_source_id else None,
                }
                for change in claim.status_changes.all()
            ],
        }

    def dump_update(self, update: Update) -> dict:
        return {
            "key": self.update_key[update.pk],
            **_dump(update, UPDATE_FIELDS),
            "events": sorted(self.event_key[e.pk] for e in update.events.all() if e.pk in self.event_key),
            "claims": sorted(self.claim_key[c.pk] for c in update.claims.all() if c.pk in self.claim_key),
            "corrections": [
                _dump(c, ("note", "corrected_at"))
                for c in sorted(update.corrections.all(), key=lambda c: (c.corrected_at, c.note))
            ],
        }


def _dump_actor(actor: Actor) -> dict:
    return {
        **_dump(actor, ACTOR_FIELDS),
        "affiliation": actor.affiliation.slug if actor.affiliation_id else None,
        "aliases": sorted(alias.alias for alias in actor.aliases.all()),
    }


def _dump_source(source: Source) -> dict:
    return {
        **_dump(source, SOURCE_FIELDS),
        "revisions": [_dump(r, ("text", "sha256", "replaced_at")) for r in source.revisions.all()],
        "mentions": [{"actor": m.actor.slug, "start": m.start, "end": m.end} for m in source.mentions.all()],
    }


def _dump_citations(obj) -> list[dict]:
    return [{"source": c.source.slug, **_dump(c, CITATION_FIELDS)} for c in obj.citations.all()]


# --- Import ---------------------------------------------------------------------------------------


class _Importer:
    def __init__(self, bundle: dict, report: ImportReport, name: str = ""):
        self.bundle = bundle
        self.report = report
        self.name = name

    def count(self, label: str, outcome: str) -> None:
        self.report.count(label, outcome)

    def entries(self, name: str) -> list[dict]:
        entries = self.bundle.get(name)
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise BundleError(f"{name} must be a list of objects")
        return entries

    def write(self, label: str, obj: models.Model | None, model, names, entry: dict, where: str, **links):
        """Create or update one row from `entry`; skip the write when nothing differs."""
        _check_fits(model, {name: value for name, value in links.items() if isinstance(value, str)}, where)
        values = {**_values(model, names, entry, where), **links}
        stamps = {name: values.pop(name) for name in ("created_at", "updated_at") if name in values}
        if obj is not None and all(getattr(obj, name) == value for name, value in {**values, **stamps}.items()):
            self.count(label, "unchanged")
            return obj
        self.count(label, "created" if obj is None else "updated")
        obj = obj or model()
        for name, value in values.items():
            setattr(obj, name, value)
        try:
            # Field checks only: choices and lengths. The database constraints and Citation.save
            # (the excerpt must match its source) refuse the rest.
            obj.clean_fields(exclude=[*links, "affiliation"])
            obj.save()
        except ValidationError as error:
            problems = (
                [f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()]
                if hasattr(error, "error_dict") else error.messages
            )
            raise BundleError(f"{where}: {'; '.join(problems)}") from None
        if stamps:
            model.objects.filter(pk=obj.pk).update(**stamps)
            for name, value in stamps.items():
                setattr(obj, name, value)
        return obj

    def by_key(self, model, field: str, key: str, story: Story | None, kind: str):
        """The row a natural key names, adopting this instance's own `export:` keys."""
        found = model.objects.filter(**{field: key}).first()
        prefix = f"export:{story.slug}:{kind}:" if story else None
        if found is None and prefix and key.startswith(prefix) and key[len(prefix):].isdigit():
            found = model.objects.filter(**{"pk": int(key[len(prefix):]), "story": story, field: None}).first()
        return found

    def run(self) -> Story:
        if self.bundle.get("format") != BUNDLE_FORMAT or self.bundle.get("version") != BUNDLE_VERSION:
            raise BundleError(f"not a {BUNDLE_FORMAT} version {BUNDLE_VERSION} file")
        story_entry = self.bundle.get("story")
        if not isinstance(story_entry, dict) or not isinstance(story_entry.get("slug"), str):
            raise BundleError("story must be an object with a slug")
        actors = self.load_actors()
        sources = self.load_sources(actors)
        story = self.write(
            "stories", Story.objects.filter(slug=story_entry["slug"]).first(), Story, STORY_FIELDS,
            story_entry, f"story {story_entry['slug']!r}",
        )
        events = self.load_events(story, actors, sources)
        claims = self.load_claims(story, actors, sources, events)
        updates = self.load_updates(story, events, claims)
        self.load_status_history(claims, sources, updates)
        return story

    def load_actors(self) -> dict[str, Actor]:
        actors: dict[str, Actor] = {}
        entries = self.entries("actors")
        for entry in entries:
            slug = entry.get("slug")
            where = f"actor {slug!r}"
            actors[slug] = self.write("actors", Actor.objects.filter(slug=slug).first(), Actor, ACTOR_FIELDS, entry, where)
        for entry in entries:
            actor, parent = actors[entry["slug"]], entry.get("affiliation")
            if parent is not None and parent not in actors:
                raise BundleError(f"actor {entry['slug']!r}: affiliation {parent!r} is not in the bundle")
            parent_id = actors[parent].pk if parent else None
            if actor.affiliation_id != parent_id:
                Actor.objects.filter(pk=actor.pk).update(affiliation_id=parent_id)
                actor.affiliation_id = parent_id
            for alias in entry.get("aliases", []):
                _check_fits(ActorAlias, {"alias": str(alias)}, f"actor {entry['slug']!r}")
                owner = ActorAlias.objects.annotate(lower=Lower("alias")).filter(lower=str(alias).lower()).first()
                if owner is None:
                    ActorAlias.objects.create(actor=actor, alias=alias)
                    self.count("aliases", "created")
                elif owner.actor_id != actor.pk:
                    raise BundleError(f"actor {entry['slug']!r}: alias {alias!r} already names another actor here")
        return actors

    def load_sources(self, actors: dict[str, Actor]) -> dict[str, Source]:
        sources: dict[str, Source] = {}
        for entry in self.entries("sources"):
            slug = entry.get("slug")
            where = f"source {slug!r}"
            if not isinstance(entry.get("text"), str) or text_sha256(entry["text"]) != entry.get("sha256"):
                raise BundleError(f"{where}: the text does not match its sha256 (the file was altered or cut)")
            same = Q(slug=slug) | (Q(imported_from=entry["imported_from"]) if entry.get("imported_from") else Q())
            existing = Source.objects.filter(same).first()
            source = self.write("sources", existing, Source, SOURCE_FIELDS, entry, where)
            sources[slug] = source
            for revision in entry.get("revisions", []):
                values = _values(SourceRevision, ("text", "sha256", "replaced_at"), revision, f"{where} revision")
                _, created = SourceRevision.objects.get_or_create(source=source, **values)
                self.count("source revisions", "created" if created else "unchanged")
            for mention in entry.get("mentions", []):
                actor = self._actor(actors, mention.get("actor"), f"{where} mention")
                _, created = Mention.objects.update_or_create(
                    source=source, start=mention.get("start"), defaults={"actor": actor, "end": mention.get("end")}
                )
                self.count("mentions", "created" if created else "unchanged")
        return sources

    def _actor(self, actors, slug, where) -> Actor:
        if slug not in actors:
            raise BundleError(f"{where}: actor {slug!r} is not in the bundle")
        return actors[slug]

    def _citations(self, entry: dict, sources, where: str, **target) -> None:
        for citation in entry.get("citations", []):
            source = sources.get(citation.get("source"))
            if source is None:
                raise BundleError(f"{where}: cites source {citation.get('source')!r}, which is not in the bundle")
            values = _values(Citation, CITATION_FIELDS, citation, f"{where} citation")
            existing = Citation.objects.filter(source=source, start=values["start"], end=values["end"], **target).first()
            self.write("citations", existing, Citation, CITATION_FIELDS, citation, f"{where} citation",
                       source=source, **target)

    def load_events(self, story, actors, sources) -> dict[str, Event]:
        events: dict[str, Event] = {}
        for entry in self.entries("events"):
            key = entry.get("key")
            where = f"event {key!r}"
            if not isinstance(key, str):
                raise BundleError("every event needs a key")
            event = self.write("events", self.by_key(Event, "seed_key", key, story, "event"), Event, EVENT_FIELDS,
                               entry, where, story=story, seed_key=key)
            events[key] = event
            for participation in entry.get("participations", []):
                actor = self._actor(actors, participation.get("actor"), where)
                _check_fits(EventParticipation, {"role": str(participation.get("role", ""))}, where)
                _, created = EventParticipation.objects.update_or_create(
                    event=event, actor=actor, defaults={"role": str(participation.get("role", ""))}
                )
                self.count("participations", "created" if created else "unchanged")
            self._citations(entry, sources, where, event=event)
            _check_publishable(event, where)
        return events

    def load_claims(self, story, actors, sources, events) -> dict[str, Claim]:
        claims: dict[str, Claim] = {}
        entries = self.entries("claims")
        for entry in entries:
            key = entry.get("key")
            where = f"claim {key!r}"
            if not isinstance(key, str):
                raise BundleError("every claim needs a key")
            links = {
                "story": story,
                "natural_key": key,
                "claimant": self._actor(actors, entry["claimant"], where) if entry.get("claimant") else None,
                "event": self._event(events, entry.get("event"), where),
                "outcome_event": self._event(events, entry.get("outcome_event"), where),
            }
            claims[key] = self.write("claims", self.by_key(Claim, "natural_key", key, story, "claim"), Claim,
                                     CLAIM_FIELDS, entry, where, **links)
            self._citations(entry, sources, where, claim=claims[key])
            _check_publishable(claims[key], where)
        for entry in entries:
            wanted = [claims[k] for k in entry.get("contradicts", []) if k in claims]
            claim = claims[entry["key"]]
            if {c.pk for c in claim.contradicts.all()} != {c.pk for c in wanted}:
                claim.contradicts.add(*wanted)
        return claims

    def _event(self, events, key, where):
        if key is None:
            return None
        if key not in events:
            raise BundleError(f"{where}: event {key!r} is not in the bundle")
        return events[key]

    def load_updates(self, story, events, claims) -> dict[str, Update]:
        updates: dict[str, Update] = {}
        for entry in self.entries("updates"):
            key = entry.get("key")
            where = f"update {key!r}"
            if not isinstance(key, str):
                raise BundleError("every update needs a key")
            update = self.write("updates", self.by_key(Update, "seed_key", key, story, "update"), Update,
                                UPDATE_FIELDS, entry, where, story=story, seed_key=key)
            updates[key] = update
            update.events.add(*[self._event(events, k, where) for k in entry.get("events", [])])
            update.claims.add(*[claims[k] for k in entry.get("claims", []) if k in claims])
            for correction in entry.get("corrections", []):
                values = _values(Correction, ("note", "corrected_at"), correction, f"{where} correction")
                _, created = Correction.objects.get_or_create(update=update, **values)
                self.count("corrections", "created" if created else "unchanged")
        return updates

    def load_status_history(self, claims, sources, updates) -> None:
        for entry in self.entries("claims"):
            claim = claims[entry["key"]]
            for change in entry.get("status_history", []):
                where = f"claim {entry['key']!r} status change"
                values = _values(ClaimStatusChange, ("from_status", "to_status", "note", "changed_at"), change, where)
                _, created = ClaimStatusChange.objects.get_or_create(
                    claim=claim, **values,
                    defaults={
                        "prompted_by_update": updates.get(change.get("prompted_by_update")),
                        "prompted_by_source": sources.get(change.get("prompted_by_source")),
                        # On this instance the step is an import, whoever checked it on the other.
                        "via": StatusChangeOrigin.IMPORT,
                        "imported_from": f"the story bundle {self.name or self.bundle['story']['slug']}",
                    },
                )
                self.count("status changes", "created" if created else "unchanged")


def import_bundle(bundle: dict, *, dry_run: bool = False, name: str = "") -> tuple[Story, ImportReport]:
    """Write a story bundle (named `name` in the status history) in one transaction: all of it,
    or nothing with a BundleError.

    Returns the story and what was created, updated and left unchanged; with `dry_run`, the
    same report and nothing written.
    """
    if not isinstance(bundle, dict):
        raise BundleError("the file must hold one JSON object")
    report = ImportReport(dry_run=dry_run)
    try:
        with atomic_unless_dry_run(report):
            story = _Importer(bundle, report, name).run()
    except DatabaseError as error:
        raise BundleError(f"the bundle conflicts with this database: {error}") from None
    except (KeyError, TypeError, AttributeError) as error:
        raise BundleError(f"the bundle is malformed near {error!s}") from None
    return story, report
