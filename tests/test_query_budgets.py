"""SQL queries per request do not grow with the story: every public page, feed and API endpoint
is asked for at N = 10 and N = 1,000 events (claims and updates in proportion), cold (every cache
empty) and warm, and must cost the same, within a fixed budget."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.synthetic import build_story
from stories.caching import clear_every_cache
from stories.models import Actor, Claim, Event, Source, Update

pytestmark = pytest.mark.django_db

COLD_BUDGET = 20




def public_urls(story) -> dict[str, str]:
    update = Update.objects.filter(story=story).order_by("-posted_at").first()
    event = Event.objects.filter(story=story).order_by("-occurred_at").first()
    claim = Claim.objects.filter(story=story).order_by("-pk").first()
    actor = Actor.objects.filter(claims__story=story).order_by("pk").first()
    source = Source.objects.filter(citations__claim__story=story).order_by("pk").first()
    base = story.get_absolute_url()
    return {
        "home": "/",
        "story": base,
        "updates": f"{base}updates/",
        "timeline": f"{base}timeline/?key_events=on",
        "claims": f"{base}claims/?verification_status=corroborated",
        "update": update.get_absolute_url(),
        "event": event.get_absolute_url(),
        "claim": claim.get_absolute_url(),
        "actor": actor.get_absolute_url(),
        "source": source.get_absolute_url(),
        "search": "/search/?q=talks",
        "story feed": f"{base}feed/atom/",
        "site feed": "/feed/rss/",
        "events csv": f"{base}events.csv",
        "timelinejs": f"{base}timeline.json",
        "sitemap": "/sitemap.xml",
        "poll": f"{base}updates/poll/?after={story.update_sequence - 3}",
        "api stories": "/api/v1/stories/",
        "api updates": f"/api/v1/updates/?story={story.slug}",
        "api events": f"/api/v1/events/?story={story.slug}",
        "api claims": f"/api/v1/claims/?story={story.slug}",
        "api actors": "/api/v1/actors/",
        "api sources": "/api/v1/sources/",
        "api claim": f"/api/v1/claims/{claim.pk}/",
    }


def count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


def test_queries_per_request_do_not_grow_from_10_to_1000_events(client):
    small = build_story(10, slug="budget-small")
    large = build_story(1000, slug="budget-large")
    counts = {}
    for story in (small, large):
        for page, url in public_urls(story).items():
            clear_every_cache()
            counts[(page, story.events.count())] = count(client, url)
    for page in public_urls(small):
        at_10, at_1000 = counts[(page, 10)], counts[(page, 1000)]
        assert at_10 == at_1000, f"{page}: {at_10} queries at N=10 but {at_1000} at N=1,000"
        assert at_1000 <= COLD_BUDGET, f"{page}: {at_1000} queries"
