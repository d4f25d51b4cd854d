"""The desk says when a story's key developments are older than what readers got since."""

from datetime import timedelta

import pytest
from django.utils import timezone

from stories import locking, publishing
from stories.key_developments import stale_key_developments
from stories.models import Story

from .factories import admin_url, draft, make_event, make_story, make_update

pytestmark = pytest.mark.django_db


def story_edited_hours_ago(hours: float) -> Story:
    story = make_story(key_developments="Talks resume in London")
    story.history.update(history_date=timezone.now() - timedelta(hours=hours))
    return story


def test_story_desk_warns_when_a_key_event_came_out_after_the_key_developments(client, editor):
    client.force_login(editor)
    story = story_edited_hours_ago(4)
    make_event(story, title="Sides agree a framework", is_key_event=True,
               published_at=timezone.now() - timedelta(hours=1))

    page = client.get(admin_url(story)).content.decode()
    listing = client.get(admin_url(Story, "changelist")).content.decode()

    message = ("Key developments last edited 3\xa0hours before the newest key event “Sides agree a framework” "
               "— check they are current.")
    assert message in page
    assert "Check: older than the newest key event" in listing and message in listing


def test_a_pinned_update_newer_than_the_key_developments_flags_them():
    story = story_edited_hours_ago(2)
    make_update(story, headline="Trump: deal with China is done", is_pinned=True,
                published_at=timezone.now() - timedelta(minutes=30))
    stale = stale_key_developments(story)
    assert (stale.newer_kind, stale.newer_title) == ("pinned update", "Trump: deal with China is done")


def test_drafts_and_ordinary_events_do_not_flag_the_key_developments():
    story = story_edited_hours_ago(4)
    make_event(story, is_key_event=True, **draft())
    make_event(story, is_key_event=False, published_at=timezone.now())
    make_update(story, is_pinned=False, published_at=timezone.now())
    assert stale_key_developments(story) is None


def test_editing_the_key_developments_clears_the_warning_but_other_edits_do_not(editor):
    story = story_edited_hours_ago(4)
    make_event(story, title="Sides agree a framework", is_key_event=True,
               published_at=timezone.now() - timedelta(hours=1))

    before = locking.lock_for_edit(Story, story.pk)
    story.standfirst = "A new standfirst."
    publishing.save_from_desk(obj=story, user=editor, before=before)
    assert stale_key_developments(Story.objects.get(pk=story.pk)) is not None

    story = Story.objects.get(pk=story.pk)
    before = locking.lock_for_edit(Story, story.pk)
    story.key_developments = "Talks resume in London\nSides agree a framework"
    publishing.save_from_desk(obj=story, user=editor, before=before)
    assert stale_key_developments(Story.objects.get(pk=story.pk)) is None


def test_a_story_without_key_developments_is_not_flagged():
    story = make_story(key_developments="")
    make_event(story, is_key_event=True, published_at=timezone.now())
    assert stale_key_developments(story) is None
