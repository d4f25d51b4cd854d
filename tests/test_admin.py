"""The editors' desk in Django admin, driven as an editor or a reporter would: real pages, real posts.

Forms are submitted from the HTML the page rendered (every field, hidden ones included), the way
a browser would, so a test cannot pass by posting data the page never offered.
"""

import io
import re
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from stories import publishing, review
from stories.dates import Precision
from stories.images import SPECS
from stories.models import (
    Actor,
    ActorAlias,
    Citation,
    Claim,
    ClaimKind,
    ClaimStatusChange,
    Correction,
    Event,
    EventParticipation,
    ImportRecord,
    PublicationStatus,
    Rendition,
    ReviewState,
    Source,
    SourceRevision,
    Story,
    Update,
    VerificationStatus,
)

from .autocomplete import choose
from .factories import (
    admin_url,
    client_for,
    cite,
    draft,
    errors_on,
    form_data,
    make_actor,
    make_claim,
    make_event,
    make_source,
    make_staff,
    make_story,
    make_update,
    submit,
)

pytestmark = pytest.mark.django_db


# --- Who can reach admin -----------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    story = make_story()
    for url in [
        reverse("admin:index"), admin_url(Story, "changelist"), admin_url(story), admin_url(Update, "add"),
        reverse("admin:stories_claim_review"), reverse("admin:stories_citation_source_text", args=[1]),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url


def test_a_logged_in_reader_without_staff_status_cannot_reach_admin(client):
    client.force_login(User.objects.create_user("reader", password="a-long-test-password"))
    response = client.get(admin_url(Story, "changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# --- Reporters: drafts yes, publishing no, on every path ---------------------------------------


def test_reporter_publish_attempt_on_the_change_form_leaves_a_draft(as_reporter):
    update = make_update(**draft(headline="Talks resume"))
    page = as_reporter.get(admin_url(update))
    assert 'publication' not in form_data(page)  # shown, but disabled

    response = submit(as_reporter, admin_url(update), {
        "publication": "at", "publish_at_0": "2025-06-10", "publish_at_1": "10:00",
        "headline": "Talks resume in London",
    })

    assert response.status_code == 302
    update.refresh_from_db()
    assert update.headline == "Talks resume in London"
    assert (update.status, update.published_at) == (PublicationStatus.DRAFT, None)
    assert not Update.objects.published().filter(pk=update.pk).exists()


def test_reporter_cannot_post_to_a_published_updates_change_form(as_reporter):
    update = make_update(headline="Talks resume")
    page = as_reporter.get(admin_url(update))
    assert page.status_code == 200  # view only
    assert b'name="_save"' not in page.content

    response = as_reporter.post(admin_url(update), {**form_data(page), "headline": "Hijacked"})

    assert response.status_code == 403
    assert Update.objects.get(pk=update.pk).headline == "Talks resume"


def test_reporter_cannot_publish_with_the_bulk_action(as_reporter):
    update = make_update(**draft())
    page = as_reporter.get(admin_url(Update, "changelist"))
    assert b'value="publish_now"' not in page.content

    as_reporter.post(admin_url(Update, "changelist"), {"action": "publish_now", "_selected_action": [update.pk]})

    assert Update.objects.get(pk=update.pk).status == PublicationStatus.DRAFT


def test_reporter_cannot_publish_through_list_editable(as_reporter):
    update = make_update(**draft())
    url = admin_url(Update, "changelist")

    response = submit(as_reporter, url, {"form-0-status": "published", "_save": "Save"}, form_id="changelist-form")

    assert response.status_code in {200, 302}
    assert Update.objects.get(pk=update.pk).status == PublicationStatus.DRAFT


def test_reporter_cannot_unpin_a_published_update_through_list_editable(as_reporter):
    update = make_update(is_pinned=True)
    response = submit(as_reporter, admin_url(Update, "changelist"),
                      {"form-0-is_pinned": None, "_save": "Save"}, form_id="changelist-form")
    assert response.status_code in {200, 302}
    assert Update.objects.get(pk=update.pk).is_pinned


def test_pinning_a_new_update_unpins_the_old_one_and_says_so(as_editor, editor):
    story = make_story()
    old = make_update(story, headline="Talks begin", is_pinned=True)
    sequence = Story.objects.get(pk=story.pk).update_sequence
    response = submit(as_editor, f"{admin_url(Update, 'add')}?story={story.pk}", {
        "story": str(story.pk), "headline": "Deal agreed", "body": "Both sides agreed a framework.",
        "is_pinned": "on",
    }, follow=True)
    assert "Unpinned “Talks begin”: “Deal agreed” is pinned now." in response.content.decode()
    assert list(Update.objects.filter(story=story, is_pinned=True).values_list("headline", flat=True)) == ["Deal agreed"]
    old.refresh_from_db()
    assert old.history.latest().history_change_reason == "Unpinned: “Deal agreed” was pinned"
    assert old.sequence > sequence  # readers polling see the old one unpinned


def test_an_editor_can_keep_both_updates_pinned(as_editor):
    story = make_story()
    make_update(story, headline="Talks begin", is_pinned=True)
    submit(as_editor, f"{admin_url(Update, 'add')}?story={story.pk}", {
        "story": str(story.pk), "headline": "Deal agreed", "body": "Both sides agreed a framework.",
        "is_pinned": "on", "keep_other_pins": "on",
    })
    assert set(Update.objects.filter(story=story, is_pinned=True).values_list("headline", flat=True)) == {
        "Talks begin", "Deal agreed",
    }


def test_pinning_in_the_update_list_unpins_the_other_pinned_update(as_editor):
    story = make_story()
    old = make_update(story, headline="Talks begin", is_pinned=True)
    new = make_update(story, headline="Deal agreed", posted_at=timezone.now() + timedelta(minutes=1))
    page = as_editor.get(admin_url(Update, "changelist"))
    data = form_data(page, "changelist-form")
    row = next(k.split("-")[1] for k, v in data.items() if k.endswith("-id") and v == [str(new.pk)])
    data.update({f"form-{row}-is_pinned": ["on"], "_save": ["Save"]})
    as_editor.post(admin_url(Update, "changelist"), data)
    assert Update.objects.get(pk=new.pk).is_pinned
    assert not Update.objects.get(pk=old.pk).is_pinned


def test_pinning_in_another_story_leaves_this_storys_pin_alone(editor):
    pinned = make_update(is_pinned=True)
    other = make_update()
    before = Update.objects.get(pk=other.pk)
    other.is_pinned = True
    publishing.save_from_desk(obj=other, user=editor, before=before)
    assert Update.objects.get(pk=pinned.pk).is_pinned


def test_a_reporter_pinning_a_draft_is_told_it_would_unpin_a_published_update(as_reporter):
    story = make_story()
    published = make_update(story, headline="Talks begin", is_pinned=True)
    response = submit(as_reporter, f"{admin_url(Update, 'add')}?story={story.pk}", {
        "story": str(story.pk), "headline": "Deal agreed", "body": "Both sides agreed a framework.",
        "is_pinned": "on",
    })
    assert response.status_code == 200
    assert "Pinning this unpins “Talks begin”, which is published" in errors_on(response)
    assert Update.objects.get(pk=published.pk).is_pinned
    assert not Update.objects.filter(headline="Deal agreed").exists()


def test_reporter_cannot_delete_published_work_and_neither_can_an_editor_before_unpublishing(
    as_reporter, as_editor, editor
):
    update = make_update()
    assert as_reporter.post(admin_url(update, "delete"), {"post": "yes"}).status_code == 403
    assert as_editor.post(admin_url(update, "delete"), {"post": "yes"}).status_code == 403
    publishing.unpublish(objects=[update], user=editor)
    assert as_editor.post(admin_url(update, "delete"), {"post": "yes"}).status_code == 302
    assert not Update.objects.filter(pk=update.pk).exists()


def test_reporter_cannot_set_a_verification_status_on_the_form_or_the_list(as_reporter):
    claim = make_claim(**draft(verification_status=VerificationStatus.UNVERIFIED))
    submit(as_reporter, admin_url(claim), {"verification_status": "corroborated"})
    submit(as_reporter, admin_url(Claim, "changelist"),
           {"form-0-verification_status": "corroborated", "_save": "Save"}, form_id="changelist-form")
    assert Claim.objects.get(pk=claim.pk).verification_status == VerificationStatus.UNVERIFIED
    assert not ClaimStatusChange.objects.exists()


def test_reporter_cannot_open_the_review_queue(as_reporter):
    assert as_reporter.get(reverse("admin:stories_claim_review")).status_code == 403


EDITOR_ONLY_PAGES = {
    "the review queue": (lambda: reverse("admin:stories_claim_review"), "open the review queue"),
    "users": (lambda: admin_url(User, "changelist"), "open the list of users"),
    "a group": (lambda: admin_url(Group.objects.get(name="Editor")), "open this group"),
    "sign-in records": (lambda: admin_url(AccessAttempt, "changelist"), "open the list of access attempts"),
    "deleting a published update": (lambda: admin_url(make_update(), "delete"), "delete this update"),
    "deleting a published claim": (lambda: admin_url(make_claim(), "delete"), "delete this claim"),
    "adding a status step by hand": (lambda: admin_url(ClaimStatusChange, "add"), "add a claim status change"),
}


@pytest.mark.parametrize("page", EDITOR_ONLY_PAGES)
def test_a_reporter_on_an_editor_only_page_is_told_what_and_whom_to_ask_on_a_desk_page(
    as_reporter, editor, page,
):
    url, attempt = EDITOR_ONLY_PAGES[page]
    came_from = "http://testserver" + admin_url(Story, "changelist")
    response = as_reporter.get(url(), HTTP_REFERER=came_from)
    assert response.status_code == 403
    assert "admin/base_site.html" in [t.name for t in response.templates]
    html = response.content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Newsroom desk" in text  # the desk's header, not a bare 403
    assert f"You tried to {attempt}, which your role on the desk does not allow." in text
    assert f"Ask an editor to do it for you: {editor.username}." in text
    assert f'<a class="button" href="{came_from}">Go back</a>' in html


def test_the_way_back_from_a_refusal_never_leaves_the_site(as_reporter):
    response = as_reporter.get(reverse("admin:stories_claim_review"), HTTP_REFERER="https://evil.example/phish")
    assert response.status_code == 403
    assert f'<a class="button" href="{reverse("admin:index")}">Go back</a>' in response.content.decode()


# --- Editors: publishing, scheduling, story time -----------------------------------------------


def test_editor_publishes_through_list_editable_and_the_time_is_filled_in(as_editor):
    update = make_update(**draft())
    response = submit(as_editor, admin_url(Update, "changelist"),
                      {"form-0-status": "published", "_save": "Save"}, form_id="changelist-form")
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.status == PublicationStatus.PUBLISHED
    assert abs(update.published_at - timezone.now()) < timedelta(minutes=1)
    assert update.sequence == 1


def test_publish_at_is_entered_and_shown_in_the_storys_zone_and_stored_in_utc(as_editor):
    story = make_story()
    update = make_update(story, **draft())

    response = submit(as_editor, admin_url(update), {
        "publication": "at", "publish_at_0": "2025-06-10", "publish_at_1": "10:00",
        "posted_at_0": "2025-06-10", "posted_at_1": "09:55",
    })

    assert response.status_code == 302
    update.refresh_from_db()
    assert update.published_at == datetime(2025, 6, 10, 9, 0, tzinfo=UTC)  # 10:00 BST
    page = as_editor.get(admin_url(update))
    assert 'value="10:00:00"' in page.content.decode()
    assert "Europe/London (BST)" in page.content.decode()
    assert "Published June 10, 2025, 10:00 BST" in page.content.decode()


@pytest.mark.parametrize("model", [Story, Actor, Source, Event, Claim])
def test_every_publishing_time_is_labelled_when_readers_can_see_it(as_editor, model):
    page = re.sub(r"\s+", " ", as_editor.get(admin_url(model, "add")).content.decode())
    assert re.search(r'field-published_at">.{0,300}?<label[^>]*>When readers can see it:</label>', page), model
    assert "Publish at" not in page


def test_a_sources_own_date_is_labelled_when_the_article_appeared(as_editor):
    page = re.sub(r"\s+", " ", as_editor.get(admin_url(Source, "add")).content.decode())
    assert re.search(r'field-source_published_at">.{0,300}?<label[^>]*>When the article appeared:</label>', page)
    assert "Source published at" not in page


def test_a_winter_time_is_labelled_gmt(as_editor):
    update = make_update(published_at=datetime(2025, 12, 1, 10, 0, tzinfo=UTC))
    page = as_editor.get(admin_url(update)).content.decode()
    assert "Europe/London (GMT)" in page
    assert 'value="10:00:00"' in page


def test_scheduled_update_goes_live_at_its_publish_at_time(as_editor):
    story = make_story()
    update = make_update(story, **draft())
    soon = timezone.localtime(timezone.now() + timedelta(hours=3), story.tzinfo).replace(second=0, microsecond=0)

    submit(as_editor, admin_url(update), {
        "publication": "at", "publish_at_0": soon.strftime("%Y-%m-%d"), "publish_at_1": soon.strftime("%H:%M"),
    })

    update.refresh_from_db()
    assert update.published_at == soon
    assert not Update.objects.published().filter(pk=update.pk).exists()
    listing = as_editor.get(admin_url(Update, "changelist")).content.decode()
    assert "Scheduled" in listing
    with mock.patch("django.utils.timezone.now", return_value=soon + timedelta(seconds=1)):
        assert Update.objects.published().filter(pk=update.pk).exists()


def test_event_dates_keep_the_precision_they_were_written_with(as_editor):
    story = make_story()
    response = submit(as_editor, admin_url(Event, "add"), {
        "story": str(story.pk), "title": "Geneva truce", "when": "2025-05", "ends": "2025-08-12",
    })
    assert response.status_code == 302, errors_on(response)
    event = Event.objects.get(title="Geneva truce")
    assert (event.precision, event.ends_precision) == (Precision.MONTH, Precision.DAY)
    assert event.occurred_at == datetime(2025, 4, 30, 23, 0, tzinfo=UTC)
    assert event.when_display() == "May 2025 – August 12, 2025"

    page = as_editor.get(admin_url(event)).content.decode()
    assert 'value="2025-05"' in page
    assert "Readers see: May 2025." in page


def test_a_minute_precise_event_time_is_read_in_the_storys_zone(as_editor):
    event = make_event(make_story())
    submit(as_editor, admin_url(event), {"when": "2025-06-10T10:00"})
    event.refresh_from_db()
    assert (event.occurred_at, event.precision) == (datetime(2025, 6, 10, 9, 0, tzinfo=UTC), Precision.MINUTE)
    assert event.when_display() == "June 10, 2025, 10:00 BST"


def test_an_impossible_event_date_is_a_clear_form_error(as_editor):
    event = make_event(make_story(), title="Talks open")
    response = submit(as_editor, admin_url(event), {"when": "2025-13"})
    assert response.status_code == 200
    assert "2025-13" in errors_on(response)
    assert Event.objects.get(pk=event.pk).title == "Talks open"


# --- The story desk and the Post update flow ---------------------------------------------------


def test_story_page_shows_its_updates_events_and_claims_with_counts(as_editor):
    story = make_story()
    make_update(story, headline="Talks resume at Lancaster House")
    make_update(story, **draft(headline="Draft: Xi call"))
    make_event(story, title="Geneva truce")
    make_claim(story, text="Talks are going well")
    page = as_editor.get(admin_url(story)).content.decode()
    assert "Updates (2)" in page and "1 published · 0 scheduled · 1 draft" in page
    assert "Talks resume at Lancaster House" in page and "Draft: Xi call" in page
    assert "Events (1)" in page and "Geneva truce" in page
    assert "Claims (1)" in page and "Talks are going well" in page
    assert f'{reverse("admin:stories_update_add")}?story={story.pk}' in page


def test_reporter_posts_an_update_from_the_story_and_it_waits_for_an_editor(as_reporter, reporter):
    story = make_story()
    claim, event = make_claim(story), make_event(story)
    url = f"{admin_url(Update, 'add')}?story={story.pk}"

    response = submit(as_reporter, url, {
        "headline": "Lutnick: talks going well", "body": "The commerce secretary said talks were going well.",
        "is_pinned": "on", "claims": [str(claim.pk)], "events": [str(event.pk)],
    })

    assert response.status_code == 302
    assert response["Location"] == admin_url(story)
    update = Update.objects.get(headline="Lutnick: talks going well")
    assert (update.story, update.author, update.status, update.is_pinned) == (story, reporter, "draft", True)
    assert list(update.claims.all()) == [claim] and list(update.events.all()) == [event]
    assert not Update.objects.published().filter(pk=update.pk).exists()


def test_editor_posts_and_publishes_an_update_in_one_step(as_editor):
    story = make_story()
    url = f"{admin_url(Update, 'add')}?story={story.pk}"
    page = as_editor.get(url)
    assert form_data(page)["publication"] == ["draft"]

    response = as_editor.post(url, {**form_data(page), "headline": "Talks end", "body": "Both sides left.",
                                    "publication": "now"})

    assert response.status_code == 302
    update = Update.objects.get(headline="Talks end")
    assert Update.objects.published().filter(pk=update.pk).exists()
    assert Story.objects.get(pk=story.pk).update_sequence == update.sequence == 1


def test_the_update_form_has_one_publishing_control(as_editor):
    page = as_editor.get(admin_url(Update, "add")).content.decode()
    assert re.findall(r'name="publication" value="(\w+)"', page) == ["draft", "now", "at"]
    for old_control in ('name="status"', 'name="published_at_0"', 'name="_publish_now"'):
        assert old_control not in page


def test_a_live_update_saved_as_it_is_keeps_its_publication_time(as_editor):
    update = make_update(published_at=datetime(2025, 6, 10, 9, 0, tzinfo=UTC))
    assert submit(as_editor, admin_url(update), {"kind": "analysis"}).status_code == 302
    update.refresh_from_db()
    assert (update.status, update.published_at, update.kind) == ("published", datetime(2025, 6, 10, 9, 0, tzinfo=UTC),
                                                                  "analysis")


def test_choosing_draft_takes_a_live_update_off_the_site(as_editor):
    update = make_update()
    assert submit(as_editor, admin_url(update), {"publication": "draft"}).status_code == 302
    assert not Update.objects.published().filter(pk=update.pk).exists()
    assert Update.objects.get(pk=update.pk).sequence == Story.objects.get(pk=update.story_id).update_sequence == 1


def test_publishing_at_a_set_time_without_the_time_asks_for_it(as_editor):
    update = make_update(**draft())
    response = submit(as_editor, admin_url(update), {"publication": "at"})
    assert response.status_code == 200
    assert "Give the time readers can see it." in errors_on(response)
    assert Update.objects.get(pk=update.pk).status == PublicationStatus.DRAFT


def test_an_update_cannot_link_claims_of_another_story(as_editor):
    story, other = make_story(), make_story()
    stray = make_claim(other, text="From another story")
    response = submit(as_editor, f"{admin_url(Update, 'add')}?story={story.pk}",
                      {"headline": "H", "body": "B", "claims": [str(stray.pk)]})
    assert response.status_code == 200
    assert "belong to another story: From another story" in errors_on(response)
    assert not Update.objects.exists()


def test_view_on_site_for_published_work_and_a_signed_preview_for_drafts(as_editor):
    published, unpublished = make_story(), make_story(**draft())
    live_page = as_editor.get(admin_url(published)).content.decode()
    assert "View on site" in live_page and "Preview draft" not in live_page
    draft_page = as_editor.get(admin_url(unpublished)).content.decode()
    assert "View on site" not in draft_page
    preview = re.search(r'href="([^"]*/preview/[^"]+)"[^>]*>Preview draft', draft_page)
    assert preview, "the preview link is shown once the reader site routes stories:preview"
    response = as_editor.get(preview.group(1))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


# --- Optimistic locking ------------------------------------------------------------------------


def test_second_editor_saving_a_stale_form_is_refused_and_told_what_changed(editor):
    other = make_staff("Editor", "jane")
    story = make_story(title="Talks in London", standfirst="Officials meet.")
    first, second = client_for(editor), client_for(other)
    stale_page = first.get(admin_url(story))

    assert submit(second, admin_url(story), {"title": "Talks in London, day two"}).status_code == 302
    response = first.post(admin_url(story), {**form_data(stale_page), "standfirst": "Officials meet again."})

    assert response.status_code == 200
    message = errors_on(response)
    assert "jane saved this story at" in message
    assert "title: “Talks in London” → “Talks in London, day two”" in message
    assert "Your changes were not saved" in message
    story.refresh_from_db()
    assert (story.title, story.standfirst, story.version) == ("Talks in London, day two", "Officials meet.", 2)


def test_a_stale_list_editable_row_is_refused_and_the_other_rows_saved_with_it_are_not(editor):
    other = make_staff("Editor", "jane")
    story = make_story()
    update = make_update(story, is_pinned=False)
    first, second = client_for(editor), client_for(other)
    stale_list = first.get(admin_url(Update, "changelist"))

    submit(second, admin_url(update), {"is_pinned": "on"})
    data = form_data(stale_list, "changelist-form")
    data.update({"_save": ["Save"], "form-0-status": ["draft"]})
    response = first.post(admin_url(Update, "changelist"), data)

    assert response.status_code == 200
    assert "jane saved this update at" in response.content.decode()
    update.refresh_from_db()
    assert (update.is_pinned, update.status) == (True, PublicationStatus.PUBLISHED)


def test_an_untouched_stale_row_does_not_block_saving_the_others(editor):
    other = make_staff("Editor", "jane")
    story = make_story()
    older = make_update(story, headline="Older", posted_at=timezone.now() - timedelta(hours=2))
    newer = make_update(story, headline="Newer", is_pinned=False)
    first = client_for(editor)
    stale_list = first.get(admin_url(Update, "changelist"))
    submit(client_for(other), admin_url(older), {"body": "Edited by jane.", "minor_fix": "on"})

    data = form_data(stale_list, "changelist-form")
    row = next(k[: -len("-id")] for k, v in data.items() if k.endswith("-id") and v == [str(newer.pk)])
    data.update({"_save": ["Save"], f"{row}-is_pinned": ["on"]})
    response = first.post(admin_url(Update, "changelist"), data)

    assert response.status_code == 302, errors_on(response)
    assert Update.objects.get(pk=newer.pk).is_pinned


# --- Revisions and corrections -----------------------------------------------------------------


def test_revisions_are_listed_and_an_old_one_can_be_restored(as_editor):
    story = make_story(title="First title")
    submit(as_editor, admin_url(story), {"title": "Second title"})
    history = as_editor.get(admin_url(story, "history"))
    assert history.status_code == 200
    first_revision = story.history.order_by("history_date").first()
    revert_url = reverse("admin:stories_story_simple_history", args=[story.pk, first_revision.history_id])

    response = submit(as_editor, revert_url)

    assert response.status_code == 302
    story.refresh_from_db()
    assert (story.title, story.version) == ("First title", 3)
    assert [h.title for h in story.history.order_by("history_date")] == ["First title", "Second title", "First title"]


def test_correcting_a_published_update_needs_a_note_then_shows_it_to_readers(as_editor, editor):
    update = make_update(headline="Talks end", body="The talks ended on Monday.")
    missing_note = submit(as_editor, admin_url(update), {"body": "The talks ended on Tuesday."})
    assert missing_note.status_code == 200
    assert "say what the earlier version said" in errors_on(missing_note)
    assert Update.objects.get(pk=update.pk).body == "The talks ended on Monday."

    note = "Correction: an earlier version of this update said the talks ended on Monday."
    response = submit(as_editor, admin_url(update), {"body": "The talks ended on Tuesday.", "correction_note": note})

    assert response.status_code == 302
    update.refresh_from_db()
    assert update.body == "The talks ended on Tuesday."
    correction = Correction.objects.get(update=update)
    assert (correction.note, correction.corrected_by) == (note, editor)
    assert update.history.order_by("history_date").first().body == "The talks ended on Monday."
    reader_page = Client().get(update.get_absolute_url()).content.decode()
    assert note in reader_page


def test_a_minor_fix_keeps_a_revision_without_a_public_note(as_editor):
    update = make_update(body="Talks ened on Tuesday.")
    response = submit(as_editor, admin_url(update), {"body": "Talks ended on Tuesday.", "minor_fix": "on"})
    assert response.status_code == 302
    assert not Correction.objects.exists()
    assert update.history.latest().history_change_reason == "Minor fix"


# --- Claims: filters, bulk verification, review queue ------------------------------------------


def test_claim_list_filters_by_status_kind_claimant_story_and_source(as_editor):
    story = make_story()
    lutnick = make_actor(name="Howard Lutnick")
    source = make_source()
    quoted = make_claim(story, text="Talks are going well", claimant=lutnick, kind=ClaimKind.DIRECT_QUOTE,
                        verification_status=VerificationStatus.CORROBORATED)
    cite(source, "talks are going well", claim=quoted)
    make_claim(story, text="Exports fell", kind=ClaimKind.STATISTIC, stat_value=34.5)
    url = admin_url(Claim, "changelist")
    for query in ["verification_status__exact=corroborated", "kind__exact=direct_quote",
                  f"claimant__id__exact={lutnick.pk}", f"source={source.pk}", "q=going+well"]:
        page = as_editor.get(f"{url}?{query}").content.decode()
        assert "Talks are going well" in page and "Exports fell" not in page, query


def test_bulk_verification_asks_for_a_note_then_records_who_and_when(as_editor, editor):
    first, second = make_claim(text="One"), make_claim(text="Two")
    source = make_source(title="Commerce Ministry statement")
    data = {"action": "mark_disputed", "_selected_action": [first.pk, second.pk]}
    confirm = as_editor.post(admin_url(Claim, "changelist"), data)
    assert confirm.status_code == 200
    assert b"Mark 2 as disputed" in confirm.content

    response = as_editor.post(admin_url(Claim, "changelist"), {
        **data, "apply": "1", "note": "Beijing denies it.", "prompted_by_source": source.pk,
    })

    assert response.status_code == 302
    changes = ClaimStatusChange.objects.order_by("claim_id")
    assert [(c.claim_id, c.from_status, c.to_status, c.changed_by, c.note, c.prompted_by_source) for c in changes] == [
        (first.pk, "unverified", "disputed", editor, "Beijing denies it.", source),
        (second.pk, "unverified", "disputed", editor, "Beijing denies it.", source),
    ]
    assert all(abs(c.changed_at - timezone.now()) < timedelta(minutes=1) for c in changes)


def test_the_claim_list_changes_a_status_only_through_the_action_that_asks_for_a_note(as_editor):
    claim = make_claim(verification_status=VerificationStatus.UNVERIFIED)
    page = as_editor.get(admin_url(Claim, "changelist")).content.decode()
    assert 'name="form-0-verification_status"' not in page
    submit(as_editor, admin_url(Claim, "changelist"),
           {"form-0-verification_status": "corroborated", "_save": "Save"}, form_id="changelist-form")
    assert Claim.objects.get(pk=claim.pk).verification_status == VerificationStatus.UNVERIFIED
    assert not ClaimStatusChange.objects.exists()


def test_bulk_verification_replaces_the_note_readers_see(as_editor):
    claim = make_claim(text="One", verification_note="No second source yet.")
    data = {"action": "mark_disputed", "_selected_action": [claim.pk]}
    confirm = as_editor.post(admin_url(Claim, "changelist"), data).content.decode()
    assert "No second source yet." in confirm  # the note about to be replaced is shown

    as_editor.post(admin_url(Claim, "changelist"), {**data, "apply": "1", "note": "Beijing denies it."})

    claim.refresh_from_db()
    assert (claim.verification_status, claim.verification_note) == ("disputed", "Beijing denies it.")
    assert as_editor.get(claim.get_absolute_url()).content.decode().count("No second source yet.") == 0


def test_bulk_verification_without_a_note_asks_again_and_changes_nothing(as_editor):
    claim = make_claim(verification_note="No second source yet.")
    response = as_editor.post(admin_url(Claim, "changelist"), {
        "action": "mark_corroborated", "_selected_action": [claim.pk], "apply": "1", "note": "  ",
    })
    assert response.status_code == 200
    assert "Write the note readers see under the new status" in response.content.decode()
    claim.refresh_from_db()
    assert (claim.verification_status, claim.verification_note) == ("unverified", "No second source yet.")
    assert not ClaimStatusChange.objects.exists()


def test_changing_the_status_on_the_claim_form_under_the_old_note_is_refused(as_editor):
    claim = make_claim(verification_note="No second source yet.")
    response = submit(as_editor, admin_url(claim), {"verification_status": "corroborated"})
    assert response.status_code == 200
    assert "write the note readers see under the new status" in errors_on(response)
    claim.refresh_from_db()
    assert (claim.verification_status, claim.verification_note) == ("unverified", "No second source yet.")


def test_changing_the_status_on_the_claim_form_with_a_new_note_replaces_it_and_keeps_history(as_editor, editor):
    claim = make_claim(verification_note="No second source yet.")
    response = submit(as_editor, admin_url(claim), {
        "verification_status": "corroborated", "verification_note": "Confirmed by the Commerce Ministry.",
    })
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.verification_note == "Confirmed by the Commerce Ministry."
    change = ClaimStatusChange.objects.get(claim=claim)
    assert (change.from_status, change.to_status, change.changed_by, change.note) == (
        "unverified", "corroborated", editor, "Confirmed by the Commerce Ministry.",
    )


def _options(html: str, name: str) -> int:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    return select.group(1).count("<option")


def test_the_claim_form_searches_sources_and_updates_instead_of_listing_every_one(as_editor, editor):
    story = make_story()
    claim = make_claim(story, verification_note="No second source yet.")
    cite(make_source(title="The wire copy"), "talks are going well", claim=claim)
    url = admin_url(claim)
    small = as_editor.get(url).content.decode()
    for n in range(150):
        make_source(title=f"Background source {n}")
        make_update(story, headline=f"Earlier update {n}")
    big = as_editor.get(url).content.decode()
    # A list of every source and update on the site made a claim's form 856 KB at 1,000 sources and
    # 10,000 updates; searched, the form holds only what is chosen, however big the site grows.
    assert len(big) < len(small) + 1000
    for name in ("prompted_by_source", "prompted_by_update", "citations-0-source"):
        assert _options(big, name) <= 2, name
        assert "admin-autocomplete" in re.search(rf'<select name="{name}"[^>]*>', big).group(0)

    statement = make_source(title="Commerce Ministry statement")
    prompt = make_update(story, headline="Ministry confirms")
    response = submit(as_editor, url, {
        "verification_status": "corroborated", "verification_note": "Confirmed by the Commerce Ministry.",
        "prompted_by_source": str(statement.pk), "prompted_by_update": str(prompt.pk),
    })
    assert response.status_code == 302, errors_on(response)
    change = ClaimStatusChange.objects.get(claim=claim)
    assert (change.prompted_by_source, change.prompted_by_update) == (statement, prompt)


def test_an_update_of_another_story_cannot_be_named_as_what_prompted_a_claims_new_status(as_editor):
    claim = make_claim(verification_note="No second source yet.")
    elsewhere = make_update(make_story(title="Another story"), headline="Elsewhere")
    response = submit(as_editor, admin_url(claim), {
        "verification_status": "corroborated", "verification_note": "Confirmed.", "prompted_by_update": str(elsewhere.pk),
    })
    assert response.status_code == 200
    assert "Select a valid choice" in errors_on(response)
    assert not ClaimStatusChange.objects.exists()


@pytest.mark.parametrize("model_name, field_name, make", [
    ("claimstatuschange", "prompted_by_source", lambda: make_source(title="Commerce Ministry statement")),
    ("claimstatuschange", "prompted_by_update", lambda: make_update(headline="Commerce Ministry statement")),
    ("citation", "source", lambda: make_source(title="Commerce Ministry statement")),
])
@pytest.mark.parametrize("desk", ["as_editor", "as_reporter"])
def test_the_desks_choosers_find_sources_by_headline_and_updates_by_their_words(request, desk, model_name, field_name, make):
    wanted = make()
    # Found by what an editor types in the chooser, not by every article that uses the words.
    other = make_source(title="Unrelated", text="Officials cited the ministry statement of Monday.")
    response = request.getfixturevalue(desk).get(reverse("admin:autocomplete"), {
        "app_label": "stories", "model_name": model_name, "field_name": field_name, "term": "ministry statement",
    })
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == [str(wanted)]
    assert str(other) not in response.content.decode()


def test_bulk_verification_page_searches_sources_and_updates_instead_of_listing_them(as_editor):
    claim = make_claim(text="One")
    for n in range(50):
        make_source(title=f"Background source {n}")
        make_update(headline=f"Earlier update {n}")
    page = as_editor.post(admin_url(Claim, "changelist"), {"action": "mark_disputed", "_selected_action": [claim.pk]})
    html = page.content.decode()
    assert _options(html, "prompted_by_source") <= 1 and _options(html, "prompted_by_update") <= 1
    assert "admin/js/autocomplete.js" in html  # the search box's script comes with the page


def test_claim_history_on_the_desk_tells_imported_steps_from_editors_checks(as_editor, editor):
    claim = make_claim(verification_status=VerificationStatus.UNVERIFIED)
    review.record_status_change(claim=claim, from_status=VerificationStatus.UNREVIEWED,
                                imported_from="the annotation london-trade-talks.toml")
    review.set_verification_status(claims=[claim], status=VerificationStatus.DISPUTED, user=editor,
                                   note="Beijing denies it.")
    for url in (admin_url(claim), admin_url(ClaimStatusChange, "changelist")):
        page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", as_editor.get(url).content.decode()))
        assert "Imported from the annotation london-trade-talks.toml" in page, url
        assert f"Checked by {editor.username}" in page, url


def test_editing_a_claims_note_without_changing_its_status_needs_no_history(as_editor):
    claim = make_claim(verification_note="No second source yet.")
    assert submit(as_editor, admin_url(claim), {"verification_note": "Still one source."}).status_code == 302
    assert Claim.objects.get(pk=claim.pk).verification_note == "Still one source."
    assert not ClaimStatusChange.objects.exists()


@pytest.fixture
def seeded():
    call_command("import_seeds", stdout=io.StringIO())
    return Story.objects.get()


def test_review_queue_shows_candidates_oldest_first_with_their_words_highlighted(as_editor, seeded):
    page = as_editor.get(reverse("admin:stories_claim_review")).content.decode()
    candidates = list(Claim.objects.candidates())
    assert candidates
    first = candidates[0]
    citation = first.citations.get()
    assert f"<mark>{escape_html(citation.excerpt)}</mark>" in page
    positions = [page.index(f'id="candidate-c{c.pk}"') for c in candidates[:3]]
    assert positions == sorted(positions)


def escape_html(text: str) -> str:
    from django.utils.html import escape

    return escape(text)


def test_accepting_and_rejecting_candidates_in_the_review_queue(as_editor, editor, seeded):
    accept_me, reject_me = Claim.objects.candidates()[:2]
    speaker = Actor.objects.get(slug="howard-lutnick")
    url = reverse("admin:stories_claim_review")
    prefix = f"c{accept_me.pk}"

    response = submit(as_editor, url, {
        "_accept": f"c{accept_me.pk}", f"{prefix}-claimant": str(speaker.pk),
        f"{prefix}-kind": "direct_quote", f"{prefix}-verification_status": "unverified",
        f"{prefix}-publish_now": "on",
    }, form_id="review-form")
    assert response.status_code == 302, errors_on(response)
    submit(as_editor, url, {"_reject": f"c{reject_me.pk}"}, form_id="review-form")

    accepted, rejected = Claim.objects.get(pk=accept_me.pk), Claim.objects.get(pk=reject_me.pk)
    assert (accepted.review_state, accepted.claimant, accepted.reviewed_by) == ("accepted", speaker, editor)
    assert Claim.objects.published().filter(pk=accepted.pk).exists()
    assert (rejected.review_state, rejected.reviewed_by) == ("rejected", editor)
    assert f'id="candidate-c{reject_me.pk}"' not in as_editor.get(url).content.decode()


def test_a_rejected_candidate_stays_rejected_when_the_sources_are_imported_again(as_editor, seeded):
    candidate = Claim.objects.candidates().first()
    as_editor.post(reverse("admin:stories_claim_review"), {"_reject": f"c{candidate.pk}"})
    total = Claim.objects.count()

    call_command("import_seeds", stdout=io.StringIO())

    assert Claim.objects.count() == total
    assert Claim.objects.get(pk=candidate.pk).review_state == ReviewState.REJECTED
    assert not Claim.objects.candidates().filter(natural_key=candidate.natural_key).exists()


def test_accepting_a_quote_as_a_statistic_without_a_value_is_a_clear_error(as_editor):
    story = make_story()
    quote = make_claim(story, kind=ClaimKind.DIRECT_QUOTE, review_state=ReviewState.CANDIDATE, **draft())
    prefix = f"c{quote.pk}"
    response = submit(as_editor, reverse("admin:stories_claim_review"), {
        "_accept": f"c{quote.pk}", f"{prefix}-kind": "statistic",
    }, form_id="review-form")
    assert response.status_code == 200
    assert "A statistic needs a value" in response.content.decode()
    assert Claim.objects.get(pk=quote.pk).review_state == ReviewState.CANDIDATE


# --- Citations: the span picker's server side --------------------------------------------------


def test_a_citation_picked_from_the_source_is_saved_with_exact_offsets(as_editor):
    source = make_source()
    claim = make_claim()
    start = source.text.index("talks are going well")
    response = submit(as_editor, f"{admin_url(Citation, 'add')}?claim={claim.pk}", {
        "source": str(source.pk), "excerpt": "talks are going well", "start": str(start), "end": str(start + 20),
    })
    assert response.status_code == 302, errors_on(response)
    citation = Citation.objects.get(claim=claim)
    assert source.text[citation.start:citation.end] == citation.excerpt == "talks are going well"


def test_a_typed_excerpt_found_once_gets_its_offsets_and_a_repeated_one_must_be_picked(as_editor):
    source = make_source(text="Talks went well. Officials said talks went well.")
    claim = make_claim()
    url = f"{admin_url(Citation, 'add')}?claim={claim.pk}"
    once = submit(as_editor, url, {"source": str(source.pk), "excerpt": "Officials said", "start": "", "end": ""})
    assert once.status_code == 302
    assert Citation.objects.get(claim=claim).start == source.text.index("Officials said")

    twice = submit(as_editor, url, {"source": str(source.pk), "excerpt": "went well", "start": "", "end": ""})
    assert "appear 2 times" in errors_on(twice)
    missing = submit(as_editor, url, {"source": str(source.pk), "excerpt": "not in the text", "start": "0", "end": "15"})
    assert "not in" in errors_on(missing)
    assert Citation.objects.count() == 1


def test_the_span_picker_reads_the_source_text_as_json(as_editor):
    source = make_source(text="Line one.\nLine “two”.")
    data = as_editor.get(reverse("admin:stories_citation_source_text", args=[source.pk])).json()
    assert data == {"title": source.title, "text": "Line one.\nLine “two”."}


# --- Actors ------------------------------------------------------------------------------------


def test_merging_actors_from_the_list_asks_for_the_survivor_then_moves_everything(as_editor):
    survivor, duplicate = make_actor(name="He Lifeng"), make_actor(name="Vice Premier He")
    claim = make_claim(claimant=duplicate)
    EventParticipation.objects.create(event=make_event(), actor=duplicate)
    data = {"action": "merge_selected", "_selected_action": [survivor.pk, duplicate.pk]}
    confirm = as_editor.post(admin_url(Actor, "changelist"), data)
    assert confirm.status_code == 200 and b"Merge 2 actors" in confirm.content

    response = as_editor.post(admin_url(Actor, "changelist"), {**data, "apply": "1", "survivor": survivor.pk})

    assert response.status_code == 302
    assert not Actor.objects.filter(pk=duplicate.pk).exists()
    assert Claim.objects.get(pk=claim.pk).claimant == survivor
    assert survivor.participations.count() == 1
    assert ActorAlias.objects.filter(actor=survivor, alias="Vice Premier He").exists()


def test_reporters_have_no_merge_action(as_reporter):
    a, b = make_actor(**draft()), make_actor(**draft())
    page = as_reporter.get(admin_url(Actor, "changelist"))
    assert b"merge_selected" not in page.content
    as_reporter.post(admin_url(Actor, "changelist"), {
        "action": "merge_selected", "_selected_action": [a.pk, b.pk], "apply": "1", "survivor": a.pk,
    })
    assert Actor.objects.filter(pk=b.pk).exists()


def test_actors_are_chosen_by_autocomplete(as_editor):
    make_actor(name="Scott Bessent")
    page = as_editor.get(admin_url(Claim, "add")).content.decode()
    assert 'data-model-name="claim"' in page or "admin-autocomplete" in page
    results = as_editor.get(reverse("admin:autocomplete"), {
        "term": "Bess", "app_label": "stories", "model_name": "claim", "field_name": "claimant",
    }).json()["results"]
    assert [r["text"] for r in results] == ["Scott Bessent"]


# --- Images through the admin form -------------------------------------------------------------


def png(size=(1200, 800)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 60, 120)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("payload, message", [
    (b"%PDF-1.4 not a picture", "not an image we can read"),
    ("bomb", "far too large to open safely"),
    ("big", "images may be at most"),
])
def test_a_bad_image_upload_is_a_clear_form_error_and_nothing_is_saved(as_editor, settings, payload, message):
    if payload == "bomb":
        out = io.BytesIO()
        Image.new("1", (30_000, 30_000)).save(out, "PNG")
        payload = out.getvalue()
    elif payload == "big":
        settings.NEWSROOM_IMAGE_MAX_BYTES = 2_000
        payload = png()
    actor = make_actor(name="Xi Jinping")
    page = as_editor.get(admin_url(actor))
    data = {**form_data(page), "photo_alt": "Xi Jinping in Beijing"}
    data["photo"] = SimpleUploadedFile("xi.png", payload, content_type="image/png")

    response = as_editor.post(admin_url(actor), data)

    assert response.status_code == 200
    assert message in errors_on(response)
    actor.refresh_from_db()
    assert (actor.photo.name, actor.photo_alt, actor.version) == ("", "", 1)
    assert not Rendition.objects.exists()


def test_an_image_needs_alt_text(as_editor):
    actor = make_actor()
    data = {**form_data(as_editor.get(admin_url(actor))), "photo": SimpleUploadedFile("a.png", png())}
    response = as_editor.post(admin_url(actor), data)
    assert "Describe the image" in errors_on(response)
    assert not Actor.objects.get(pk=actor.pk).photo


def test_a_good_image_is_stored_with_its_renditions_and_previewed(as_editor):
    actor = make_actor()
    data = {**form_data(as_editor.get(admin_url(actor))), "photo_alt": "Portrait",
            "photo": SimpleUploadedFile("portrait.png", png())}
    assert as_editor.post(admin_url(actor), data).status_code == 302
    actor.refresh_from_db()
    assert actor.photo.name.startswith("actors/")
    assert set(Rendition.objects.filter(original=actor.photo.name).values_list("spec", flat=True)) == set(SPECS)
    assert 'width="800" height="450"' in as_editor.get(admin_url(actor)).content.decode()


# --- Every admin page loads for an editor within a fixed query budget --------------------------


def grow(n: int) -> None:
    """Add `n` of everything, linked the way real stories are."""
    story = make_story()
    source = make_source(text="The minister said “talks are going well” on Tuesday. " * 3)
    for i in range(n):
        actor = make_actor(affiliation=make_actor())
        ActorAlias.objects.create(actor=actor, alias=f"alias {actor.pk}")
        event = make_event(story)
        EventParticipation.objects.create(event=event, actor=actor)
        claim = make_claim(story, claimant=actor, event=event)
        Citation.objects.create(source=source, claim=claim, excerpt="talks", start=source.text.index("talks"),
                                end=source.text.index("talks") + 5)
        Citation.objects.create(source=source, event=event, excerpt="minister", start=4, end=12)
        update = make_update(story)
        update.claims.add(claim)
        update.events.add(event)
        Correction.objects.create(update=update, note=f"Correction {i}")
        ClaimStatusChange.objects.create(claim=claim, from_status="unverified", to_status="disputed")
        source.mentions.create(actor=actor, start=4 + i * 1000, end=12 + i * 1000)
    Claim.objects.create(story=story, text="A candidate", kind=ClaimKind.ASSERTION,
                         review_state=ReviewState.CANDIDATE, verification_status="unreviewed")
    for i in range(n):
        SourceRevision.objects.create(source=source, text=f"Earlier text {i}", sha256=f"{i:064d}")
        ImportRecord.objects.create(key=f"event:{source.pk}-{i}", digest=f"{i:064d}")
        Rendition.objects.create(original=f"stories/{source.pk}-{i}.jpg", spec="card", file=f"renditions/{i}.jpg",
                                 width=800, height=450)


REGISTERED = [
    "story", "actor", "source", "event", "claim", "update", "citation", "claimstatuschange", "correction",
    "mention", "actoralias", "eventparticipation", "sourcerevision", "rendition", "importrecord",
]
QUERY_BUDGET = 30


@pytest.mark.parametrize("model_name", REGISTERED)
def test_every_admin_page_loads_for_an_editor_within_the_query_budget(as_editor, model_name, django_assert_max_num_queries):
    from django.apps import apps

    model = apps.get_model("stories", model_name)
    grow(3)
    counts = {}
    for size in (3, 23):
        if size == 23:
            grow(20)
        pages = [admin_url(model, "changelist")]
        if model.objects.exists():
            pages.append(admin_url(model.objects.order_by("pk").first()))
        for url in pages:
            as_editor.get(url)  # warm the per-process caches (content types, permissions)
            with django_assert_max_num_queries(QUERY_BUDGET) as captured:
                response = as_editor.get(url)
            assert response.status_code == 200, url
            counts.setdefault(url, []).append(len(captured))
    for url, (small, large) in counts.items():
        assert large == small, f"{url}: {small} queries with 3 of each, {large} with 23"


def test_the_desk_pages_load_within_the_query_budget(as_editor, django_assert_max_num_queries, seeded):
    story = seeded
    for url in [reverse("admin:index"), f"{admin_url(Update, 'add')}?story={story.pk}",
                reverse("admin:stories_claim_review"), admin_url(Event, "add"), admin_url(Claim, "add")]:
        with django_assert_max_num_queries(QUERY_BUDGET):
            assert as_editor.get(url).status_code == 200, url


# --- In a real browser -------------------------------------------------------------------------

BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
ARTIFACTS = __import__("pathlib").Path(__file__).parent / "artifacts"


@pytest.fixture
def editor_browser(live_server, monkeypatch, transactional_db):
    """A headless Chromium logged in as an editor."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # A transactional test starts from a flushed database: put back the groups migration 0002 made.
    import importlib

    from django.apps import apps

    importlib.import_module("stories.migrations.0002_desk_groups").create_groups(apps, None)
    client = client_for(make_staff("Editor"))
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=BROWSER_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page
        browser.close()
        assert not errors, errors


SELECT_IN_SOURCE = """(words) => {
  const pre = document.querySelector('.desk-source-text');
  const node = pre.firstChild;
  const at = node.data.indexOf(words);
  const range = document.createRange();
  range.setStart(node, at);
  range.setEnd(node, at + words.length);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  pre.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
}"""


@pytest.mark.browser
def test_selecting_words_in_the_source_sets_an_exact_citation_even_after_an_emoji(editor_browser, live_server):
    page = editor_browser
    source = make_source(title="Lutnick post", text="🇺🇸🇨🇳 Lutnick: “Talks are going well” — more soon.")
    claim = make_claim(text="Talks are going well")

    page.goto(f"{live_server.url}{admin_url(Citation, 'add')}?claim={claim.pk}")
    choose(page, "source", "Lutnick post")
    page.wait_for_selector(".desk-source-text:has-text('Lutnick')")
    page.evaluate(SELECT_IN_SOURCE, "Talks are going well")
    assert page.input_value("[name=excerpt]") == "Talks are going well"
    page.wait_for_selector("mark:has-text('Talks are going well')")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "admin-citation-span-picker.png", full_page=True)
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")

    citation = Citation.objects.get(claim=claim)
    assert citation.start == source.text.index("Talks are going well")  # code points, as Python counts
    assert source.text[citation.start:citation.end] == "Talks are going well"


@pytest.mark.browser
def test_story_desk_and_review_queue_render_for_an_editor(editor_browser, live_server):
    page = editor_browser
    call_command("import_seeds", stdout=io.StringIO())
    story = Story.objects.get()
    ARTIFACTS.mkdir(exist_ok=True)

    page.goto(live_server.url + admin_url(story))
    page.wait_for_selector(".desk-panel")
    assert page.locator("#quick-post").count() == 1 and page.locator(".desk-add-source").count() == 1
    page.screenshot(path=ARTIFACTS / "admin-story-desk.png", full_page=True)

    page.goto(live_server.url + reverse("admin:stories_claim_review"))
    page.wait_for_selector(".desk-candidate mark")
    assert page.locator(".select2-container").count() >= 1  # claimant autocomplete is live
    page.screenshot(path=ARTIFACTS / "admin-review-queue.png", full_page=True)

    page.goto(f"{live_server.url}{admin_url(Update, 'add')}?story={story.pk}")
    page.fill("[name=headline]", "Talks run into a second day")
    page.fill("[name=body]", "Negotiators returned to Lancaster House on Tuesday.")
    page.check("input[name=publication][value=now]")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    assert "It is live on the story page." in page.inner_text(".messagelist")
    assert Update.objects.published().filter(headline="Talks run into a second day").exists()


def desk_changelists() -> list[str]:
    """Every changelist of the stories app on the desk."""
    from django.contrib import admin as django_admin

    return sorted(admin_url(model, "changelist") for model in django_admin.site._registry
                  if model._meta.app_label == "stories")


@pytest.mark.browser
def test_every_desk_list_fits_a_1280_pixel_screen(editor_browser, live_server):
    page = editor_browser
    call_command("import_seeds", stdout=io.StringIO())
    story = Story.objects.get()
    long_words = "Negotiators returned to Lancaster House on Tuesday for a second day of talks " * 3
    make_update(story, headline=long_words[:300], body=long_words, is_pinned=True)
    make_update(story, headline="Trump: OUR DEAL WITH CHINA IS DONE, subject to final approval with President Xi")
    make_claim(story, text=long_words, claimant_description="a senior official familiar with the negotiations")
    page.set_viewport_size({"width": 1280, "height": 800})
    ARTIFACTS.mkdir(exist_ok=True)
    too_wide = {}
    for url in desk_changelists():
        page.goto(live_server.url + url)
        page.wait_for_selector("#changelist")
        # Admin scrolls a wide table inside its own box: the page fits, but columns are clipped.
        width = page.evaluate(
            "Math.max(document.documentElement.scrollWidth,"
            " ...[...document.querySelectorAll('#changelist .results')].map(box =>"
            " box.scrollWidth - box.clientWidth + document.documentElement.clientWidth))"
        )
        if width > 1280:
            too_wide[url] = width
        name = url.strip("/").split("/")[-1]
        page.screenshot(path=ARTIFACTS / f"admin-list-{name}.png")
    assert not too_wide, "; ".join(f"{u} {w}px" for u, w in too_wide.items())
