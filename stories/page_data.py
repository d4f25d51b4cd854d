"""What the story page and the live poll show, read with compiled queries.

These are the site's hottest reads: every reader after an edit, a deploy or a cache flush renders
the story page from them, and the poll renders each changed update. Each query is built once by
the same QuerySet methods the rest of the site uses (`published_in()`, `Citation.objects.backing()`),
compiled once per process (stories/compiled.py), and its rows become model instances with
`Model.from_db()`, carrying the same attributes the ORM's prefetches set (`backing_citations`,
`linked_claims`, …), so the templates and markup are those of every other page.

Citations behind a badge are plain rows (`BackingCitation`): they feed `confidence.backing_for()`
and name a publication, and borrow their rules from the models (`Citation.confirmed_support`,
`Publishable.is_published`) rather than restating them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from itertools import groupby
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db.models import Exists, F, OuterRef
from django.http import Http404
from django.utils import timezone

from . import compiled, tallies
from .compiled import CompiledQuery, ModelColumns
from .models import (
    BACKING_CITATIONS,
    LINKED_CLAIMS,
    LINKED_EVENTS,
    SHOWN_CORRECTIONS,
    Actor,
    Citation,
    Claim,
    ClaimKind,
    Correction,
    Event,
    EventParticipation,
    Publishable,
    Source,
    Story,
    Update,
    VerificationStatus,
    cited_order_key,
)

UPDATES_ON_STORY_PAGE = 4
LATEST_EVENTS_ON_STORY_PAGE = 12
KEY_EVENTS_ON_STORY_PAGE = 12
CLAIMS_PER_STATUS_ON_STORY_PAGE = 3
FIGURES_ON_STORY_PAGE = 40
ACTORS_ON_STORY_PAGE = 60
SOURCES_ON_STORY_PAGE = 30

# The order a reader wants: what holds up, what is open, then what is wrong.
STATUS_ORDER = [
    VerificationStatus.CORROBORATED,
    VerificationStatus.UNVERIFIED,
    VerificationStatus.DISPUTED,
    VerificationStatus.INACCURATE,
    VerificationStatus.RETRACTED,
    VerificationStatus.UNREVIEWED,
]


def _story(pk: int) -> Story:
    """A stand-in for the story a compiled query is built for: only its key reaches the SQL."""
    return Story(pk=pk)


# --- Citations behind the badges ---------------------------------------------------------------


class CitedSource:
    """The few columns of a cited source a badge and a byline need."""

    __slots__ = ("pk", "title", "publisher", "content_group", "sha256", "status", "published_at")
    is_published = Publishable.is_published

    def __init__(self, pk, title, publisher, content_group, sha256, status, published_at) -> None:
        self.pk, self.title, self.publisher = pk, title, publisher
        self.content_group, self.sha256 = content_group, sha256
        self.status, self.published_at = status, published_at


class BackingCitation:
    """A citation as a badge counts it (confidence.backing_for), with the model's own rules."""

    __slots__ = ("pk", "claim_id", "event_id", "source", "is_stale", "relation", "relation_confirmed_by_id")
    relation_confirmed = Citation.relation_confirmed
    confirmed_support = Citation.confirmed_support
    counts_as_reporting = Citation.counts_as_reporting

    def __init__(self, pk, target, target_id, is_stale, relation, relation_confirmed_by_id, source) -> None:
        self.pk = pk
        self.claim_id, self.event_id = (target_id, None) if target == "claim" else (None, target_id)
        self.is_stale, self.relation, self.relation_confirmed_by_id = is_stale, relation, relation_confirmed_by_id
        self.source = source


def _backing(target: str):
    # One query per kind rather than `claim IN (…) OR event IN (…)`, and sorted here rather than
    # in SQL: for either, SQLite walked every source in the listing order instead of using the
    # citation's index (4.3 ms against 0.3 ms at 10,000 events).
    return CompiledQuery(
        lambda ids, now: Citation.objects.backing(now=now).filter(**{f"{target}_id__in": ids}).order_by()
        .values_list(
            "source__source_published_at", "source__title", "start", "pk",
            f"{target}_id", "is_stale", "relation", "relation_confirmed_by_id",
            "source_id", "source__publisher", "source__content_group", "source__sha256",
            "source__status", "source__published_at",
        ),
        join_by_key=True, ids=list, now=datetime,
    )


