"""What the reader pages show — the story page, the live poll, and the claim, event, actor,
update and source pages — read with compiled queries.

These are the site's hottest reads: every reader after an edit, a deploy or a cache flush renders
the story page from them, the poll renders each changed update, and the detail pages are the long
tail readers and crawlers follow, each rendered afresh after any edit (their fragments are keyed
on the content stamp). Each query is built once by the same QuerySet methods the rest of the
site uses (`published_in()`, `Citation.objects.backing()`), compiled once per process
(stories/compiled.py), and its rows become model instances with `Model.from_db()`, carrying the
same attributes the ORM's prefetches set (`backing_citations`, `linked_claims`, …), so the
templates and markup are those of every other page.

Citations behind a badge are plain rows (`BackingCitation`): they feed `confidence.backing_for()`
and name a publication, and borrow their rules from the models (`Citation.confirmed_support`,
`Publishable.is_published`) rather than restating them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache, partial
from itertools import groupby
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Exists, F, Model, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from . import compiled, tallies
from .compiled import CompiledQuery, JoinedColumns, ModelColumns
from .models import (
    BACKING_CITATIONS,
    LINKED_CLAIMS,
    LINKED_EVENTS,
    PUBLISHED_PARTICIPATIONS,
    SHOWN_CORRECTIONS,
    Actor,
    Citation,
    Claim,
    ClaimKind,
    ClaimQuerySet,
    ClaimStatusChange,
    Correction,
    Event,
    EventParticipation,
    Publishable,
    Source,
    Story,
    Update,
    VerificationStatus,
    cited_order_key,
    words_around,
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
ACTOR_SHOWN = ("status", "published_at", "kind", "name", "slug", "role_title", "kind_rank")
ACTOR = ModelColumns(Actor, only=ACTOR_SHOWN)
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


def _load_other_stories(rows, story: Story | None) -> None:
    """A claim or event an update links may belong to another story (its address names it)."""
    others = {row.story_id for row in rows if row.story_id is not None and (story is None or row.story_id != story.pk)}
    if not others:
        return
    stories = Story.objects.in_bulk(others)
    for row in rows:
        if row.story_id in stories:
            row.story = stories[row.story_id]


def update_page(update: Update, *, now: datetime | None = None) -> Update:
    """The update as its own page shows it: its card's links and corrections (attach_update_links),
    and the speakers of the claims it links, whose cards name them."""
    attach_update_links([update], story=update.story, now=now or timezone.now())
    attach_claimants(getattr(update, LINKED_CLAIMS))
    return update


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
    lambda story, now: story_actors(_story(story), now=now).values_list(*ACTOR.names)[:ACTORS_ON_STORY_PAGE + 1],
    generic_plan=True, in_index_order=True, join_by_key=True, story=int, now=datetime,
)


def actors_shown(story: Story, *, now: datetime | None = None) -> list[Actor]:
    """The people list, one more than is shown (so the page can say there are more)."""
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


# --- A claim's and an event's pages ------------------------------------------------------------

COMPETING_FIGURES = 12
CITATION = ModelColumns(Citation)
CITED_SOURCE = ModelColumns(Source, path="source", omit=("text",))
SET_CITATION_SOURCE = CITATION.related("source")
IN_CONTEXT = tuple(words_around())
STATUS_CHANGE = ModelColumns(ClaimStatusChange)
PARTICIPATION = ModelColumns(EventParticipation)
PARTICIPANT = ModelColumns(Actor, path="actor", only=ACTOR_SHOWN)
SET_PARTICIPANT = PARTICIPATION.related("actor")
# A claim card's claim and its claimant (an outer join: none for a claim with no speaker named).
CLAIMANT = ModelColumns(Actor, path="claimant", only=ACTOR_SHOWN)
CLAIM_CARD = (*CLAIM.names, *CLAIMANT.names)


def _quoted(target: str) -> CompiledQuery:
    """A claim's or an event's citations as its page quotes them: those that back it, each with
    the words around its excerpt."""
    return CompiledQuery(
        lambda pk, now: Citation.objects.backing(now=now).in_context().filter(**{f"{target}_id": pk})
        .values_list(*CITATION.names, *CITED_SOURCE.names, *IN_CONTEXT),
        pk=int, now=datetime,
    )


def _reported_in(relation: str) -> CompiledQuery:
    """The published updates that link a claim or an event, newest first."""
    return CompiledQuery(
        lambda pk, now: Update.objects.published(now=now).filter(**{relation: pk})
        .order_by("-posted_at", "-pk").values_list(*UPDATE.names),
        pk=int, now=datetime,
    )


_QUOTED = {"claim": _quoted("claim"), "event": _quoted("event")}
_REPORTED_IN = {"claim": _reported_in("claims"), "event": _reported_in("events")}
_STATUS_CHANGES = CompiledQuery(
    lambda claim: ClaimStatusChange.objects.filter(claim_id=claim).order_by("changed_at", "pk")
    .values_list(*STATUS_CHANGE.names),
    claim=int,
)
# In the claims' own order (made_at, pk), as the claim's `contradicts` lists them.
_CONTRADICTING = CompiledQuery(
    lambda claim, now: Claim.objects.published(now=now).filter(contradicts=claim).values_list(*CLAIM_CARD),
    claim=int, now=datetime,
)
_EVENTS_BY_ID = CompiledQuery(
    lambda ids, now: Event.objects.published(now=now).filter(pk__in=ids).values_list(*EVENT.names),
    ids=list, now=datetime,
)
# Figures only, as the story page groups them: the figures index yields the first few in order
# however many claims of the story share the measure.
_COMPETING = CompiledQuery(
    lambda story, measure, claim, now: Claim.objects.published_in(_story(story), now=now)
    .filter(kind=ClaimKind.STATISTIC, stat_measure=measure).exclude(pk=claim)
    .values_list(*CLAIM_CARD)[:COMPETING_FIGURES],
    story=int, measure=str, claim=int, now=datetime,
)
_PARTICIPANTS = CompiledQuery(
    lambda event, now: EventParticipation.objects.published(now=now).filter(event_id=event)
    .values_list(*PARTICIPATION.names, *PARTICIPANT.names),
    event=int, now=datetime,
)
# Claims an event bore out or contradicted, and claims made at it, in the claims' own order.
_OUTCOMES = CompiledQuery(
    lambda event, now: Claim.objects.published(now=now).filter(outcome_event_id=event).values_list(*CLAIM_CARD),
    event=int, now=datetime,
)
_MADE_AT = CompiledQuery(
    lambda event, now: Claim.objects.published(now=now).filter(event_id=event).values_list(*CLAIM_CARD),
    event=int, now=datetime,
)


def _quotations(rows) -> list[Citation]:
    citations = []
    for row in rows:
        citation = CITATION.load(row)
        SET_CITATION_SOURCE(citation, CITED_SOURCE.load(row, len(CITATION)))
        citation.text_before, citation.text_after, citation.context_chars = row[-len(IN_CONTEXT):]
        citations.append(citation)
    return citations


def _in_their_stories(rows, story: Story | None) -> None:
    """Give each row its story (its address names it): `story` where it is theirs, else read."""
    for row in rows:
        if story is not None and row.story_id == story.pk:
            row.story = story
    _load_other_stories(rows, story)


def _claim_cards(rows) -> list[Claim]:
    """Claims read with their claimants (CLAIM_CARD), ready for their cards but for the backing."""
    claims = []
    for row in rows:
        claim = CLAIM.load(row)
        if claim.claimant_id is not None:
            SET_CLAIMANT(claim, CLAIMANT.load(row, len(CLAIM)))
        claims.append(claim)
    return claims


@dataclass(frozen=True)
class ClaimPage:
    """What a claim's page shows: the claim (its badge counting the citations quoted) and its
    lists, each what readers may see."""

    claim: Claim
    citations: list[Citation]
    status_changes: list[ClaimStatusChange]
    contradictions: list[Claim]
    event: Event | None
    outcome_event: Event | None
    updates: list[Update]
    competing: list[Claim]


def claim_page(claim: Claim, *, now: datetime | None = None) -> ClaimPage:
    """The claim page's lists, their queries in one round trip and the backing of their claims in
    another. Sets the claim's backing citations (those the page quotes), so its badge
    counts what the page shows."""
    now = now or timezone.now()
    story = claim.story if claim.story_id else None
    events = [pk for pk in (claim.event_id, claim.outcome_event_id) if pk is not None]
    competes = claim.kind == ClaimKind.STATISTIC and bool(claim.stat_measure) and story is not None
    calls = [
        (_QUOTED["claim"], {"pk": claim.pk, "now": now}),
        (_STATUS_CHANGES, {"claim": claim.pk}),
        (_CONTRADICTING, {"claim": claim.pk, "now": now}),
        (_REPORTED_IN["claim"], {"pk": claim.pk, "now": now}),
        *([(_EVENTS_BY_ID, {"ids": events, "now": now})] if events else []),
        *([(_COMPETING, {"story": story.pk, "measure": claim.stat_measure, "claim": claim.pk, "now": now})]
          if competes else []),
    ]
    quoted, changes, contradicting, updates, *rest = compiled.rows_together(calls)
    found = {event.pk: event for event in map(EVENT.load, rest.pop(0))} if events else {}
    competing = _claim_cards(rest.pop(0)) if competes else []
    citations = _quotations(quoted)
    setattr(claim, BACKING_CITATIONS, citations)
    contradictions = _claim_cards(contradicting)
    shown_updates = list(map(UPDATE.load, updates))
    _in_their_stories([*contradictions, *competing, *found.values(), *shown_updates], story)
    attach_backing(claims=[*contradictions, *competing], now=now)
    return ClaimPage(
        claim=claim,
        citations=citations,
        status_changes=list(map(STATUS_CHANGE.load, changes)),
        contradictions=contradictions,
        event=found.get(claim.event_id),
        outcome_event=found.get(claim.outcome_event_id),
        updates=shown_updates,
        competing=competing,
    )


@dataclass(frozen=True)
class EventPage:
    """What an event's page shows: the event (its badge counting the citations quoted) and its
    lists, each what readers may see."""

    event: Event
    citations: list[Citation]
    participations: list[EventParticipation]
    outcomes: list[Claim]
    claims_made: list[Claim]
    updates: list[Update]


def event_page(event: Event, *, now: datetime | None = None) -> EventPage:
    """The event page's lists, their queries in one round trip and the backing of their claims in
    another. Sets the event's backing citations (those the page quotes)."""
    now = now or timezone.now()
    story = event.story
    quoted, participants, outcomes, made, updates = compiled.rows_together([
        (_QUOTED["event"], {"pk": event.pk, "now": now}),
        (_PARTICIPANTS, {"event": event.pk, "now": now}),
        (_OUTCOMES, {"event": event.pk, "now": now}),
        (_MADE_AT, {"event": event.pk, "now": now}),
        (_REPORTED_IN["event"], {"pk": event.pk, "now": now}),
    ])
    citations = _quotations(quoted)
    setattr(event, BACKING_CITATIONS, citations)
    participations = []
    for row in participants:
        participation = PARTICIPATION.load(row)
        SET_PARTICIPANT(participation, PARTICIPANT.load(row, len(PARTICIPATION)))
        participations.append(participation)
    setattr(event, PUBLISHED_PARTICIPATIONS, participations)
    outcome_claims, claims_made = _claim_cards(outcomes), _claim_cards(made)
    shown_updates = list(map(UPDATE.load, updates))
    _in_their_stories([*outcome_claims, *claims_made, *shown_updates], story)
    attach_backing(claims=[*outcome_claims, *claims_made], now=now)
    return EventPage(event=event, citations=citations, participations=participations, outcomes=outcome_claims,
                     claims_made=claims_made, updates=shown_updates)


