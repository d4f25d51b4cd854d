"""RSS and Atom feeds: only published items; a correction is an updated entry, not a new one."""

from datetime import timedelta

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone

from stories.models import Correction, PublicationStatus
from tests.factories import make_story, make_update

pytestmark = pytest.mark.django_db


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    return feed


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_story_feed_lists_only_published_updates(client, kind):
    story = make_story()
    visible = make_update(story=story, headline="Talks open")
    make_update(story=story, headline="Draft note", status=PublicationStatus.DRAFT, published_at=None)
    make_update(story=story, headline="Embargoed", published_at=timezone.now() + timedelta(hours=1))
    feed = parse(client, reverse(f"stories:story-feed-{kind}", kwargs={"slug": story.slug}))
    assert [entry.title for entry in feed.entries] == ["Talks open"]
    assert feed.entries[0].link.endswith(visible.get_absolute_url())


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_site_feed_lists_only_published_stories(client, kind):
    make_story(title="Out now")
    make_story(title="Not yet", status=PublicationStatus.DRAFT, published_at=None)
    feed = parse(client, reverse(f"stories:feed-{kind}"))
    assert [entry.title for entry in feed.entries] == ["Out now"]


def test_feed_of_a_draft_story_is_a_404(client):
    story = make_story(status=PublicationStatus.DRAFT, published_at=None)
    make_update(story=story)
    assert client.get(reverse("stories:story-feed-atom", kwargs={"slug": story.slug})).status_code == 404


def test_corrected_update_is_an_updated_entry_with_its_note(client):
    story = make_story()
    update = make_update(story=story, headline="Exports fell", body="Exports fell 43%.")
    url = reverse("stories:story-feed-atom", kwargs={"slug": story.slug})
    before = parse(client, url).entries[0]

    update.body = "Exports fell 34.5%."
    update.save()
    Correction.objects.create(update=update, note="An earlier version said 43%.",
                              corrected_at=timezone.now() + timedelta(minutes=1))
    after = parse(client, url).entries[0]

    assert after.id == before.id, "the same entry, not a new one"
    assert after.updated_parsed > before.updated_parsed
    assert after.published_parsed == before.published_parsed
    assert "An earlier version said 43%." in after.summary and "34.5%" in after.summary


def test_feed_escapes_editor_html(client):
    story = make_story()
    make_update(story=story, body="<script>alert(1)</script>")
    response = client.get(reverse("stories:story-feed-rss", kwargs={"slug": story.slug}))
    assert b"<script>" not in response.content
    entry = feedparser.parse(response.content).entries[0]
    assert "<script>" not in entry.summary


@pytest.mark.parametrize("size", [2, 20])
def test_story_feed_query_count_does_not_grow(client, django_assert_max_num_queries, size):
    story = make_story()
    for n in range(size):
        update = make_update(story=story)
        Correction.objects.create(update=update, note=f"n{n}")
    with django_assert_max_num_queries(3):
        client.get(reverse("stories:story-feed-rss", kwargs={"slug": story.slug}))
