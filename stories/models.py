"""The domain of a developing story: stories, actors, sources, events, claims, citations, updates.

The publishing rule lives in one place, `visible_to_readers()`; every reader-facing query goes
through a `published()` QuerySet method built on it.
"""

from __future__ import annotations

import hashlib
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Case, Count, Exists, F, OuterRef, Prefetch, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest, Length, Lower, Substr
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from .addresses import reader_url
from .confidence import Backing, backing_for
from .dates import Precision, format_moment, iso_for_precision


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


def visible_to_readers(prefix: str = "", *, now=None) -> Q:
    """The publishing rule: published, and its publication time has come (scheduling needs no cron)."""
    return Q(
        **{f"{prefix}status": PublicationStatus.PUBLISHED, f"{prefix}published_at__lte": now or timezone.now()}
    )


# Addresses editors and imports give for sources: a web page, never ftp:, javascript: or data:.
validate_web_address = URLValidator(
    schemes=["http", "https"], message="Enter a web address starting with http:// or https://."
)


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known IANA timezone (e.g. Europe/London).")


def choices_constraint(field: str, choices: type[models.TextChoices], model: str) -> models.CheckConstraint:
    """A CheckConstraint so the database, not just the form, refuses a value outside `choices`."""
    return models.CheckConstraint(
        condition=Q(**{f"{field}__in": choices.values}), name=f"{model}_{field}_valid"
    )


def unique_slug(model, title: str, *, fallback: str = "item") -> str:
    """A slug for `title` that no row of `model` has yet (adding -2, -3… when taken)."""
    base = slugify(title)[:180] or fallback
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def published_needs_time(model: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(status=PublicationStatus.DRAFT) | Q(published_at__isnull=False),
        name=f"{model}_published_has_time",
    )


def scheduled_for_readers(prefix: str = "", *, now=None) -> Q:
    """Published with a publication time still to come: readers will see it then, with no write."""
    return Q(
        **{f"{prefix}status": PublicationStatus.PUBLISHED, f"{prefix}published_at__gt": now or timezone.now()}
    )


class PublishableQuerySet(models.QuerySet):
    def published(self, *, now=None):
        """Return rows visible to readers now (or at `now`)."""
        return self.filter(visible_to_readers(now=now))

    def scheduled(self, *, now=None):
        """Return rows scheduled to reach readers later."""
        return self.filter(scheduled_for_readers(now=now))