_BACKING = {"claim": _backing("claim"), "event": _backing("event")}


def _backing_calls(*, claims=(), events=(), now: datetime) -> list[tuple[CompiledQuery, dict]]:
    return [
        (_BACKING[target], {"ids": [row.pk for row in rows], "now": now})
        for target, rows in (("claim", claims), ("event", events)) if rows
    ]


def attach_backing(*, claims=(), events=(), now: datetime) -> None:
    """Set `backing_citations` on each claim and event: what backs it, one query for each kind
    (sent together)."""
    sources: dict[int, CitedSource] = {}
    calls = _backing_calls(claims=claims, events=events, now=now)
    answers = iter(compiled.rows_together(calls))
    for target, rows in (("claim", claims), ("event", events)):
        if not rows:
            continue
        by_pk = {row.pk: [] for row in rows}
        found = next(answers)
        found.sort(key=lambda row: cited_order_key(*row[:4]))
        for _, title, _, pk, target_id, stale, relation, confirmed_by, source_id, *source in found:
            cited = sources.get(source_id)
            if cited is None:
                cited = sources[source_id] = CitedSource(source_id, title, *source)
            by_pk[target_id].append(BackingCitation(pk, target, target_id, stale, relation, confirmed_by, cited))
        for row in rows:
            setattr(row, BACKING_CITATIONS, by_pk[row.pk])


# --- Rows into instances -----------------------------------------------------------------------

# Bookkeeping times no reader page reads are left in the database: each datetime column costs
# a conversion per row (a fifth of turning a story page's claims into instances).
CLAIM = ModelColumns(Claim, omit=("created_at", "updated_at", "reviewed_at"))
EVENT = ModelColumns(Event, omit=("created_at", "updated_at"))
UPDATE = ModelColumns(Update, omit=("created_at",))
CORRECTION = ModelColumns(Correction)
# What the aside and a claim's speaker read of an actor.
ACTOR = ModelColumns(Actor, only=("status", "published_at", "kind", "name", "slug", "role_title", "kind_rank"))
SOURCE = ModelColumns(Source, omit=("text",))
AUTHOR_NAMES = ["author__first_name", "author__last_name"]
SET_CLAIM_STORY, SET_CLAIMANT = CLAIM.related("story"), CLAIM.related("claimant")
SET_EVENT_STORY, SET_UPDATE_STORY = EVENT.related("story"), UPDATE.related("story")


_ACTORS_BY_ID = CompiledQuery(
    lambda ids: Actor.objects.filter(pk__in=ids).values_list(*ACTOR.names), generic_plan=True, ids=list,
)


def _claims(rows, story: Story) -> list[Claim]:
    claims = []
    for row in rows:
        claim = CLAIM.load(row)
        SET_CLAIM_STORY(claim, story)
        claims.append(claim)
    return claims


def _claimant_calls(claims: list[Claim]) -> list[tuple[CompiledQuery, dict]]:
    ids = list({claim.claimant_id for claim in claims if claim.claimant_id is not None})
    return [(_ACTORS_BY_ID, {"ids": ids})] if ids else []


def attach_claimants(claims: list[Claim]) -> None:
    """Set each claim's claimant, each actor read once however many claims they made."""
    actors = {
        actor.pk: actor for query, values in _claimant_calls(claims) for actor in map(ACTOR.load, query.rows(**values))
    }
    for claim in claims:
        if claim.claimant_id is not None:
            SET_CLAIMANT(claim, actors[claim.claimant_id])


def _events(rows, story: Story) -> list[Event]:
    events = []
    for row in rows:
        event = EVENT.load(row)
        SET_EVENT_STORY(event, story)
        events.append(event)
    return events


# --- The story -----------------------------------------------------------------------------------

STORY = ModelColumns(Story)
_STORY = CompiledQuery(
    lambda slug, now: Story.objects.published(now=now).for_detail_page(now=now).filter(slug=slug)
    .values_list(*STORY.names, "last_updated"),
    slug=str, now=datetime,
)


def story_page_row(*, slug: str, now: datetime | None = None) -> Story:
    """The published story at `slug`, with what its page header reads (`last_updated`), or 404."""
    rows = _STORY.rows(slug=slug, now=now or timezone.now())
    if not rows:
        raise Http404("No story is published at this address.")
    story = STORY.load(rows[0])
    story.last_updated = rows[0][-1]
    return story


