"""SQL queries per request do not grow with the story: every public page, feed and API endpoint
is asked for at N = 10 and N = 1,000 events (claims and updates in proportion), cold (every cache
empty) and warm (asked again, caches as the first request left them), and must cost the same at
both sizes, within a fixed budget."""

from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stories.caching import clear_every_cache
from stories.stamps import site_stamp
from stories.filters import ClaimFilter, EventFilter, UpdateFilter
from stories.models import Actor, Claim, Event, Source, Update, VerificationStatus

from .factories import build_story

pytestmark = pytest.mark.django_db

COLD_BUDGET = 20
# Warm: a stamped page or API answer costs the stamp query and nothing else.
WARM_BUDGET = 1


def with_query(url: str, filterset, **params) -> str:
    """`url` with filter parameters, each checked to be a real filter of `filterset`."""
    unknown = set(params) - set(filterset.base_filters)
    assert not unknown, f"{filterset.__name__} has no filter {unknown}"
    return f"{url}?{urlencode(params)}"


def public_urls(story) -> dict[str, str]:
    update = Update.objects.filter(story=story).order_by("-posted_at").first()
    event = Event.objects.filter(story=story).order_by("-occurred_at").first()
    claim = Claim.objects.filter(story=story).order_by("-pk").first()
    actor = Actor.objects.filter(claims__story=story).order_by("pk").first()
    source = Source.objects.filter(citations__claim__story=story).order_by("pk").first()
    slug = {"slug": story.slug}
    return {
        "home": reverse("stories:home"),
        "story": reverse("stories:story-detail", kwargs=slug),
        "updates": with_query(reverse("stories:story-updates", kwargs=slug), UpdateFilter, key="true"),
        "timeline": with_query(reverse("stories:story-timeline", kwargs=slug), EventFilter, key="true"),
        "claims": with_query(reverse("stories:story-claims", kwargs=slug), ClaimFilter,
                             verification_status=VerificationStatus.CORROBORATED),
        "update": update.get_absolute_url(),
        "event": event.get_absolute_url(),
        "claim": claim.get_absolute_url(),
        "actor": actor.get_absolute_url(),
        "source": source.get_absolute_url(),
        "search": f"{reverse('stories:search')}?{urlencode({'q': 'talks'})}",
        "story feed": reverse("stories:story-feed-atom", kwargs=slug),
        "site feed": reverse("stories:feed-rss"),
        "events csv": reverse("stories:story-events-csv", kwargs=slug),
        "timelinejs": reverse("stories:story-timeline-json", kwargs=slug),
        "sitemap": reverse("sitemap"),
        "poll": f"{reverse('stories:update-poll', kwargs=slug)}?{urlencode({'after': story.update_sequence - 3})}",
        "api stories": reverse("api:story-list"),
        "api updates": f"{reverse('api:update-list')}?{urlencode({'story': story.slug})}",
        "api events": f"{reverse('api:event-list')}?{urlencode({'story': story.slug})}",
        "api claims": f"{reverse('api:claim-list')}?{urlencode({'story': story.slug})}",
        "api actors": reverse("api:actor-list"),
        "api sources": reverse("api:source-list"),
        "api claim": reverse("api:claim-detail", kwargs={"pk": claim.pk}),
    }


# Answered without the stamped cache by design: search (any query string), feeds, the sitemap and
# the poll, each with its own HTTP caching. Warm, they cost what they cost cold.
NOT_STAMPED = {"search", "story feed", "site feed", "sitemap", "poll"}


def count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


def test_queries_per_request_do_not_grow_from_10_to_1000_events_cold_or_warm(client):
    small = build_story(10, slug="budget-small")
    large = build_story(1000, slug="budget-large")
    # On PostgreSQL a database session prepares each compiled statement (the stamp's, the story
    # page's) on first use: one extra query once per session, not per page, so every page is
    # asked for once before counting.
    site_stamp()
    for story in (small, large):
        for url in public_urls(story).values():
            client.get(url)
    counts = {}
    for story in (small, large):
        for page, url in public_urls(story).items():
            clear_every_cache()
            counts[(page, "cold", story.events.count())] = count(client, url)
            counts[(page, "warm", story.events.count())] = count(client, url)
    for page in public_urls(small):
        for state in ("cold", "warm"):
            at_10, at_1000 = counts[(page, state, 10)], counts[(page, state, 1000)]
            assert at_10 == at_1000, f"{page}, {state}: {at_10} queries at N=10 but {at_1000} at N=1,000"
        assert counts[(page, "cold", 1000)] <= COLD_BUDGET, f"{page}: {counts[(page, 'cold', 1000)]} queries cold"
        warm_budget = counts[(page, "cold", 1000)] if page in NOT_STAMPED else WARM_BUDGET
        assert counts[(page, "warm", 1000)] <= warm_budget, f"{page}: {counts[(page, 'warm', 1000)]} queries warm"