# --- An actor's page ---------------------------------------------------------------------------

ACTOR_LIST_PAGE = 30
ACTOR_MEMBERS = 50
ACTOR_CONTRADICTIONS = 20
# The first pages of an actor's lists are compiled, one statement each; a later page is built when
# asked, so a crawler paging far leaves no statement per page in the process or the session.
COMPILED_LIST_PAGES = 4
# What a list row reads of its story: the addresses, the title, the zone its times are shown in.
STORY_NAMED = ModelColumns(
    Story, path="story", only=("status", "published_at", "title", "slug", "timezone"),
)


def _claims_by(actor, now):
    return Claim.objects.published(now=now).filter(claimant_id=actor)


def _events_of(actor, now):
    return Event.objects.published(now=now).filter(participations__actor_id=actor)


# Each list in its order, and how many it has (one row, or none for none).
_ACTOR_LISTS = {
    "claims": lambda actor, now: _claims_by(actor, now).order_by(*NEWEST_FIRST)
    .values_list(*CLAIM.names, *STORY_NAMED.names),
    "events": lambda actor, now: _events_of(actor, now).order_by("occurred_at", "pk")
    .values_list(*EVENT.names, *STORY_NAMED.names),
}
_ACTOR_LIST_COLUMNS = {"claims": CLAIM, "events": EVENT}
_ACTOR_COUNTS = {
    "claims": CompiledQuery(
        lambda actor, now: _claims_by(actor, now).order_by().values("claimant_id").annotate(n=Count("pk"))
        .values_list("n"),
        actor=int, now=datetime,
    ),
    "events": CompiledQuery(
        lambda actor, now: _events_of(actor, now).order_by().values("participations__actor_id")
        .annotate(n=Count("pk")).values_list("n"),
        actor=int, now=datetime,
    ),
}
_MEMBERS = CompiledQuery(
    lambda actor, now: Actor.objects.published(now=now).filter(affiliation_id=actor)
    .values_list(*ACTOR.names)[:ACTOR_MEMBERS],
    actor=int, now=datetime,
)
# Pairs of the actor's claims an editor marked as contradicting, each pair once. Conditions on the
# two joined claims rather than `from_claim__in=<published claims>`: each subquery joined a claim
# and a story again, and PostgreSQL took 2.5 ms to plan ten tables.
_CONTRADICTION_PAIRS = CompiledQuery(
    lambda actor, now: Claim.contradicts.through.objects
    .filter(ClaimQuerySet.visible("from_claim__", now=now), ClaimQuerySet.visible("to_claim__", now=now),
            from_claim__claimant_id=actor)
    .filter(~Q(to_claim__claimant_id=actor) | Q(from_claim__lt=F("to_claim")))
    .order_by("from_claim__made_at", "from_claim_id", "to_claim_id")
    .values_list("from_claim_id", "to_claim_id")[:ACTOR_CONTRADICTIONS],
    actor=int, now=datetime,
)
_CLAIM_CARDS_BY_ID = CompiledQuery(
    lambda ids: Claim.objects.filter(pk__in=ids).order_by().values_list(*CLAIM_CARD, *STORY_NAMED.names),
    ids=list,
)