# --- Updates -----------------------------------------------------------------------------------

_LATEST_UPDATES = CompiledQuery(
    lambda story, now: Update.objects.published_in(_story(story), now=now).pinned_first()
    .values_list(*UPDATE.names, *AUTHOR_NAMES)[:UPDATES_ON_STORY_PAGE],
    story=int, now=datetime,
)
def _linked(relation, model, columns: ModelColumns, order: str):
    """An update's links of one kind (its `claims` or `events`) that readers may see, with the
    update each belongs to."""
    target = relation.field.m2m_reverse_field_name()
    return CompiledQuery(
        lambda updates, now: relation.through.objects
        .filter(Exists(model.objects.published(now=now).filter(pk=OuterRef(f"{target}_id"))), update_id__in=updates)
        .order_by(f"{target}__{order}", f"{target}_id")
        .values_list("update_id", *(f"{target}__{name}" for name in columns.names)),
        updates=list, now=datetime,
    )


_LINKED_CLAIMS = _linked(Update.claims, Claim, CLAIM, "made_at")
_LINKED_EVENTS = _linked(Update.events, Event, EVENT, "occurred_at")
_CORRECTIONS = CompiledQuery(
    lambda updates: Correction.objects.filter(update_id__in=updates).order_by("corrected_at", "pk")
    .values_list(*CORRECTION.names),
    updates=list,
)


def _updates(rows, story: Story) -> list[Update]:
    author_model = get_user_model()
    updates = []
    for row in rows:
        update = UPDATE.load(row)
        SET_UPDATE_STORY(update, story)
        if update.author_id is not None:
            first, last = row[len(UPDATE):]
            update.author = author_model.from_db("default", ["id", "first_name", "last_name"], [update.author_id, first, last])
        updates.append(update)
    return updates


def _update_link_calls(updates: list[Update], *, now: datetime) -> list[tuple[CompiledQuery, dict]]:
    ids = [update.pk for update in updates]
    if not ids:
        return []
    return [
        (_LINKED_CLAIMS, {"updates": ids, "now": now}),
        (_LINKED_EVENTS, {"updates": ids, "now": now}),
        (_CORRECTIONS, {"updates": ids}),
    ]


def attach_update_links(updates: list[Update], *, story: Story, now: datetime) -> None:
    """Set what each update card shows besides itself: the reader-visible claims and events it
    links (with what backs them) and its corrections, as `for_list()` prefetches them."""
    if not updates:
        return
    ids = [update.pk for update in updates]
    by_update = {update.pk: update for update in updates}
    for update in updates:
        setattr(update, LINKED_CLAIMS, [])
        setattr(update, LINKED_EVENTS, [])
        setattr(update, SHOWN_CORRECTIONS, [])
    linked_claims, linked_events, corrections = compiled.rows_together(_update_link_calls(updates, now=now))
    linked = {}
    for found, columns, attribute in ((linked_claims, CLAIM, LINKED_CLAIMS), (linked_events, EVENT, LINKED_EVENTS)):
        seen = linked[attribute] = {}
        for update_id, *row in found:
            item = seen.get(row[0])
            if item is None:
                item = seen[row[0]] = columns.load(row)
                if item.story_id == story.pk:
                    item.story = story
            getattr(by_update[update_id], attribute).append(item)
    claims, events = list(linked[LINKED_CLAIMS].values()), list(linked[LINKED_EVENTS].values())
    for row in corrections:
        correction = CORRECTION.load(row)
        getattr(by_update[correction.update_id], SHOWN_CORRECTIONS).append(correction)
    _load_other_stories([*claims, *events], story)
    attach_backing(claims=claims, events=events, now=now)


def _load_other_stories(rows, story: Story) -> None:
    """A claim or event an update links may belong to another story (its address names it)."""
    others = {row.story_id for row in rows if row.story_id is not None and row.story_id != story.pk}
    if not others:
        return
    stories = Story.objects.in_bulk(others)
    for row in rows:
        if row.story_id in stories:
            row.story = stories[row.story_id]


def latest_updates(story: Story, *, now: datetime | None = None) -> list[Update]:
    """The story page's newest updates, pinned first, ready for their cards."""
    return story_page(story, {"updates"}, now=now or timezone.now()).updates


