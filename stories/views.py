"""Reader pages. Every query starts from a `published()` QuerySet; templates never query on their own.

Each page is a thin view that fetches its object and a `_render_*` function that builds the rest.
The staff preview calls the same `_render_*` with a draft, so a preview is exactly the reader page.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.core.paginator import Paginator
from django.db.models import F, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from . import page_data
from .caching import page_cache, stamped_page, stamped_row
from .downloads import events_csv, timeline_json
from .filters import ClaimFilter, EventFilter, UpdateFilter
from .images import prepared_renditions
from .models import (
    Actor,
    Claim,
    Event,
    Source,
    Story,
    Update,
)
from .live import poll_interval
from .permissions import can_preview
from .preview import object_for_token
from .structured_data import actor_json_ld, claim_review_json_ld, story_json_ld
from .search import KINDS, MAX_QUERY_LENGTH, search_page
from .stamps import request_stamp
from .markup import highlight_citations, look_up_fragments, look_up_update_fragments

PAGE_SIZE = 25


def _paginate(request, queryset, per_page: int = PAGE_SIZE, param: str = "page"):
    """A page of results; any bad page number (text, huge, negative) gives a valid page, not an error."""
    return Paginator(queryset, per_page).get_page(request.GET.get(param))


def _when_read(compute):
    """compute(), run the first time a template reads the value: detail pages cache their body as
    a fragment keyed on the content stamp, and a fragment that hits never reads it."""
    return SimpleLazyObject(compute)


def _with_prefetched(obj, lookups):
    """`obj` with lookups() prefetched, when first read (see _when_read): building the prefetch
    querysets alone costs more than a warm page."""

    def load():
        prefetch_related_objects([obj], *lookups())
        return obj

    return _when_read(load)


@require_safe
def favicon(request):
    """Browsers and crawlers ask for /favicon.ico whatever the page says: send them to the icon."""
    response = redirect(static("favicon.svg"), permanent=True)
    patch_cache_control(response, public=True, max_age=86400)
    return response


# --- Home and search -----------------------------------------------------------------------------


@page_cache
@stamped_page
def home(request):
    stories = Story.objects.published().for_list_page()
    live = list(stories.filter(is_live=True)[:10])
    recent = _paginate(request, stories.filter(is_live=False), per_page=20)
    return render(request, "stories/home.html", {
        "live_stories": live, "recent": recent,
        "renditions": prepared_renditions(*((story.lead_image, "card") for story in [*live, *recent])),
    })


@page_cache
def search(request):
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    kind = request.GET.get("kind", "")
    if kind not in KINDS:
        kind = ""
    page = search_page(query, request.GET.get("page"), kind=kind or None) if query else None
    return render(request, "stories/search.html", {
        "query": query, "kind": kind, "kinds": KINDS.values(), "page": page,
    })


# --- Story ---------------------------------------------------------------------------------------


@page_cache
@stamped_page
def story_detail(request, slug):
    story = stamped_row(request, Story, page_data.story_page_row, slug=slug)
    return _render_story(request, story)


# The story page's cached fragments: what each shows beyond the story and the content stamp, and
# the sections of page_data whose queries it needs when it is not cached.
def _story_fragments(request, story, poll) -> dict[str, tuple[tuple, tuple]]:
    return {
        "story-json-ld": ((story, request.build_absolute_uri(request.path)), ("updates",)),
        "story-updates": ((story, poll), ("updates", "counts")),
        "story-aside": ((story,), ("actors", "claims", "counts")),
        "story-timeline": ((story,), ("timeline", "counts")),
        "story-claims": ((story,), ("claims", "counts")),
        "story-sources": ((story,), ("sources",)),
    }


def _render_story(request, story, *, is_preview: bool = False):
    """The story page. Its sections are cached keyed on the content stamp (stamps.py), so each
    section's queries run only inside a cache miss. The fragments are looked up together first;
    the sections not cached are read together (page_data.story_page) before rendering, and a page
    whose fragments were all found reads none. All of them read the story as of one moment."""
    now = timezone.now()
    poll = poll_interval()
    stamp = None if is_preview else request_stamp(request)
    looked_up, missing = {}, []
    if is_preview:
        needed = page_data.STORY_PAGE_SECTIONS
    else:
        fragments = _story_fragments(request, story, poll)
        looked_up, missing = look_up_fragments(stamp, {name: vary_on for name, (vary_on, _) in fragments.items()})
        needed = {section for name in missing for section in fragments[name][1]}
    # Read at once rather than behind lazy proxies: each template read of a proxy costs two Python
    # calls (some 300 on a story page), and every section read here is one a missed fragment shows.
    page = page_data.story_page(story, needed, now=now)
    updates = page.updates
    if "story-updates" in missing:
        looked_up.update(look_up_update_fragments(stamp, updates))
    context = {
        "story": story,
        "is_preview": is_preview,
        "stamp": stamp,
        "fragments_looked_up": looked_up,
        "counts": page.counts,
        "updates": updates,
        "timeline": page.timeline,
        "claim_groups": page.claim_groups,
        "figures": page.figures,
        "actors": page.actors,
        "actors_shown": page_data.ACTORS_ON_STORY_PAGE,
        "sources": page.sources,
        "sources_shown": page_data.SOURCES_ON_STORY_PAGE,
        "renditions": SimpleLazyObject(lambda: prepared_renditions(
            (story.lead_image, "full"), *((update.image, "card") for update in updates)
        )),
        # A callable: the template calls it only when the JSON-LD fragment is not cached.
        "structured_data": None if is_preview else (
            lambda: story_json_ld(story, updates, build_uri=request.build_absolute_uri)
        ),
        "poll_interval": poll,
    }
    return render(request, "stories/story_detail.html", context)


def _story_for_list(request, slug):
    return get_object_or_404(Story.objects.published(), slug=slug)


@page_cache
@stamped_page
def story_updates(request, slug):
    story = _story_for_list(request, slug)
    filterset = UpdateFilter(
        request.GET, Update.objects.published_in(story).order_by("-posted_at", "-pk"),
        tz=story.tzinfo, actors=page_data.story_actors(story), request=request,
    )
    page = _paginate(request, filterset.qs.for_list(), per_page=20)
    stamp = request_stamp(request)
    return render(request, "stories/story_updates.html", {
        "story": story, "filter": filterset, "page": page, "stamp": stamp,
        "fragments_looked_up": look_up_update_fragments(stamp, page),
        "renditions": prepared_renditions(*((update.image, "card") for update in page)),
    })


@page_cache
@stamped_page
def story_timeline(request, slug):
    story = _story_for_list(request, slug)
    filterset = EventFilter(
        request.GET, Event.objects.published_in(story).order_by("occurred_at", "pk"),
        tz=story.tzinfo, actors=page_data.story_actors(story), request=request,
    )
    page = _paginate(request, filterset.qs.for_timeline(), per_page=50)
    return render(request, "stories/story_timeline.html", {"story": story, "filter": filterset, "page": page})


@page_cache
@stamped_page
def story_claims(request, slug):
    story = _story_for_list(request, slug)
    filterset = ClaimFilter(
        # Newest first, as the updates are: a reader of a developing story wants what was said
        # last; claims with no known date cannot be placed, so they come after every dated one.
        request.GET, Claim.objects.published_in(story).order_by(F("made_at").desc(nulls_last=True), "-pk"),
        tz=story.tzinfo, actors=page_data.story_actors(story), request=request,
    )
    page = _paginate(request, filterset.qs.for_list(), per_page=30)
    return render(request, "stories/story_claims.html", {"story": story, "filter": filterset, "page": page})


# --- Updates, events, claims ---------------------------------------------------------------------


@page_cache
@stamped_page
def update_detail(request, slug, pk):
    update = stamped_row(request, Update, page_data.update_row, slug=slug, pk=pk)
    return _render_update(request, update)


def _render_update(request, update, *, is_preview: bool = False):
    return render(request, "stories/update_detail.html", {
        "story": update.story, "update": update, "is_preview": is_preview,
        "shown": _when_read(lambda: page_data.update_page(update)),
        "renditions": _when_read(lambda: prepared_renditions((update.image, "full"))),
    })


@page_cache
@stamped_page
def event_detail(request, slug, pk):
    event = stamped_row(request, Event, page_data.event_row, slug=slug, pk=pk)
    return _render_event(request, event)


def _render_event(request, event, *, is_preview: bool = False):
    return render(request, "stories/event_detail.html", {
        "story": event.story, "event": event, "is_preview": is_preview,
        "page": _when_read(lambda: page_data.event_page(event)),
    })


@page_cache
@stamped_page
def claim_detail(request, pk):
    claim = stamped_row(request, Claim, page_data.claim_row, pk=pk)
    return _render_claim(request, claim)


def _render_claim(request, claim, *, is_preview: bool = False):
    return render(request, "stories/claim_detail.html", {
        "story": claim.story, "claim": claim, "is_preview": is_preview,
        "page": _when_read(lambda: page_data.claim_page(claim)),
        # A callable: the template calls it only when the JSON-LD fragment is not cached.
        "structured_data": None if is_preview else (
            lambda: claim_review_json_ld(claim, build_uri=request.build_absolute_uri)
        ),
        # A candidate claim in preview may not belong to a story yet.
        "tz": claim.story.tzinfo if claim.story_id else ZoneInfo("UTC"),
    })


# --- Actors and sources --------------------------------------------------------------------------


@page_cache
@stamped_page
def actor_detail(request, slug):
    actor = stamped_row(request, Actor, page_data.actor_row, slug=slug)
    return _render_actor(request, actor)


def _affiliation_chain(actor) -> list:
    """Person → body → country, stopping at the first link readers cannot see."""
    chain, seen, parent = [], {actor.pk}, actor.affiliation
    while parent is not None and parent.pk not in seen and parent.is_published() and len(chain) < 3:
        chain.append(parent)
        seen.add(parent.pk)
        parent = parent.affiliation
    return chain


def _render_actor(request, actor, *, is_preview: bool = False):
    # Every list is built when the template first reads it: the page body is a fragment, and on
    # a hit building the querysets alone cost more than the rest of the page.
    return render(request, "stories/actor_detail.html", {
        "actor": actor,
        "is_preview": is_preview,
        "affiliation_chain": _affiliation_chain(actor),
        "lists": _when_read(lambda: page_data.actor_page(
            actor, claims_page=request.GET.get("claims_page"), events_page=request.GET.get("events_page"),
        )),
        "renditions": _when_read(lambda: prepared_renditions((actor.photo, "card"))),
        # A callable: the template calls it only when the JSON-LD fragment is not cached.
        "structured_data": None if is_preview else (
            lambda: actor_json_ld(_with_prefetched(actor, lambda: ["aliases"]), build_uri=request.build_absolute_uri)
        ),
    })


@page_cache
@stamped_page
def source_detail(request, slug):
    source = stamped_row(request, Source, page_data.source_row, slug=slug)
    return _render_source(request, source)


def _render_source(request, source, *, is_preview: bool = False):
    citations = _when_read(lambda: page_data.source_citations(source))
    return render(request, "stories/source_detail.html", {
        "source": source,
        "is_preview": is_preview,
        "citations": citations,
        "highlighted_text": _when_read(lambda: highlight_citations(source.text, citations)),
    })


# --- Staff preview -------------------------------------------------------------------------------

PREVIEW_PAGES = {
    Story: (lambda obj: Story.objects.for_detail_page().get(pk=obj.pk), _render_story),
    Update: (lambda obj: Update.objects.select_related("story", "author").get(pk=obj.pk), _render_update),
    Event: (lambda obj: Event.objects.select_related("story").get(pk=obj.pk), _render_event),
    Claim: (lambda obj: Claim.objects.select_related("claimant", "story").get(pk=obj.pk), _render_claim),
    Actor: (lambda obj: Actor.objects.for_detail_page().get(pk=obj.pk), _render_actor),
    Source: (lambda obj: obj, _render_source),
}


@never_cache
def preview(request, token):
    """A draft exactly as readers will see it, for staff holding a valid, unexpired preview link."""
    if not request.user.is_authenticated:
        raise Http404("No preview here.")
    obj = object_for_token(token)
    if obj is None or type(obj) not in PREVIEW_PAGES:
        raise Http404("This preview link is invalid or has expired.")
    if not can_preview(request.user, obj):
        raise Http404("No preview here.")
    fetch, render_page = PREVIEW_PAGES[type(obj)]
    return render_page(request, fetch(obj), is_preview=True)


# --- Downloads ---------------------------------------------------------------------------------


@require_GET
@stamped_page
def story_events_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """The story's published events as a CSV download."""
    story = get_object_or_404(Story.objects.published(), slug=slug)
    response = HttpResponse(
        events_csv(story, base_url=request.build_absolute_uri("/")[:-1]), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{story.slug}-events.csv"'
    patch_cache_control(response, public=True, max_age=300)
    return response


@require_GET
@stamped_page
def story_timeline_json(request: HttpRequest, slug: str) -> JsonResponse:
    """The story's published events as a TimelineJS document."""
    story = get_object_or_404(Story.objects.published(), slug=slug)
    response = JsonResponse(timeline_json(story), json_dumps_params={"ensure_ascii": False})
    patch_cache_control(response, public=True, max_age=300)
    return response