@lru_cache(maxsize=None)
def _compiled_list_page(name: str, index: int) -> CompiledQuery:
    start = index * ACTOR_LIST_PAGE
    return CompiledQuery(
        lambda actor, now: _ACTOR_LISTS[name](actor, now)[start:start + ACTOR_LIST_PAGE], actor=int, now=datetime,
    )


def _list_page_call(name: str, index: int, actor: Actor, now: datetime):
    return (_compiled_list_page(name, index), {"actor": actor.pk, "now": now}) if index < COMPILED_LIST_PAGES else None


def _list_page(name: str, index: int, actor: Actor, now: datetime) -> list:
    """Page `index` (from 0) of the actor's claims or events, each with its story."""
    call = _list_page_call(name, index, actor, now)
    if call is not None:
        rows = call[0].rows(**call[1])
    else:
        start = index * ACTOR_LIST_PAGE
        rows = list(_ACTOR_LISTS[name](actor.pk, now)[start:start + ACTOR_LIST_PAGE])
    return _with_stories(list(map(_ACTOR_LIST_COLUMNS[name].load, rows)), rows)


def _page_index(raw) -> int:
    """The page a list's page parameter most likely names (0 from the first), before the count is known."""
    try:
        return max(int(raw) - 1, 0)
    except (TypeError, ValueError):
        return 0