@lru_cache(maxsize=8)
def _changed_after(limit: int) -> CompiledQuery:
    return CompiledQuery(
        lambda story, after, now: Update.objects.published(now=now).filter(story_id=story, sequence__gt=after)
        .order_by("sequence", "pk").values_list(*UPDATE.names, *AUTHOR_NAMES)[:limit],
        story=int, after=int, now=datetime,
    )


def updates_changed_after(story: Story, *, after: int, limit: int, now: datetime) -> list[Update]:
    """The story's reader-visible updates changed after the poll cursor `after`, oldest change
    first, at most `limit`, ready for their cards (the live poll's body)."""
    updates = _updates(_changed_after(limit).rows(story=story.pk, after=after, now=now), story)
    attach_update_links(updates, story=story, now=now)
    return updates


_STORY_BY_PK = CompiledQuery(lambda pk: Story.objects.filter(pk=pk).values_list(*STORY.names), pk=int)


def story_by_pk(pk: int) -> Story:
    """The story with this key, whatever its state (the caller decided readers may see it)."""
    return STORY.load(_STORY_BY_PK.rows(pk=pk)[0])


# --- Counts ------------------------------------------------------------------------------------


def story_counts(story: Story, *, now: datetime | None = None) -> tallies.StoryCounts:
    """How many updates, events and claims (by verification status) readers can see."""
    return tallies.story_counts(story, now=now or timezone.now())


# --- Timeline ----------------------------------------------------------------------------------


def _only_keys(model, *chosen):
    """The rows whose keys the `chosen` subqueries picked, asked as one IN over their union.

    Asked as `pk IN (…) OR pk IN (…)`, PostgreSQL read every row of the table to test the OR,
    and SQLite without statistics every row of the story; with the story's conditions repeated
    out here, the same. A union of small key lists is looked up by key on both — on PostgreSQL
    only when asked to join by key (CompiledQuery's join_by_key): otherwise it hashed the few keys
    and read the whole table once per member (the story page's claims 0.23 → 0.12 ms at 200
    claims, its timeline 0.13 → 0.11 ms).
    """
    members = [model.objects.filter(pk__in=keys).order_by().values("pk") for keys in chosen]
    return model.objects.filter(pk__in=members[0].union(*members[1:], all=True))


def _timeline_window(story, now):
    newest = Event.objects.published_in(_story(story), now=now).order_by("-occurred_at", "-pk").values("pk")
    return (
        _only_keys(Event, newest[:LATEST_EVENTS_ON_STORY_PAGE],
                   newest.filter(is_key_event=True)[:KEY_EVENTS_ON_STORY_PAGE])
        .order_by("occurred_at", "pk").values_list(*EVENT.names)
    )


_TIMELINE = CompiledQuery(_timeline_window, generic_plan=True, join_by_key=True, story=int, now=datetime)


def timeline_window(story: Story, *, now: datetime | None = None) -> list[Event]:
    """The story page's slice of the timeline: the latest key events and the latest events."""
    return story_page(story, {"timeline"}, now=now or timezone.now()).timeline


# --- Claims and figures ------------------------------------------------------------------------

NEWEST_FIRST = [F("made_at").desc(nulls_last=True), F("pk").desc()]


def _newest_per_status(story, now):
    claims = Claim.objects.published_in(_story(story), now=now)
    newest = claims.order_by(*NEWEST_FIRST).values("pk")
    # One index range per status (claim_story_visible_idx; on PostgreSQL claim_story_newest_idx,
    # which keeps undated claims last), each stopping after a few rows: a window over every
    # claim of the story sorted them all (145 ms at 10,000 claims).
    return (
        _only_keys(Claim, *(
            newest.filter(verification_status=status)[:CLAIMS_PER_STATUS_ON_STORY_PAGE] for status in STATUS_ORDER
        ))
        .order_by(*NEWEST_FIRST).values_list(*CLAIM.names)
    )


_NEWEST_PER_STATUS = CompiledQuery(_newest_per_status, join_by_key=True, story=int, now=datetime)
_FIGURES = CompiledQuery(
    lambda story, now: Claim.objects.published_in(_story(story), now=now).filter(kind=ClaimKind.STATISTIC)
    .order_by("stat_measure", "made_at", "pk").values_list(*CLAIM.names)[:FIGURES_ON_STORY_PAGE],
    generic_plan=True, story=int, now=datetime,
)


