"""sitemap.xml lists only published pages, each with a lastmod; robots.txt points to it."""

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from stories.models import PublicationStatus, Story
from tests.factories import make_actor, make_claim, make_event, make_source, make_story, make_update

pytestmark = pytest.mark.django_db
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def sitemap_entries(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    tree = ElementTree.fromstring(response.content)
    return {
        url.find("s:loc", NS).text.removeprefix("http://testserver"): url.find("s:lastmod", NS).text
        for url in tree.findall("s:url", NS)
    }


def test_sitemap_lists_published_pages_with_lastmod(client):
    story = make_story()
    update = make_update(story=story)
    event = make_event(story=story)
    claim = make_claim(story=story)
    actor = make_actor()
    source = make_source()
    entries = sitemap_entries(client)
    for obj in (story, update, event, claim, actor, source):
        assert obj.get_absolute_url() in entries
        assert entries[obj.get_absolute_url()] == timezone.now().date().isoformat()


def test_sitemap_leaves_out_drafts_scheduled_and_rows_of_draft_stories(client):
    draft_story = make_story(status=PublicationStatus.DRAFT, published_at=None)
    hidden = [
        draft_story,
        make_update(story=draft_story),
        make_event(story=draft_story),
        make_update(story=make_story(), published_at=timezone.now() + timedelta(days=1)),
        make_actor(status=PublicationStatus.DRAFT, published_at=None),
        make_source(status=PublicationStatus.DRAFT, published_at=None),
        make_claim(status=PublicationStatus.DRAFT, published_at=None),
    ]
    entries = sitemap_entries(client)
    for obj in hidden:
        assert obj.get_absolute_url() not in entries


def test_story_lastmod_follows_its_latest_update(client):
    month_ago = timezone.now() - timedelta(days=30)
    story = make_story(published_at=month_ago)
    Story.objects.filter(pk=story.pk).update(updated_at=month_ago)
    assert sitemap_entries(client)[story.get_absolute_url()] == month_ago.date().isoformat()
    update = make_update(story=story, published_at=timezone.now() - timedelta(minutes=5))
    assert sitemap_entries(client)[story.get_absolute_url()] == update.published_at.date().isoformat()


def test_robots_txt_points_to_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Disallow: /admin/" in lines


@pytest.mark.parametrize("size", [2, 20])
def test_sitemap_query_count_does_not_grow(client, django_assert_max_num_queries, size):
    for _ in range(size):
        story = make_story()
        make_update(story=story)
        make_event(story=story)
    with django_assert_max_num_queries(14):
        client.get("/sitemap.xml")