class _Counted:
    """A list of `count` rows for Paginator, of which it reads only the page it shows: read(index)
    gives that page's rows (index from 0)."""

    def __init__(self, count: int, read) -> None:
        self._count, self._read = count, read

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, window: slice) -> list:
        return self._read(window.start // ACTOR_LIST_PAGE)


@dataclass(frozen=True)
class ActorPage:
    """What an actor's page lists, each what readers may see: their claims and the events they took
    part in (a page of each, with the count), the actors that are part of them, and pairs of their
    claims an editor judged to contradict each other."""

    claims: Page
    events: Page
    members: list[Actor]
    contradictions: list[tuple[Claim, Claim]]


def _with_stories(items: list, rows) -> list:
    """Set each claim's or event's story from the story columns ending its row (STORY_NAMED), each
    story made once."""
    stories: dict[int, Story] = {}
    for item, row in zip(items, rows, strict=True):
        story = stories.get(item.story_id)
        if story is None:
            story = stories[item.story_id] = STORY_NAMED.load(row, len(row) - len(STORY_NAMED))
        item.story = story
    return items


def actor_page(actor: Actor, *, claims_page=None, events_page=None, now: datetime | None = None) -> ActorPage:
    """The actor page's lists: the counts, the members, the contradicting pairs and the pages most
    likely asked for (`claims_page`, `events_page`: the raw page parameters, any bad one giving a
    valid page as Paginator.get_page does) in one round trip; the pairs' claims and the backing of
    every claim shown in another."""
    now = now or timezone.now()
    asked = {"claims": claims_page, "events": events_page}
    guesses = [_list_page_call(name, _page_index(raw), actor, now) for name, raw in asked.items()]
    first = [
        (_ACTOR_COUNTS["claims"], {"actor": actor.pk, "now": now}),
        (_ACTOR_COUNTS["events"], {"actor": actor.pk, "now": now}),
        (_MEMBERS, {"actor": actor.pk, "now": now}),
        (_CONTRADICTION_PAIRS, {"actor": actor.pk, "now": now}),
    ]
    with compiled.sending_ahead([*first, *(call for call in guesses if call is not None)]):
        claim_count, event_count, members, pairs = (query.rows(**values) for query, values in first)
        counts = {"claims": claim_count, "events": event_count}
        pages = {
            name: Paginator(
                _Counted(counts[name][0][0] if counts[name] else 0, partial(_list_page, name, actor=actor, now=now)),
                ACTOR_LIST_PAGE,
            ).get_page(raw)
            for name, raw in asked.items()
        }
    claims = list(pages["claims"].object_list)
    for claim in claims:
        SET_CLAIMANT(claim, actor)
    pair_ids = list(dict.fromkeys(pk for pair in pairs for pk in pair))
    shown_ids = [*(claim.pk for claim in claims), *pair_ids]
    with compiled.sending_ahead([
        *([(_CLAIM_CARDS_BY_ID, {"ids": pair_ids})] if pair_ids else []),
        *([(_BACKING["claim"], {"ids": shown_ids, "now": now})] if shown_ids else []),
    ]):
        rows = _CLAIM_CARDS_BY_ID.rows(ids=pair_ids) if pair_ids else []
        by_id = {claim.pk: claim for claim in _with_stories(_claim_cards(rows), rows)}
        paired = [by_id[pk] for pk in pair_ids]
        attach_backing(claims=[*claims, *paired], now=now)
    return ActorPage(
        claims=pages["claims"], events=pages["events"], members=list(map(ACTOR.load, members)),
        contradictions=[(by_id[first], by_id[second]) for first, second in pairs],
    )


# --- A source's page ---------------------------------------------------------------------------

# What the source page reads of a citation's claim or event: the link, its words, its rating.
CITED_CLAIM = ModelColumns(
    Claim, path="claim", only=("status", "published_at", "kind", "text", "verification_status"),
)
CITED_EVENT = ModelColumns(Event, path="event", only=("status", "published_at", "title", "story"))
CITED_EVENT_STORY = ModelColumns(
    Story, path="event__story", only=("status", "published_at", "title", "slug", "timezone"),
)
SET_CITED_CLAIM, SET_CITED_EVENT = CITATION.related("claim"), CITATION.related("event")
_ON_SOURCE = CompiledQuery(
    lambda source, now: Citation.objects.filter(source_id=source).shown_on_source(now=now).order_by("start", "pk")
    .values_list(*CITATION.names, *CITED_CLAIM.names, *CITED_EVENT.names, *CITED_EVENT_STORY.names),
    source=int, now=datetime,
)


def source_citations(source: Source, *, now: datetime | None = None) -> list[Citation]:
    """The citations a source's page highlights, in the text's order, each with the claim or event
    it backs (as Citation.objects.shown_on_source() gives them)."""
    citations = []
    claim_at = len(CITATION)
    event_at = claim_at + len(CITED_CLAIM)
    story_at = event_at + len(CITED_EVENT)
    for row in _ON_SOURCE.rows(source=source.pk, now=now or timezone.now()):
        citation = CITATION.load(row)
        SET_CITED_CLAIM(citation, CITED_CLAIM.load(row, claim_at))
        event = CITED_EVENT.load(row, event_at)
        if event is not None:
            SET_EVENT_STORY(event, CITED_EVENT_STORY.load(row, story_at))
        SET_CITED_EVENT(citation, event)
        citations.append(citation)
    return citations


# --- The rows detail pages are about -----------------------------------------------------------


def _the_row(columns: JoinedColumns, query: CompiledQuery, what: str, **values) -> Model:
    """The published row `query` finds for these values (and now), or 404."""
    # A number no key can be (an address ending in 20 digits) finds nothing, as the ORM's
    # lookups decide, rather than overflowing the database's integer.
    low, high = connection.ops.integer_field_range(columns.model._meta.pk.get_internal_type())
    if "pk" in values and not low <= values["pk"] <= high:
        rows = []
    else:
        rows = query.rows(**values, now=timezone.now())
    if not rows:
        raise Http404(f"No published {what} is at this address.")
    return columns.load(rows[0])


CLAIM_ROW = JoinedColumns(Claim, ["claimant", "story"])
EVENT_ROW = JoinedColumns(Event, ["story"])
UPDATE_ROW = JoinedColumns(Update, ["story", "author"])
ACTOR_ROW = JoinedColumns(Actor, ["affiliation", "affiliation__affiliation", "affiliation__affiliation__affiliation"])
SOURCE_ROW = JoinedColumns(Source)
_CLAIM_ROW = CompiledQuery(
    lambda pk, now: Claim.objects.published(now=now).filter(pk=pk).values_list(*CLAIM_ROW.names), pk=int, now=datetime,
)
_EVENT_ROW = CompiledQuery(
    lambda slug, pk, now: Event.objects.published(now=now).filter(story__slug=slug, pk=pk)
    .values_list(*EVENT_ROW.names),
    slug=str, pk=int, now=datetime,
)
_UPDATE_ROW = CompiledQuery(
    lambda slug, pk, now: Update.objects.published(now=now).filter(story__slug=slug, pk=pk)
    .values_list(*UPDATE_ROW.names),
    slug=str, pk=int, now=datetime,
)
_ACTOR_ROW = CompiledQuery(
    lambda slug, now: Actor.objects.published(now=now).filter(slug=slug).values_list(*ACTOR_ROW.names),
    slug=str, now=datetime,
)
_SOURCE_ROW = CompiledQuery(
    lambda slug, now: Source.objects.published(now=now).filter(slug=slug).values_list(*SOURCE_ROW.names),
    slug=str, now=datetime,
)


def claim_row(*, pk: int) -> Claim:
    """The published claim numbered `pk`, with its claimant and story, or 404 (for stamped_row)."""
    return _the_row(CLAIM_ROW, _CLAIM_ROW, "claim", pk=pk)


def event_row(*, slug: str, pk: int) -> Event:
    """The published event `pk` of the story at `slug`, with its story, or 404."""
    return _the_row(EVENT_ROW, _EVENT_ROW, "event", slug=slug, pk=pk)


def update_row(*, slug: str, pk: int) -> Update:
    """The published update `pk` of the story at `slug`, with its story and author, or 404."""
    return _the_row(UPDATE_ROW, _UPDATE_ROW, "update", slug=slug, pk=pk)


def actor_row(*, slug: str) -> Actor:
    """The published actor at `slug`, with their affiliation chain (person → body → country), or 404."""
    return _the_row(ACTOR_ROW, _ACTOR_ROW, "actor", slug=slug)


def source_row(*, slug: str) -> Source:
    """The published source at `slug`, or 404."""
    return _the_row(SOURCE_ROW, _SOURCE_ROW, "source", slug=slug)