def claims_shown(story: Story, claim_counts: dict, *, now: datetime | None = None) -> tuple[list, list]:
    """The story page's claims: the newest few of each verification status with the count of each
    (`claim_counts`, story_counts()'s), and the statistics grouped by what they measure, so
    competing figures sit side by side."""
    page = story_page(story, {"claims"}, now=now or timezone.now(), claim_counts=claim_counts)
    return page.claim_groups, page.figures


# Tuples with names rather than dicts: the template reads `group.status`, and Jinja2 tries an
# attribute before a key, so each read of a dict raised and caught an AttributeError (about 100 a
# story page).
class ClaimGroup(NamedTuple):
    """The story page's newest claims of one verification status, and how many it has."""

    status: str
    label: str
    count: int
    claims: list[Claim]


class FigureGroup(NamedTuple):
    """The story page's figures for one measure (more than one: competing figures)."""

    measure: str
    claims: list[Claim]


def _claim_groups(newest: list[Claim], figures: list[Claim], claim_counts: dict) -> tuple[list, list]:
    grouped = {status: [] for status in STATUS_ORDER}
    for claim in newest:
        grouped[claim.verification_status].append(claim)
    groups = [
        ClaimGroup(status, status.label, claim_counts[status], grouped[status])
        for status in STATUS_ORDER if claim_counts.get(status)
    ]
    figure_groups = [
        FigureGroup(measure, list(group))
        for measure, group in groupby(figures, key=lambda claim: claim.stat_measure or claim.text)
    ]
    return groups, figure_groups


# --- People and sources ------------------------------------------------------------------------


def story_actors(story: Story, *, now: datetime | None = None):
    """Published actors who took part in the story's events or made its claims: people first.

    Asked of each published actor, walking the people-first index and stopping after the few
    shown, rather than gathered from every event and claim of the story: the cost follows the
    site's published actors, not the story's size. The question starts from the actor's own
    rows (its participations, its claims) and checks the event or claim by its key: asked the
    other way round, SQLite without statistics read every event of the story for every actor
    (27 ms at 10,000 events). It is one EXISTS over a union: as two EXISTS under an OR,
    PostgreSQL answered each for all the site's actors at once (8 ms at 10,000 events).
    A QuerySet, for the list filters' choices too.
    """
    now = now or timezone.now()
    took_part = EventParticipation.objects.filter(actor=OuterRef("pk")).filter(
        Exists(Event.objects.published_in(story, now=now).filter(pk=OuterRef("event_id")))
    ).values("pk")
    made_a_claim = Claim.objects.filter(claimant=OuterRef("pk")).filter(
        Exists(Claim.objects.published_in(story, now=now).filter(pk=OuterRef("pk")))
    ).values("pk")
    return (
        Actor.objects.published(now=now)
        .filter(Exists(took_part.union(made_a_claim, all=True)))
        .order_by("kind_rank", "name", "pk")
    )


_ACTORS = CompiledQuery(
    lambda story, now: story_actors(_story(story), now=now).values_list(*ACTOR.names)[:ACTORS_ON_STORY_PAGE],
    generic_plan=True, in_index_order=True, join_by_key=True, story=int, now=datetime,
)


def actors_shown(story: Story, *, now: datetime | None = None) -> list[Actor]:
    now = now or timezone.now()
    return [ACTOR.load(row) for row in _ACTORS.rows(story=story.pk, now=now)]


def story_sources(story: Story, *, now: datetime | None = None):
    """Published sources cited by the story's published claims and events, newest first, without
    their text. Asked of each source in that order (EXISTS, stopping after the few shown), so
    the cost follows neither the story nor the site's sources; each citation's claim or event
    is checked by its key against the one publishing rule."""
    now = now or timezone.now()
    current = Citation.objects.filter(is_stale=False, source=OuterRef("pk"))
    by_claim = current.filter(Exists(Claim.objects.published_in(story, now=now).filter(pk=OuterRef("claim_id"))))
    by_event = current.filter(Exists(Event.objects.published_in(story, now=now).filter(pk=OuterRef("event_id"))))
    # One EXISTS over a union, as for the actors: under an OR, PostgreSQL hashed every published
    # claim of the story to test each citation (0.7 ms at 2,000 claims).
    return (
        Source.objects.published(now=now).without_text()
        .filter(Exists(by_claim.values("pk").union(by_event.values("pk"), all=True)))
        .order_by(F("source_published_at").desc(nulls_last=True), "title", "pk")
    )