class Publishable(models.Model):
    status = models.CharField(
        max_length=10, choices=PublicationStatus.choices, default=PublicationStatus.DRAFT
    )
    published_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When readers can see it. A time in the future schedules publication.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(
        default=1, editable=False,
        help_text="Bumped on every save through the desk; a stale version means someone else saved first.",
    )

    class Meta:
        abstract = True

    def is_published(self) -> bool:
        return (
            self.status == PublicationStatus.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    def is_scheduled(self) -> bool:
        return (
            self.status == PublicationStatus.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    def last_changed_for_readers(self):
        """When readers last saw this change: when it came out, or a later save of it."""
        return max(moment for moment in (self.published_at, self.updated_at) if moment)

    @property
    def desk_tzinfo(self) -> zoneinfo.ZoneInfo:
        """The zone the desk enters and shows this object's times in: its story's, else the desk's."""
        if getattr(self, "story_id", None):
            return self.story.tzinfo
        return zoneinfo.ZoneInfo(settings.NEWSROOM_DESK_TIME_ZONE)


# --- Story -------------------------------------------------------------------------------------


def _count_in_story(model):
    """A subquery counting the story's rows of `model` that readers see whenever the story is visible."""
    rows = model.objects.filter(visible_to_readers(), story=OuterRef("pk")).order_by().values("story")
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")), 0)


class StoryQuerySet(PublishableQuerySet):
    def live_first(self):
        """Order live stories first, then the most recently published."""
        return self.order_by("-is_live", "-published_at", "-pk")

    def with_last_updated(self, *, now=None):
        """Annotate `last_updated`: the newest reader-visible update's time, else publication time."""
        # A correlated subquery walks the (story, -posted_at) index; a join would group every update.
        newest = (
            Update.objects.filter(visible_to_readers(now=now), story=OuterRef("pk"))
            .order_by("-posted_at").values("posted_at")[:1]
        )
        return self.annotate(last_updated=Coalesce(Subquery(newest), "published_at"))

    def for_detail_page(self, *, now=None):
        """Return stories with everything the story page header reads."""
        return self.with_last_updated(now=now)

    def with_counts(self):
        """Annotate how many updates and events readers can see (lists that link to "All N")."""
        return self.annotate(update_count=_count_in_story(Update), event_count=_count_in_story(Event))

    def for_list_page(self):
        """Return stories as the home page lists them: live first, each with its last-updated time."""
        return self.with_last_updated().live_first()


class Story(Publishable):
    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=200, unique=True)
    standfirst = models.TextField(blank=True, help_text="One or two sentences under the headline.")
    is_live = models.BooleanField(default=False, help_text="Live coverage is running.")
    coverage_start = models.DateTimeField(null=True, blank=True)
    coverage_end = models.DateTimeField(null=True, blank=True)
    lead_image = models.ImageField(upload_to="stories/", blank=True)
    lead_image_alt = models.CharField(max_length=300, blank=True)
    lead_image_credit = models.CharField(max_length=200, blank=True)
    timezone = models.CharField(
        max_length=64, default="Europe/London", validators=[validate_timezone],
        help_text="Times on this story are entered and shown in this zone.",
    )
    key_developments = models.TextField(
        blank=True, help_text="The short summary at the top of the story page: one development per line."
    )
    update_sequence = models.PositiveBigIntegerField(
        default=0, editable=False,
        help_text="The last sequence number given to a change in this story's updates (the poll cursor).",
    )
    history = HistoricalRecords()

    objects = StoryQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name_plural = "stories"
        permissions = [("publish_story", "Can publish, schedule and unpublish stories")]
        indexes = [
            # Published at, then status: led by status, SQLite without statistics took this index for
            # every "status = published AND published_at <= now" and read every published row of
            # the site (see the README, Performance). Led by the moment, it serves what it is for:
            # what comes out next (stamps.py) and what is scheduled.
            models.Index(fields=["published_at", "status"], name="story_publication_idx"),
        ]
        constraints = [
            choices_constraint("status", PublicationStatus, "story"),
            published_needs_time("story"),
            models.CheckConstraint(
                condition=Q(lead_image="") | ~Q(lead_image_alt=""), name="story_lead_image_has_alt"
            ),
            models.CheckConstraint(
                condition=Q(coverage_end__isnull=True)
                | Q(coverage_start__isnull=True)
                | Q(coverage_end__gte=F("coverage_start")),
                name="story_coverage_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reader_url("stories:story-detail", slug=self.slug)

    @cached_property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def key_development_list(self) -> list[str]:
        return [line.strip() for line in self.key_developments.splitlines() if line.strip()]

    @property
    def desk_tzinfo(self) -> zoneinfo.ZoneInfo:
        return self.tzinfo


# --- Actors ------------------------------------------------------------------------------------


class ActorKind(models.TextChoices):
    PERSON = "person", "Person"
    ORGANIZATION = "organization", "Organization"
    GOVERNMENT_BODY = "government_body", "Government body"
    COUNTRY = "country", "Country"


# How actors are listed beside a story and on the desk: people first, then the bodies they speak
# for. The database keeps each actor's rank (Actor.kind_rank) so the listing is an index.
ACTOR_KIND_ORDER = [ActorKind.PERSON, ActorKind.GOVERNMENT_BODY, ActorKind.ORGANIZATION, ActorKind.COUNTRY]


class ActorQuerySet(PublishableQuerySet):
    def for_detail_page(self):
        """Return actors with their affiliation chain (person → body → country) and aliases."""
        return self.select_related("affiliation__affiliation__affiliation").prefetch_related("aliases")


class Actor(Publishable):
    kind = models.CharField(max_length=20, choices=ActorKind.choices)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    role_title = models.CharField(max_length=200, blank=True, help_text="e.g. US Treasury Secretary")
    affiliation = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="members",
        help_text="Person → body → country.",
    )
    photo = models.ImageField(upload_to="actors/", blank=True)
    photo_alt = models.CharField(max_length=300, blank=True)
    photo_credit = models.CharField(max_length=200, blank=True)
    bio = models.TextField(blank=True)
    kind_rank = models.GeneratedField(
        expression=Case(
            *[When(kind=kind, then=Value(rank)) for rank, kind in enumerate(ACTOR_KIND_ORDER)],
            default=Value(len(ACTOR_KIND_ORDER)),
        ),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
    )
    history = HistoricalRecords(excluded_fields=["kind_rank"])

    objects = ActorQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["kind", "name"]),
            # People first, then by name: the story page's aside walks it and stops after the
            # few it shows, instead of ranking every published actor of the site.
            models.Index(fields=["kind_rank", "name", "id"], name="actor_listing_idx"),
            models.Index(fields=["published_at", "status"], name="actor_publish_idx"),
        ]
        permissions = [
            ("publish_actor", "Can publish and unpublish actors"),
            ("merge_actors", "Can merge duplicate actors"),
        ]
        constraints = [
            choices_constraint("kind", ActorKind, "actor"),
            choices_constraint("status", PublicationStatus, "actor"),
            published_needs_time("actor"),
            models.CheckConstraint(
                condition=~Q(affiliation=F("pk")), name="actor_not_affiliated_with_itself"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reader_url("stories:actor-detail", slug=self.slug)

    def clean(self) -> None:
        seen = {self.pk}
        parent = self.affiliation
        while parent is not None:
            if parent.pk in seen:
                raise ValidationError({"affiliation": "That affiliation would make a loop."})
            seen.add(parent.pk)
            parent = parent.affiliation


class ActorAlias(models.Model):
    """A way the actor is written in sources ("Bessent", "Treasury Secretary Scott Bessent")."""

    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(max_length=200)
    history = HistoricalRecords()

    class Meta:
        ordering = ["alias"]
        verbose_name_plural = "actor aliases"
        constraints = [
            # One spelling names one actor, or mention recognition would have to guess.
            models.UniqueConstraint(Lower("alias"), name="actor_alias_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.alias


# --- Sources -----------------------------------------------------------------------------------


class SourceKind(models.TextChoices):
    ARTICLE = "article", "Article"
    OFFICIAL_STATEMENT = "official_statement", "Official statement"
    SOCIAL_POST = "social_post", "Social post"
    DATASET = "dataset", "Dataset"


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class SourceQuerySet(PublishableQuerySet):
    def without_text(self):
        """Return sources without their (possibly long) text, for lists and link targets."""
        return self.defer("text")


class Source(Publishable):
    title = models.CharField(max_length=500)
    slug = models.SlugField(max_length=200, unique=True)
    publisher = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=1000, blank=True, validators=[validate_web_address])
    author = models.CharField(max_length=200, blank=True)
    source_published_at = models.DateTimeField(
        null=True, blank=True, help_text="When the source itself was published."
    )
    kind = models.CharField(max_length=20, choices=SourceKind.choices, default=SourceKind.ARTICLE)
    text = models.TextField(help_text="The verbatim text. Citations point into it by offset.")
    sha256 = models.CharField(max_length=64, editable=False)
    imported_from = models.CharField(
        max_length=500, unique=True, null=True, blank=True, editable=False,
        help_text="The file this source was imported from (its natural key on re-import).",
    )
    content_group = models.CharField(
        max_length=200, blank=True,
        help_text="Sources with the same group are copies of one wire story or press release "
        "and count as one independent source.",
    )
    # The uploaded file or fetched page exactly as it came, so the text can be checked against it.
    original = models.FileField(upload_to="sources/originals/", max_length=300, blank=True, editable=False)
    original_type = models.CharField(
        max_length=200, blank=True, editable=False, help_text="The original's content type, as sent."
    )
    original_url = models.URLField(
        max_length=1000, blank=True, editable=False, help_text="Where the original was fetched from, after redirects."
    )
    original_retrieved_at = models.DateTimeField(null=True, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["text"])

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["-source_published_at", "title"]
        indexes = [
            # Also the API's listing order (newest published first, key to break ties): a page walks
            # it and stops at the page's end, whatever the number of sources.
            models.Index(fields=["published_at", "id", "status"], name="source_publish_idx"),
            # The story page lists the newest cited sources: walking this index in that order
            # stops after the few shown, however many sources the site holds.
            models.Index(fields=["-source_published_at", "title", "id"], name="source_listed_order_idx"),
        ]
        permissions = [("publish_source", "Can publish and unpublish sources")]
        constraints = [
            choices_constraint("kind", SourceKind, "source"),
            choices_constraint("status", PublicationStatus, "source"),
            published_needs_time("source"),
            models.CheckConstraint(
                condition=Exact(Length("sha256"), 64), name="source_sha256_is_full"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.sha256 = text_sha256(self.text)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reader_url("stories:source-detail", slug=self.slug)


class SourceRevision(models.Model):
    """An earlier text of a source, kept when the text changed so the change is never silent."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="revisions")
    text = models.TextField()
    sha256 = models.CharField(max_length=64)
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-replaced_at"]

    def __str__(self) -> str:
        return f"{self.source} before {self.replaced_at:%Y-%m-%d %H:%M}"


class Mention(models.Model):
    """Where a source names an actor, found by name or alias."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="mentions")
    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="mentions")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()

    class Meta:
        ordering = ["source", "start"]
        constraints = [
            models.UniqueConstraint(fields=["source", "start"], name="mention_one_per_position"),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="mention_span_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.actor} in {self.source} at {self.start}"


# --- Events ------------------------------------------------------------------------------------


# Lists prefetch the citations behind each row's backing into a plain list under this name:
# a prefetch into `citations` builds a QuerySet for every row (about 80 on a story page).
BACKING_CITATIONS = "backing_citations"
# Who took part in an event, as far as readers may see, prefetched into a plain list under this name.
PUBLISHED_PARTICIPATIONS = "published_participations"


def prefetch_backing_citations() -> Prefetch:
    """The lists' prefetch of what backs each claim or event (read with `backing_citations`)."""
    return Prefetch("citations", queryset=Citation.objects.backing(), to_attr=BACKING_CITATIONS)


def backing_citations(obj) -> list:
    """The citations that decide a claim's or event's backing: the list for_list() and
    for_timeline() prefetched, else `citations` (detail pages prefetch it with context)."""
    prefetched = getattr(obj, BACKING_CITATIONS, None)
    return prefetched if prefetched is not None else obj.citations.all()


class StoryContentQuerySet(PublishableQuerySet):
    @staticmethod
    def visible(prefix: str = "", *, now=None) -> Q:
        """What published() asks of a row, as a condition on rows reached through `prefix`."""
        return visible_to_readers(prefix, now=now) & visible_to_readers(f"{prefix}story__", now=now)

    def published(self, *, now=None):
        """Return rows visible to readers now: published themselves, on a published story."""
        return self.filter(self.visible(now=now))

    def published_in(self, story, *, now=None):
        """Return rows of `story` that readers see whenever the story itself is visible.

        Reader views pass a story they fetched with `Story.objects.published()`; a staff preview
        of a draft story passes the draft, so it shows what readers will see once it is out.
        """
        rows = self.filter(visible_to_readers(now=now), story=story)
        # Every row shares the story object the caller has, as rows from `story.claims` do
        # (Django's related managers set the same attribute): no join, and no copy of the story
        # built for each of a page's rows.
        rows._known_related_objects = {self.model._meta.get_field("story"): {story.pk: story}}
        return rows

    def _select_related_unknown(self, *names):
        """select_related(names), leaving out the story when published_in() already gave it."""
        known = {field.name for field in self._known_related_objects}
        return self.select_related(*(name for name in names if name not in known))


class EventQuerySet(StoryContentQuerySet):
    def for_timeline(self):
        """Return events as timelines draw them, with the citations that decide their backing."""
        return self._select_related_unknown("story").prefetch_related(prefetch_backing_citations())

    def with_published_participants(self):
        """Prefetch `published_participations`: who took part, as far as readers may see them."""
        return self.prefetch_related(self.published_participants())

    @staticmethod
    def published_participants() -> Prefetch:
        return Prefetch("participations", queryset=EventParticipation.objects.published(), to_attr=PUBLISHED_PARTICIPATIONS)


class Event(Publishable):
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="events")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    occurred_at = models.DateTimeField(help_text="Start of the period the precision names.")
    precision = models.CharField(max_length=10, choices=Precision.choices, default=Precision.DAY)
    ends_at = models.DateTimeField(null=True, blank=True, help_text="For spans, like a 90-day truce.")
    ends_precision = models.CharField(max_length=10, choices=Precision.choices, blank=True)
    place = models.CharField(max_length=200, blank=True, help_text="e.g. Lancaster House, London")
    is_key_event = models.BooleanField(default=False)
    actors = models.ManyToManyField(Actor, through="EventParticipation", related_name="events")
    seed_key = models.CharField(max_length=200, unique=True, null=True, blank=True, editable=False)
    history = HistoricalRecords(m2m_fields=[])

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["occurred_at", "pk"]
        permissions = [("publish_event", "Can publish and unpublish events")]
        indexes = [
            models.Index(fields=["story", "occurred_at"]),
            # The API's listing order (newest published first), across stories and within one: a
            # page walks an index and stops at its end, whatever the size of the story.
            models.Index(fields=["published_at", "id", "status"], name="event_publication_idx"),
            models.Index(fields=["story", "published_at", "id"], name="event_story_listing_idx"),
            # A story's visible events newest first, and their count, without reading other rows.
            models.Index(fields=["story", "status", "occurred_at", "published_at"], name="event_story_visible_idx"),
            # The same for its key events alone (the story page's timeline shows the latest few):
            # otherwise found by reading the story's events newest first until enough are key.
            models.Index(fields=["story", "status", "occurred_at", "published_at"], condition=Q(is_key_event=True),
                         name="event_story_key_idx"),
        ]
        constraints = [
            choices_constraint("status", PublicationStatus, "event"),
            choices_constraint("precision", Precision, "event"),
            published_needs_time("event"),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=F("occurred_at")),
                name="event_ends_after_start",
            ),
            models.CheckConstraint(
                condition=(Q(ends_at__isnull=True) & Q(ends_precision=""))
                | (Q(ends_at__isnull=False) & Q(ends_precision__in=Precision.values)),
                name="event_end_has_precision",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reader_url("stories:event-detail", slug=self.story.slug, pk=self.pk)

    def when_display(self) -> str:
        tz = self.story.tzinfo
        start = format_moment(self.occurred_at, self.precision, tz)
        if self.ends_at is None:
            return start
        return f"{start} – {format_moment(self.ends_at, self.ends_precision, tz)}"

    def when_iso(self) -> str:
        return iso_for_precision(self.occurred_at, self.precision, self.story.tzinfo)

    def ends_iso(self) -> str:
        if self.ends_at is None:
            return ""
        return iso_for_precision(self.ends_at, self.ends_precision, self.story.tzinfo)

    @cached_property
    def backing(self) -> Backing:
        """How well the event is backed (see `backing_citations`)."""
        return backing_for(backing_citations(self))


class EventParticipationQuerySet(models.QuerySet):
    def published(self, *, now=None):
        """Return participations readers may see (their actor is published), with the actor, by name."""
        # A condition on the joined actor, not `actor__in=<published actors>`: for a timeline's
        # events SQLite looked up every (event, published actor) pair, 1.4 s at 10,000 events.
        return self.filter(visible_to_readers("actor__", now=now)).select_related("actor").order_by("actor__name")


class EventParticipation(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participations")
    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="participations")
    role = models.CharField(max_length=200, blank=True, help_text="e.g. host, lead negotiator")

    history = HistoricalRecords()

    objects = EventParticipationQuerySet.as_manager()

    class Meta:
        ordering = ["event", "actor__name"]
        constraints = [
            models.UniqueConstraint(fields=["event", "actor"], name="participation_once_per_event"),
        ]

    def __str__(self) -> str:
        return f"{self.actor} at {self.event}"


# --- Claims ------------------------------------------------------------------------------------


class ClaimKind(models.TextChoices):
    DIRECT_QUOTE = "direct_quote", "Direct quote"
    PARAPHRASE = "paraphrase", "Paraphrase"
    STATISTIC = "statistic", "Statistic"
    ASSERTION = "assertion", "Assertion"
    FORECAST = "forecast", "Forecast"
    COMMITMENT = "commitment", "Commitment"


class VerificationStatus(models.TextChoices):
    UNREVIEWED = "unreviewed", "Unreviewed"
    UNVERIFIED = "unverified", "Unverified"
    CORROBORATED = "corroborated", "Corroborated"
    DISPUTED = "disputed", "Disputed"
    INACCURATE = "inaccurate", "Inaccurate"
    RETRACTED = "retracted", "Retracted"


class ReviewState(models.TextChoices):
    """Whether a claim the importer extracted has been accepted by an editor."""

    CANDIDATE = "candidate", "Candidate (awaiting review)"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class Outcome(models.TextChoices):
    FULFILLED = "fulfilled", "Fulfilled"
    CONTRADICTED = "contradicted", "Contradicted"


class ClaimQuerySet(StoryContentQuerySet):
    @staticmethod
    def visible(prefix: str = "", *, now=None) -> Q:
        """Claims readers see: accepted, published, on a published story."""
        return StoryContentQuerySet.visible(prefix, now=now) & Q(**{f"{prefix}review_state": ReviewState.ACCEPTED})

    def published_in(self, story, *, now=None):
        """Return accepted claims of `story` that readers see whenever the story itself is visible."""
        return super().published_in(story, now=now).filter(review_state=ReviewState.ACCEPTED)

    def candidates(self):
        """Return extracted claims waiting for an editor, oldest first."""
        return self.filter(review_state=ReviewState.CANDIDATE).order_by("created_at", "pk")

    def for_list(self):
        """Return claims as lists show them: claimant, story and the citations behind their backing."""
        return self._select_related_unknown("claimant", "story").prefetch_related(prefetch_backing_citations())


class Claim(Publishable):
    story = models.ForeignKey(
        Story, null=True, blank=True, on_delete=models.CASCADE, related_name="claims",
        help_text="Empty only for candidates extracted from an article no story uses yet.",
    )
    claimant = models.ForeignKey(
        Actor, null=True, blank=True, on_delete=models.PROTECT, related_name="claims",
        help_text="Empty when the source itself asserts it.",
    )
    claimant_description = models.CharField(
        max_length=200, blank=True,
        help_text='The speaker as the source describes them ("one Chinese official").',
    )
    kind = models.CharField(max_length=20, choices=ClaimKind.choices)
    text = models.TextField()
    made_at = models.DateTimeField(null=True, blank=True)
    made_precision = models.CharField(max_length=10, choices=Precision.choices, blank=True)
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="claims_made",
        help_text="The event it was made at.",
    )
    verification_status = models.CharField(
        max_length=20, choices=VerificationStatus.choices, default=VerificationStatus.UNREVIEWED
    )
    verification_note = models.TextField(blank=True, help_text="The editor's reasoning, shown to readers.")
    review_state = models.CharField(
        max_length=10, choices=ReviewState.choices, default=ReviewState.ACCEPTED
    )
    stat_measure = models.CharField(
        max_length=200, blank=True,
        help_text="What a statistic measures; figures with the same measure are compared side by side.",
    )
    stat_value = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    stat_value_high = models.DecimalField(
        max_digits=20, decimal_places=4, null=True, blank=True, help_text="Upper end of a range."
    )
    stat_unit = models.CharField(max_length=50, blank=True)
    stat_period = models.CharField(max_length=100, blank=True, help_text="e.g. May 2025")
    natural_key = models.CharField(
        max_length=200, unique=True, null=True, blank=True, editable=False,
        help_text="Annotation key or extraction fingerprint: what makes re-imports idempotent.",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="reviewed_claims", editable=False,
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    outcome = models.CharField(
        max_length=15, choices=Outcome.choices, blank=True,
        help_text="For a forecast or commitment: did events bear it out?",
    )
    outcome_event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="outcome_of",
        help_text="The event that fulfilled or contradicted this forecast or commitment.",
    )
    contradicts = models.ManyToManyField(
        "self", symmetrical=True, blank=True,
        help_text="Claims by the same actor that an editor judged to contradict this one.",
    )
    history = HistoricalRecords()

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["made_at", "pk"]
        permissions = [
            ("publish_claim", "Can publish and unpublish claims"),
            ("verify_claim", "Can set a claim's verification status"),
            ("review_claim", "Can accept or reject extracted candidate claims"),
        ]
        indexes = [
            # The story page reads a few rows of a story of any size through these: the newest
            # visible claims of each status and the count of each; the first figures by measure.
            models.Index(
                fields=["story", "status", "review_state", "verification_status", "made_at", "id", "published_at"],
                name="claim_story_visible_idx",
            ),
            models.Index(
                fields=["story", "status", "review_state", "kind", "stat_measure", "made_at", "id"],
                name="claim_story_figures_idx",
            ),
            models.Index(fields=["review_state", "created_at"]),
            models.Index(fields=["published_at", "status"], name="claim_publication_idx"),
            # The API's listing order (newest published first), across stories and within one.
            # Across stories it starts with review_state: SQLite without statistics otherwise walks
            # the review_state index above and sorts every accepted claim.
            models.Index(fields=["review_state", "published_at", "id"], name="claim_listing_idx"),
            models.Index(fields=["story", "published_at", "id"], name="claim_story_listing_idx"),
        ]
        constraints = [
            choices_constraint("status", PublicationStatus, "claim"),
            choices_constraint("kind", ClaimKind, "claim"),
            choices_constraint("verification_status", VerificationStatus, "claim"),
            choices_constraint("review_state", ReviewState, "claim"),
            published_needs_time("claim"),
            models.CheckConstraint(
                condition=Q(status=PublicationStatus.DRAFT)
                | (Q(story__isnull=False) & Q(review_state=ReviewState.ACCEPTED)),
                name="claim_published_is_accepted_on_a_story",
            ),
            models.CheckConstraint(
                condition=~Q(kind=ClaimKind.STATISTIC) | Q(stat_value__isnull=False),
                name="claim_statistic_has_value",
            ),
            models.CheckConstraint(
                condition=Q(stat_value_high__isnull=True) | Q(stat_value_high__gte=F("stat_value")),
                name="claim_statistic_range_ordered",
            ),
            models.CheckConstraint(
                condition=(Q(made_at__isnull=True) & Q(made_precision=""))
                | (Q(made_at__isnull=False) & Q(made_precision__in=Precision.values)),
                name="claim_made_at_has_precision",
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=["", *Outcome.values]), name="claim_outcome_valid"
            ),
            models.CheckConstraint(
                condition=(Q(outcome="") & Q(outcome_event__isnull=True))
                | (~Q(outcome="") & Q(outcome_event__isnull=False)
                   & Q(kind__in=[ClaimKind.FORECAST, ClaimKind.COMMITMENT])),
                name="claim_outcome_is_for_forecasts_with_an_event",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    def get_absolute_url(self) -> str:
        return reader_url("stories:claim-detail", pk=self.pk)

    @property
    def visible_claimant(self) -> Actor | None:
        """The claimant if readers can see them; a draft or scheduled actor is not named on reader pages."""
        if self.claimant_id and self.claimant.is_published():
            return self.claimant
        return None

    @property
    def speaker_display(self) -> str:
        if self.visible_claimant is not None:
            return self.visible_claimant.name
        return self.claimant_description

    @property
    def speaker_on_desk(self) -> str:
        """Who made the claim as editors see it: the claimant even while they are a draft."""
        if self.claimant_id:
            return self.claimant.name
        return self.claimant_description

    def made_display(self) -> str:
        if self.made_at is None:
            return ""
        tz = self.story.tzinfo if self.story_id else zoneinfo.ZoneInfo("UTC")
        return format_moment(self.made_at, self.made_precision, tz)

    @cached_property
    def backing(self) -> Backing:
        """How well the claim is backed (see `backing_citations`)."""
        return backing_for(backing_citations(self), verification_status=self.verification_status)


class StatusChangeOrigin(models.TextChoices):
    """Who put a step in a claim's verification history: an editor's check, or an import."""

    DESK = "desk", "Checked on the desk"
    IMPORT = "import", "Imported"


class ClaimStatusChange(models.Model):
    """One dated step in a claim's verification history."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=VerificationStatus.choices)
    to_status = models.CharField(max_length=20, choices=VerificationStatus.choices)
    note = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="claim_status_changes",
    )
    changed_at = models.DateTimeField(default=timezone.now)
    prompted_by_update = models.ForeignKey(
        "Update", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    prompted_by_source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    via = models.CharField(
        max_length=10, choices=StatusChangeOrigin.choices, default=StatusChangeOrigin.DESK,
        help_text="An editor's check on the desk, or a step an import wrote.",
    )
    imported_from = models.CharField(
        max_length=500, blank=True, help_text="The annotation or story bundle an imported step came from.",
    )

    class Meta:
        ordering = ["changed_at", "pk"]
        constraints = [
            choices_constraint("from_status", VerificationStatus, "claimstatuschange"),
            choices_constraint("to_status", VerificationStatus, "claimstatuschange"),
            choices_constraint("via", StatusChangeOrigin, "claimstatuschange"),
            models.CheckConstraint(
                condition=(Q(via=StatusChangeOrigin.DESK) & Q(imported_from=""))
                | (Q(via=StatusChangeOrigin.IMPORT) & ~Q(imported_from="")),
                name="claimstatuschange_import_names_its_file",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"

    def origin(self) -> str:
        """Who made this step, as the history shows it: an editor's check or the file it was imported from."""
        if self.via == StatusChangeOrigin.IMPORT:
            return f"Imported from {self.imported_from}"
        return f"Checked by {self.changed_by.get_username()}" if self.changed_by_id else "Checked on the desk"


# --- Citations ---------------------------------------------------------------------------------


def words_around(chars: int = 160) -> dict:
    """Annotations `text_before` and `text_after`: up to `chars` characters either side of a row's
    excerpt (its `start`/`end` in `source`), cut in the database so the whole text never leaves it."""
    before_from = Greatest(F("start") - chars, 0)
    return {
        "text_before": Substr("source__text", before_from + 1, F("start") - before_from),
        "text_after": Substr("source__text", F("end") + 1, chars),
        "context_chars": Value(chars, output_field=models.IntegerField()),
    }


# The order a claim's or event's citations are listed in, and the first one names the publication
# of a claim with no speaker: newest source first (undated ones last), then where the words are.
CITED_ORDER = [F("source__source_published_at").desc(nulls_last=True), "source__title", "start", "pk"]


def cited_order_key(source_published_at, source_title: str, start: int, pk: int) -> tuple:
    """CITED_ORDER as a sort key, for citations read as plain rows."""
    dated = source_published_at is not None
    return (not dated, -source_published_at.timestamp() if dated else 0, source_title, start, pk)


class CitationQuerySet(models.QuerySet):
    def backing(self, *, now=None):
        """Return citations whose published source backs their claim or event, source text left behind."""
        # A condition on the joined source, not `source__in=<published sources>`: that subquery
        # listed every published source of the site for each prefetch.
        return (
            self.filter(visible_to_readers("source__", now=now), is_stale=False)
            .select_related("source").defer("source__text").order_by(*CITED_ORDER)
        )

    def in_context(self, chars: int = 160):
        return self.annotate(**words_around(chars))

    def shown_on_source(self, *, now=None):
        """Return the citations a source page highlights: current, and backing a published claim or event."""
        # Each citation's claim or event checked by its key: `claim__in=<published claims>` listed
        # every published claim and event of the site for one source's few citations.
        return self.filter(is_stale=False).filter(
            Exists(Claim.objects.published(now=now).filter(pk=OuterRef("claim_id")))
            | Exists(Event.objects.published(now=now).filter(pk=OuterRef("event_id")))
        ).select_related("claim", "event__story")


class CitationRelation(models.TextChoices):
    """How a citation's words bear on its claim or event."""

    SUPPORTS = "supports", "Supports it (independent evidence)"
    REPORTS = "reports", "Reports it (repeats the claim)"
    CONTRADICTS = "contradicts", "Contradicts it"


class Citation(models.Model):
    """The exact words of a source that back a claim or an event, pinned by character offsets."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    claim = models.ForeignKey(
        Claim, null=True, blank=True, on_delete=models.CASCADE, related_name="citations"
    )
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.CASCADE, related_name="citations"
    )
    excerpt = models.TextField()
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    is_stale = models.BooleanField(
        default=False, editable=False,
        help_text="The source text changed and this excerpt is no longer found in it.",
    )
    relation = models.CharField(
        max_length=12, choices=CitationRelation.choices, default=CitationRelation.REPORTS,
        help_text="Supports: the source is independent evidence for it. Reports: the source repeats it. "
                  "Only editor-confirmed supporting citations count towards “Confirmed by N independent sources”.",
    )
    relation_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="confirmed_citations", editable=False,
        help_text="The editor who set or confirmed the relation; empty when an import or a reporter set it.",
    )
    relation_confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    history = HistoricalRecords()

    objects = CitationQuerySet.as_manager()

    class Meta:
        ordering = ["source", "start"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(claim__isnull=False) & Q(event__isnull=True))
                | (Q(claim__isnull=True) & Q(event__isnull=False)),
                name="citation_backs_a_claim_or_an_event",
            ),
            models.CheckConstraint(
                condition=Q(end=F("start") + Length("excerpt")) & Q(end__gt=F("start")),
                name="citation_offsets_span_excerpt",
            ),
            models.UniqueConstraint(
                fields=["claim", "source", "start", "end"], name="citation_unique_for_claim"
            ),
            models.UniqueConstraint(
                fields=["event", "source", "start", "end"], name="citation_unique_for_event"
            ),
            choices_constraint("relation", CitationRelation, "citation"),
            models.CheckConstraint(
                condition=Q(relation_confirmed_by__isnull=True) | Q(relation_confirmed_at__isnull=False),
                name="citation_confirmation_is_dated",
            ),
        ]

    @property
    def relation_confirmed(self) -> bool:
        return self.relation_confirmed_by_id is not None

    @property
    def confirmed_support(self) -> bool:
        """Independent evidence an editor vouched for: the only kind that confirms a claim."""
        return self.relation == CitationRelation.SUPPORTS and self.relation_confirmed

    @property
    def counts_as_reporting(self) -> bool:
        return not self.is_stale and self.relation != CitationRelation.CONTRADICTS

    def __str__(self) -> str:
        return f"“{self.excerpt[:60]}” ({self.source})"

    def save(self, *args, **kwargs) -> None:
        # The integrity rule of the whole product: a citation quotes its source exactly.
        if not self.is_stale:
            self.check_excerpt_matches_source()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.source_id is not None:
            self.check_excerpt_matches_source()

    def check_excerpt_matches_source(self) -> None:
        text = self.source.text
        if self.end is None or self.start is None or text[self.start:self.end] != self.excerpt:
            raise ValidationError(
                {"excerpt": f"The excerpt is not at characters {self.start}–{self.end} of “{self.source}”."}
            )


# --- What the extractor proposes beyond claims -------------------------------------------------


class ProposalQuerySet(models.QuerySet):
    def open(self):
        """Waiting for an editor, oldest first, with the words around each excerpt."""
        return (
            self.filter(review_state=ReviewState.CANDIDATE).annotate(**words_around(240))
            .select_related("source").defer("source__text").order_by("created_at", "pk")
        )


class Proposal(models.Model):
    """Something the extractor read in a source's words, waiting for an editor's decision; the
    row is kept once decided, so reading the source again never proposes it twice."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="+")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    excerpt = models.TextField()
    review_state = models.CharField(max_length=10, choices=ReviewState.choices, default=ReviewState.CANDIDATE)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        abstract = True
        constraints = [
            choices_constraint("review_state", ReviewState, "%(class)s"),
            models.CheckConstraint(
                condition=Q(end=F("start") + Length("excerpt")) & Q(end__gt=F("start")),
                name="%(class)s_offsets_span_excerpt",
            ),
        ]

    def __str__(self) -> str:
        return f"“{self.excerpt[:60]}” ({self.source})"


class CandidateEvent(Proposal):
    """An event the extractor read in a dated sentence of a source.

    Accepting it makes a draft event cited to that sentence; it never reaches readers itself.
    """

    story = models.ForeignKey(Story, null=True, blank=True, on_delete=models.CASCADE, related_name="candidate_events")
    title = models.CharField(max_length=300)
    occurred_at = models.DateTimeField()
    precision = models.CharField(max_length=10, choices=Precision.choices)
    ends_at = models.DateTimeField(null=True, blank=True)
    ends_precision = models.CharField(max_length=10, choices=Precision.choices, blank=True)
    natural_key = models.CharField(max_length=200, unique=True, editable=False)
    event = models.ForeignKey(Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta(Proposal.Meta):
        ordering = ["occurred_at", "pk"]
        constraints = [
            *Proposal.Meta.constraints,
            choices_constraint("precision", Precision, "candidateevent"),
        ]

    def __str__(self) -> str:
        return self.title

    def when_display(self) -> str:
        tz = self.story.tzinfo if self.story_id else zoneinfo.ZoneInfo("UTC")
        return format_moment(self.occurred_at, self.precision, tz)


class CitationProposal(Proposal):
    """Words in a new source that repeat a claim the story already has ("also reported in this
    source"), proposed as a citation for an editor to confirm; corroboration grows this way."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="citation_proposals")
    reason = models.CharField(max_length=200, help_text='e.g. "the same words", "the same figure"')
    citation = models.ForeignKey(Citation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta(Proposal.Meta):
        ordering = ["created_at", "pk"]
        constraints = [
            *Proposal.Meta.constraints,
            models.UniqueConstraint(fields=["claim", "source", "start", "end"], name="citationproposal_unique"),
        ]


# --- Updates -----------------------------------------------------------------------------------


# An update card's links, prefetched into plain lists under these names (see list_prefetches).
LINKED_CLAIMS = "linked_claims"
LINKED_EVENTS = "linked_events"
SHOWN_CORRECTIONS = "shown_corrections"


def corrections_of(update) -> list:
    """An update's corrections, oldest first: the list for_list() prefetched, else `corrections`."""
    shown = getattr(update, SHOWN_CORRECTIONS, None)
    return shown if shown is not None else list(update.corrections.all())


class UpdateKind(models.TextChoices):
    NEWS = "news", "News"
    ANALYSIS = "analysis", "Analysis"
    CORRECTION = "correction", "Correction"
    SUMMARY = "summary", "Summary"


class UpdateQuerySet(StoryContentQuerySet):
    def pinned_first(self):
        """Order pinned updates first, then the newest."""
        return self.order_by("-is_pinned", "-posted_at", "-pk")

    def for_list(self):
        """Return updates with their author, reader-visible claims, events and corrections, ready to render."""
        return self._select_related_unknown("story", "author").prefetch_related(*self.list_prefetches())

    @staticmethod
    def list_prefetches() -> list:
        """An update's reader-visible claims, events and corrections, into the plain lists its
        card reads (`linked_claims`, `linked_events`, `shown_corrections`)."""
        return [
            Prefetch("claims", queryset=Claim.objects.published().for_list(), to_attr=LINKED_CLAIMS),
            Prefetch("events", queryset=Event.objects.published().for_timeline(), to_attr=LINKED_EVENTS),
            Prefetch("corrections", to_attr=SHOWN_CORRECTIONS),
        ]


class Update(Publishable):
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="updates")
    posted_at = models.DateTimeField(default=timezone.now)
    headline = models.CharField(max_length=300)
    body = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="updates",
    )
    kind = models.CharField(max_length=20, choices=UpdateKind.choices, default=UpdateKind.NEWS)
    is_pinned = models.BooleanField(default=False)
    events = models.ManyToManyField(Event, blank=True, related_name="updates")
    claims = models.ManyToManyField(Claim, blank=True, related_name="updates")
    image = models.ImageField(upload_to="updates/", blank=True)
    image_alt = models.CharField(max_length=300, blank=True)
    image_credit = models.CharField(max_length=200, blank=True)
    sequence = models.PositiveBigIntegerField(
        default=0, editable=False,
        help_text="The story's update_sequence at this update's last reader-visible change.",
    )
    seed_key = models.CharField(max_length=200, unique=True, null=True, blank=True, editable=False)
    history = HistoricalRecords(m2m_fields=[])

    objects = UpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-posted_at", "-pk"]
        permissions = [
            ("publish_update", "Can publish and unpublish updates"),
            ("correct_update", "Can correct published updates"),
        ]
        indexes = [
            models.Index(fields=["story", "-posted_at"]),
            models.Index(fields=["story", "sequence"]),
            # A story's visible updates pinned_first() without sorting them all, and their count.
            models.Index(
                fields=["story", "status", "is_pinned", "posted_at", "id", "published_at"],
                name="update_story_visible_idx",
            ),
            # The API's listing order (newest published first), across stories and within one.
            models.Index(fields=["published_at", "id", "status"], name="update_publication_idx"),
            models.Index(fields=["story", "published_at", "id"], name="update_story_listing_idx"),
        ]
        constraints = [
            choices_constraint("status", PublicationStatus, "update"),
            choices_constraint("kind", UpdateKind, "update"),
            published_needs_time("update"),
            models.CheckConstraint(condition=Q(image="") | ~Q(image_alt=""), name="update_image_has_alt"),
        ]

    def __str__(self) -> str:
        return self.headline

    def get_absolute_url(self) -> str:
        return reader_url("stories:update-detail", slug=self.story.slug, pk=self.pk)

    def last_changed_for_readers(self):
        """When readers last saw the update change: it came out, was edited, or corrected
        (prefetch `corrections`). Feeds, JSON-LD and the sitemap all give this answer."""
        return max([super().last_changed_for_readers(), *(c.corrected_at for c in corrections_of(self))])

    @cached_property
    def backing(self) -> Backing | None:
        """How well the update is backed: the citations of the claims and events it reports; None
        for an update that links none (it makes no sourced claim, so it gets no badge).

        Reads the lists `for_list()` prefetches (`linked_claims`, `linked_events`).
        """
        claims, events = getattr(self, LINKED_CLAIMS), getattr(self, LINKED_EVENTS)
        if not claims and not events:
            return None
        citations = [c for claim in claims for c in backing_citations(claim)]
        citations += [c for event in events for c in backing_citations(event)]
        return backing_for(citations)


class Correction(models.Model):
    """A public note on a corrected update: what an earlier version said and what changed."""

    update = models.ForeignKey(Update, on_delete=models.CASCADE, related_name="corrections")
    note = models.TextField(help_text="Correction: an earlier version of this update said …")
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    corrected_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["corrected_at", "pk"]

    def __str__(self) -> str:
        return self.note[:80]


class Rendition(models.Model):
    """A resized copy of an uploaded image, made once per size and reused."""

    original = models.CharField(max_length=300, help_text="Storage name of the uploaded image.")
    spec = models.CharField(max_length=20, help_text="thumbnail, card or full")
    file = models.ImageField(upload_to="renditions/", width_field="width", height_field="height")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()

    class Meta:
        ordering = ["original", "spec"]
        constraints = [
            models.UniqueConstraint(fields=["original", "spec"], name="rendition_once_per_size"),
        ]

    def __str__(self) -> str:
        return f"{self.original} ({self.spec})"


# --- Imports -----------------------------------------------------------------------------------


class ImportRecord(models.Model):
    """What the importer last wrote for one annotation entry, so re-imports leave editors' work alone.

    An entry whose digest is unchanged is skipped even if editors have since edited the object;
    a changed entry (the annotation file was edited) is applied again.
    """

    key = models.CharField(max_length=300, unique=True, help_text='e.g. "event:london-talks-open"')
    digest = models.CharField(max_length=64)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key
