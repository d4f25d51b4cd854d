"""The seed loader: a directory of article files and annotations into the database, in one
transaction, idempotently on natural keys (a source's file name, an annotation entry's key, an
extracted candidate's fingerprint). Re-running creates nothing twice, and an annotation entry
that has not changed never overwrites what editors have changed since in admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from stories.citations import nth_occurrence, relocate_citations
from stories.models import (
    Actor,
    ActorAlias,
    Citation,
    Claim,
    Event,
    EventParticipation,
    ImportRecord,
    PublicationStatus,
    ReviewState,
    Source,
    SourceKind,
    SourceRevision,
    Story,
    Update,
    VerificationStatus,
    unique_slug,
)
from stories.permissions import publish_blockers
from stories.publishing import record_update_change
from stories.review import record_status_change

from .annotations import Annotation, Entry, parse_annotation
from .articles import Article, parse_article
from .extracted import alias_map, read_source
from .report import ImportReport, SeedError, run_import


@dataclass(frozen=True)
class SeedSet:
    articles: tuple[Article, ...]
    annotations: tuple[Annotation, ...]


ARTICLE, ANNOTATION, MARKDOWN = ".txt", ".toml", ".md"


def read_seed_directory(path: Path, *, max_bytes: int) -> SeedSet:
    """Parse every *.txt article and *.toml annotation in `path` (any case); the first fault stops
    the import. Every imported article is published at once, so only plain, visible files that
    are really in the directory are read: a link, a hidden file or a Markdown file is refused."""
    if not path.is_dir():
        raise SeedError(str(path), "is not a directory")
    folder = path.resolve()
    articles = []
    annotations = []
    for file in sorted(path.iterdir()):
        suffix = file.suffix.lower()
        if file.is_symlink():
            raise SeedError(file.name, "is a symbolic link; copy the file itself into the directory to import it")
        if not file.is_file() or suffix not in (ARTICLE, ANNOTATION, MARKDOWN):
            continue
        if file.name.startswith("."):
            raise SeedError(file.name, "is a hidden file (a macOS ._ copy or an editor's leftover?); remove it")
        if file.resolve().parent != folder:
            raise SeedError(file.name, f"resolves outside {path}")
        if suffix == MARKDOWN:
            raise SeedError(file.name, "is Markdown; articles are plain text (*.txt): convert it or rename it")
        if suffix == ARTICLE:
            articles.append(parse_article(_read_bytes(file, max_bytes), name=file.name, max_bytes=max_bytes))
        else:
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


def load_seeds(seeds: SeedSet, *, dry_run: bool = False) -> ImportReport:
    """Write the seed set in one transaction; with dry_run, report what would change and roll back."""
    return run_import(lambda report: _Loader(seeds, report).run(), dry_run=dry_run)


class _Loader:
    def __init__(self, seeds: SeedSet, report: ImportReport) -> None:
        self.seeds = seeds
        self.report = report
        self.records = {r.key: r for r in ImportRecord.objects.all()}
        self.sources: dict[str, Source] = {}

    def run(self) -> None:
        source_entries = {
            entry.key: (annotation.name, entry)
            for annotation in self.seeds.annotations
            for entry in annotation.sources
        }
        for article in self.seeds.articles:
            self.sources[article.name] = self.load_source(article, source_entries.get(article.name))
        story_for_source: dict[str, Story] = {}
        for annotation in self.seeds.annotations:
            story = self.load_annotation(annotation)
            for entry in annotation.sources:
                story_for_source.setdefault(entry.key, story)
        aliases = alias_map()
        for article in self.seeds.articles:
            source = self.sources[article.name]
            read_source(source=source, story=story_for_source.get(article.name), aliases=aliases, report=self.report)

    # Sources

    def load_source(self, article: Article, annotated: tuple[str, Entry] | None) -> Source:
        fields = {
            "title": article.title, "publisher": "", "url": "", "author": "", "kind": SourceKind.ARTICLE,
            "content_group": "", "source_published_at": None,
            **article.fields, **(annotated[1].fields if annotated else {}),
        }
        source = Source.objects.filter(imported_from=article.name).first()
        if source is None:
            source = Source(
                imported_from=article.name, text=article.text,
                slug=unique_slug(Source, article.title, fallback="source"),
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
        story, _ = self.upsert(Story, Story.objects.filter(slug=annotation.story.key).first(),
                               dict(annotation.story.fields), annotation.story, "stories")
        actors = {entry.key: self.load_actor(annotation, entry) for entry in annotation.actors}
        for entry in annotation.actors:
            actor, applied = actors[entry.key]
            parent = entry.links["affiliation"]
            if parent and applied:
                affiliation = actors[parent][0] if parent in actors else Actor.objects.filter(slug=parent).first()
                if affiliation is None:
                    raise SeedError(annotation.name, f"{entry.where}: affiliation {parent!r} is no actor")
                actor.affiliation = affiliation
                actor.save(update_fields=["affiliation"])
        events = {entry.key: self.load_event(annotation, entry, story) for entry in annotation.events}
        claims = {entry.key: self.load_claim(annotation, entry, story, events) for entry in annotation.claims}
        for entry in annotation.updates:
            self.load_update(entry, story, events, claims)
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

    def load_actor(self, annotation: Annotation, entry: Entry) -> tuple[Actor, bool]:
        actor = Actor.objects.filter(slug=entry.key).first()
        fields = {
            **entry.fields, "status": PublicationStatus.PUBLISHED,
            "published_at": (actor.published_at if actor else None) or timezone.now(),
        }
        actor, applied = self.upsert(Actor, actor, fields, entry, "actors")
        if applied:
            for alias in entry.links["aliases"]:
                owner = ActorAlias.objects.filter(alias__iexact=alias).select_related("actor").first()
                if owner is None:
                    ActorAlias.objects.create(actor=actor, alias=alias)
                elif owner.actor_id != actor.pk:
                    raise SeedError(
                        annotation.name, f"{entry.where}: alias {alias!r} already names {owner.actor.name}"
                    )
        return actor, applied

    def load_event(self, annotation: Annotation, entry: Entry, story: Story) -> Event:
        fields = {**entry.fields, "story": story, "published_at": story.published_at}
        event, applied = self.upsert(Event, Event.objects.filter(seed_key=entry.key).first(), fields, entry, "events")
        if applied:
            for slug, role in entry.links["participants"]:
                EventParticipation.objects.update_or_create(
                    event=event, actor=self._actor(annotation, entry, slug), defaults={"role": role}
                )
            self.cite(annotation, entry, event=event)
            self.check_publishable(annotation, entry, event)
        return event

    def load_claim(self, annotation: Annotation, entry: Entry, story: Story, events: dict) -> Claim:
        claimant = entry.links["claimant"]
        fields = {
            **entry.fields, "story": story, "published_at": story.published_at,
            "claimant": self._actor(annotation, entry, claimant) if claimant else None,
            "event": events.get(entry.links["event"]), "review_state": ReviewState.ACCEPTED,
        }
        claim = Claim.objects.filter(natural_key=fields["natural_key"]).first()
        previous_status = claim.verification_status if claim else VerificationStatus.UNREVIEWED
        claim, applied = self.upsert(Claim, claim, fields, entry, "claims")
        if applied:
            self.cite(annotation, entry, claim=claim)
            self.check_publishable(annotation, entry, claim)
            record_status_change(
                claim=claim, from_status=previous_status,
                note=claim.verification_note or f"Set by the annotation {annotation.name}.",
                imported_from=f"the annotation {annotation.name}",
            )
        return claim

    def load_update(self, entry: Entry, story: Story, events: dict, claims: dict) -> Update:
        """A live post that was already out when the annotation was written, linked to its evidence."""
        fields = {**entry.fields, "story": story}
        update, applied = self.upsert(Update, Update.objects.filter(seed_key=entry.key).first(), fields, entry, "updates")
        if applied:
            update.claims.set([claims[key] for key in entry.links["claims"]])
            update.events.set([events[key] for key in entry.links["events"]])
            record_update_change(update=update)
        return update

    def check_publishable(self, annotation: Annotation, entry: Entry, obj) -> None:
        """The desk's publishing rule holds for imports too: a published claim or event is cited."""
        if obj.status == PublicationStatus.PUBLISHED and (problems := publish_blockers(obj)):
            raise SeedError(annotation.name, f"{entry.where}: {' '.join(problems)}")

    def _actor(self, annotation: Annotation, entry: Entry, slug: str) -> Actor:
        actor = Actor.objects.filter(slug=slug).first()
        if actor is None:
            raise SeedError(annotation.name, f"{entry.where}: actor {slug!r} is not defined")
        return actor

    def cite(self, annotation: Annotation, entry: Entry, **target) -> None:
        """Make the target's citations exactly the entry's: add the new, drop the ones it no longer lists."""
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