_SOURCES = CompiledQuery(
    lambda story, now: story_sources(_story(story), now=now).values_list(*SOURCE.names)[:SOURCES_ON_STORY_PAGE + 1],
    generic_plan=True, in_index_order=True, join_by_key=True, story=int, now=datetime,
)


def sources_shown(story: Story, *, now: datetime | None = None) -> list[Source]:
    """The sources list, one more than is shown (so the page can say there are more)."""
    now = now or timezone.now()
    return [SOURCE.load(row) for row in _SOURCES.rows(story=story.pk, now=now)]


# --- The story page's sections, read together ------------------------------------------------

# The queries each section of the story page asks first, knowing only the story and the moment.
_FIRST_QUERIES = {
    "updates": lambda story, now: [(_LATEST_UPDATES, {"story": story.pk, "now": now})],
    "counts": lambda story, now: tallies.story_counts_calls(story, now=now),
    "timeline": lambda story, now: [(_TIMELINE, {"story": story.pk, "now": now})],
    "claims": lambda story, now: [(_NEWEST_PER_STATUS, {"story": story.pk, "now": now}),
                                  (_FIGURES, {"story": story.pk, "now": now})],
    "actors": lambda story, now: [(_ACTORS, {"story": story.pk, "now": now})],
    "sources": lambda story, now: [(_SOURCES, {"story": story.pk, "now": now})],
}
STORY_PAGE_SECTIONS = tuple(_FIRST_QUERIES)


@dataclass(frozen=True)
class StoryPage:
    """What the story page's sections show; a section not read is empty."""

    updates: list[Update]
    counts: tallies.StoryCounts | None
    timeline: list[Event]
    claim_groups: list[ClaimGroup]
    figures: list[FigureGroup]
    actors: list[Actor]
    sources: list[Source]


def story_page(story: Story, sections, *, now: datetime, claim_counts: dict | None = None) -> StoryPage:
    """The story page's `sections` (of STORY_PAGE_SECTIONS: those whose fragments are not cached),
    read together (latest_updates(), timeline_window() and claims_shown() read one each): the
    sections' first queries in one round
    trip (compiled.sending_ahead), what those found asks next in another (the updates' links and
    corrections, the claims' claimants, the backing of the claims and of the timeline), then the
    backing of what the updates link."""
    sections = set(sections)
    if not sections:
        return StoryPage(updates=[], counts=None, timeline=[], claim_groups=[], figures=[], actors=[], sources=[])
    if "claims" in sections and claim_counts is None:
        sections.add("counts")
    with compiled.sending_ahead([call for section in sections for call in _FIRST_QUERIES[section](story, now)]):
        updates = _updates(_LATEST_UPDATES.rows(story=story.pk, now=now), story) if "updates" in sections else []
        counts = story_counts(story, now=now) if "counts" in sections else None
        timeline = _events(_TIMELINE.rows(story=story.pk, now=now), story) if "timeline" in sections else []
        newest, figures = [], []
        if "claims" in sections:
            newest = _claims(_NEWEST_PER_STATUS.rows(story=story.pk, now=now), story)
            figures = _claims(_FIGURES.rows(story=story.pk, now=now), story)
        actors = actors_shown(story, now=now) if "actors" in sections else []
        sources = sources_shown(story, now=now) if "sources" in sections else []
    shown = [*newest, *figures]
    with compiled.sending_ahead([
        *_update_link_calls(updates, now=now), *_claimant_calls(shown),
        *_backing_calls(claims=shown, events=timeline, now=now),
    ]):
        attach_update_links(updates, story=story, now=now)
        attach_claimants(shown)
        attach_backing(claims=shown, events=timeline, now=now)
    if claim_counts is None and counts is not None:
        claim_counts = counts.claims_by_status
    claim_groups, figure_groups = _claim_groups(newest, figures, claim_counts) if "claims" in sections else ([], [])
    return StoryPage(updates=updates, counts=counts, timeline=timeline, claim_groups=claim_groups,
                     figures=figure_groups, actors=actors, sources=sources)
