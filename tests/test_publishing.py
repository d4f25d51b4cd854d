"""The desk's multi-row writes: publishing, corrections, verification, review and actor merges."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from stories import locking, merging, permissions, publishing, review
from stories.models import (
    Actor,
    ActorAlias,
    Citation,
    Claim,
    ClaimKind,
    ClaimStatusChange,
    Correction,
    EventParticipation,
    Mention,
    PublicationStatus,
    ReviewState,
    SourceRevision,
    Story,
    Update,
    VerificationStatus,
)

from .factories import cite, draft, make_actor, make_claim, make_event, make_source, make_story, make_update

pytestmark = pytest.mark.django_db


# --- Publishing and scheduling -----------------------------------------------------------------


def test_publishing_a_draft_update_makes_it_visible_and_moves_the_poll_cursor(editor):
    story = make_story()
    update = make_update(story, **draft())

    result = publishing.publish(objects=[update], user=editor)

    update.refresh_from_db()
    story.refresh_from_db()
    assert result.changed == 1
    assert Update.objects.published().filter(pk=update.pk).exists()
    assert update.sequence == story.update_sequence == 1
    assert update.version == 2
    assert update.history.latest().history_user == editor


def test_reporter_cannot_publish_or_unpublish_through_the_service(reporter):
    update = make_update(**draft())
    with pytest.raises(PermissionDenied):
        publishing.publish(objects=[update], user=reporter)
    published_update = make_update()
    with pytest.raises(PermissionDenied):
        publishing.unpublish(objects=[published_update], user=reporter)
    assert Update.objects.get(pk=update.pk).status == PublicationStatus.DRAFT
    assert Update.objects.get(pk=published_update.pk).status == PublicationStatus.PUBLISHED


def test_scheduled_update_becomes_visible_when_its_time_comes_without_any_job(editor):
    story = make_story()
    at = timezone.now() + timedelta(hours=2)
    update = make_update(story, **draft())
    publishing.publish(objects=[update], user=editor, at=at)

    assert not Update.objects.published().filter(pk=update.pk).exists()
    with mock.patch("django.utils.timezone.now", return_value=at - timedelta(seconds=1)):
        assert not Update.objects.published().filter(pk=update.pk).exists()
    with mock.patch("django.utils.timezone.now", return_value=at):
        assert Update.objects.published().filter(pk=update.pk).exists()


def test_unpublishing_keeps_the_content_and_its_history(editor):
    update = make_update(headline="Talks resume")
    publishing.unpublish(objects=[update], user=editor)

    update.refresh_from_db()
    assert update.status == PublicationStatus.DRAFT
    assert update.headline == "Talks resume"
    assert not Update.objects.published().filter(pk=update.pk).exists()
    assert [h.history_change_reason for h in update.history.order_by("history_date")] == [None, "Unpublished"]


def test_a_candidate_claim_is_refused_by_publish_with_a_reason(editor):
    candidate = make_claim(review_state=ReviewState.CANDIDATE, **draft())
    result = publishing.publish(objects=[candidate], user=editor)
    assert result.changed == 0
    assert "accepted" in result.refused[0]
    assert Claim.objects.get(pk=candidate.pk).status == PublicationStatus.DRAFT


def test_an_image_without_alt_text_cannot_be_published(editor):
    story = make_story(**draft())
    # The database refuses an image without alt at all; the rule is checked before it gets there.
    story.lead_image, story.lead_image_alt = "stories/x.jpg", ""
    assert permissions.publish_blockers(story) == ["Describe the image in its alt text before publishing."]


# --- Role rules --------------------------------------------------------------------------------


def test_reporter_may_edit_drafts_but_not_published_work(reporter, editor):
    assert permissions.can_change(reporter, make_update(**draft()))
    assert not permissions.can_change(reporter, make_update())
    assert permissions.can_change(editor, make_update())


def test_nobody_deletes_published_work_before_unpublishing_it(editor):
    assert not permissions.can_delete(editor, make_story())
    assert permissions.can_delete(editor, make_story(**draft()))


def test_reporter_cannot_set_a_verification_status(reporter):
    claim = make_claim(**draft(verification_status=VerificationStatus.UNVERIFIED))
    before = Claim.objects.get(pk=claim.pk)
    claim.verification_status = VerificationStatus.CORROBORATED
    with pytest.raises(PermissionDenied):
        permissions.check_desk_change(user=reporter, before=before, after=claim)


# --- Saving from the desk: versions, corrections, status history -------------------------------


def test_every_desk_save_bumps_the_version(editor):
    story = make_story()
    before = locking.lock_for_edit(Story, story.pk)
    story.title = "New title"
    publishing.save_from_desk(obj=story, user=editor, before=before)
    assert Story.objects.get(pk=story.pk).version == 2


def test_describe_changes_since_names_the_person_the_time_and_the_fields(editor):
    story = make_story(title="Talks open")
    before = locking.lock_for_edit(Story, story.pk)
    story.title = "Talks open at Lancaster House"
    publishing.save_from_desk(obj=story, user=editor, before=before)

    message = locking.describe_changes_since(Story.objects.get(pk=story.pk), 1)

    assert message.startswith("editor saved this story at ")
    assert ("BST" in message) or ("GMT" in message)
    assert "title: “Talks open” → “Talks open at Lancaster House”" in message


def test_correcting_a_published_update_keeps_the_old_words_and_adds_a_public_note(editor):
    update = make_update(headline="Talks end", body="The talks ended on Monday.")
    note = "Correction: an earlier version of this update said the talks ended on Monday. They ended on Tuesday."

    publishing.correct_update(update=update, user=editor, headline="Talks end",
                              body="The talks ended on Tuesday.", note=note)

    update.refresh_from_db()
    assert update.body == "The talks ended on Tuesday."
    assert list(update.corrections.values_list("note", flat=True)) == [note]
    old = update.history.order_by("history_date").first()
    assert old.body == "The talks ended on Monday."
    assert update.history.latest().history_change_reason == "Correction"
    assert update.sequence == 1


def test_a_correction_without_a_note_is_refused(editor):
    update = make_update(body="Old words.")
    with pytest.raises(ValidationError):
        publishing.correct_update(update=update, user=editor, headline=update.headline, body="New words.", note=" ")
    assert Update.objects.get(pk=update.pk).body == "Old words."
    assert not Correction.objects.exists()


def test_editing_a_draft_update_does_not_move_the_poll_cursor(editor):
    update = make_update(**draft())
    before = locking.lock_for_edit(Update, update.pk)
    update.body = "Still drafting."
    publishing.save_from_desk(obj=update, user=editor, before=before)
    assert Update.objects.get(pk=update.pk).sequence == 0
    assert Story.objects.get(pk=update.story_id).update_sequence == 0


def test_changing_a_claims_status_on_the_desk_records_who_from_to_and_why(editor):
    claim = make_claim(verification_status=VerificationStatus.UNVERIFIED)
    source = make_source()
    before = locking.lock_for_edit(Claim, claim.pk)
    claim.verification_status, claim.verification_note = VerificationStatus.DISPUTED, "Beijing denies it."
    publishing.save_from_desk(obj=claim, user=editor, before=before, status_note="Beijing denies it.",
                              prompted_by_source=source)

    change = ClaimStatusChange.objects.get(claim=claim)
    assert (change.from_status, change.to_status, change.note) == ("unverified", "disputed", "Beijing denies it.")
    assert change.changed_by == editor
    assert change.prompted_by_source == source


def test_editing_a_sources_text_keeps_the_old_text_and_moves_citations_to_their_words(editor):
    source = make_source(text="Alpha. The minister said talks went well.")
    claim = make_claim()
    citation = cite(source, "talks went well", claim=claim)
    before = locking.lock_for_edit(type(source), source.pk)
    source.text = "Update: Alpha. The minister said talks went well."
    publishing.save_from_desk(obj=source, user=editor, before=before)

    citation.refresh_from_db()
    assert source.text[citation.start:citation.end] == "talks went well"
    assert SourceRevision.objects.get(source=source).text == "Alpha. The minister said talks went well."


# --- Bulk verification -------------------------------------------------------------------------


def test_bulk_verification_records_an_entry_per_changed_claim(editor):
    first, second = make_claim(), make_claim(verification_status=VerificationStatus.DISPUTED)
    changed = review.set_verification_status(
        claims=Claim.objects.filter(pk__in=[first.pk, second.pk]), status=VerificationStatus.DISPUTED,
        user=editor, note="Contradicted by the Commerce Ministry.",
    )
    assert changed == 1
    entry = ClaimStatusChange.objects.get()
    assert (entry.claim, entry.from_status, entry.to_status, entry.changed_by) == (
        first, "unverified", "disputed", editor,
    )
    assert abs(entry.changed_at - timezone.now()) < timedelta(minutes=1)


def test_a_new_status_saved_under_the_old_note_is_refused_on_every_desk_path(editor):
    claim = make_claim(verification_note="No second source yet.")
    before = locking.lock_for_edit(Claim, claim.pk)
    claim.verification_status = VerificationStatus.CORROBORATED
    with pytest.raises(ValidationError, match="write the note readers see under the new status"):
        publishing.save_from_desk(obj=claim, user=editor, before=before)
    with pytest.raises(ValidationError, match="needs the note readers see"):
        review.set_verification_status(claims=[claim], status=VerificationStatus.CORROBORATED, user=editor)
    assert Claim.objects.get(pk=claim.pk).verification_status == VerificationStatus.UNVERIFIED
    assert not ClaimStatusChange.objects.exists()


def test_reporter_cannot_bulk_verify(reporter):
    claim = make_claim()
    with pytest.raises(PermissionDenied):
        review.set_verification_status(claims=[claim], status=VerificationStatus.CORROBORATED, user=reporter)
    assert not ClaimStatusChange.objects.exists()


# --- Review of extracted candidates ------------------------------------------------------------


def test_accepting_a_candidate_sets_claimant_kind_status_and_reviewer(editor):
    story = make_story()
    speaker = make_actor(name="Howard Lutnick")
    candidate = make_claim(story=None, review_state=ReviewState.CANDIDATE, kind=ClaimKind.DIRECT_QUOTE,
                           verification_status=VerificationStatus.UNREVIEWED, **draft())
    cite(make_source(), "talks are going well", claim=candidate)

    claim = review.accept_candidate(
        claim=candidate, user=editor, kind=ClaimKind.DIRECT_QUOTE, claimant=speaker,
        verification_status=VerificationStatus.UNVERIFIED, story=story, publish_now=True,
    )

    assert (claim.review_state, claim.claimant, claim.story, claim.reviewed_by) == (
        ReviewState.ACCEPTED, speaker, story, editor,
    )
    assert Claim.objects.published().filter(pk=claim.pk).exists()
    assert ClaimStatusChange.objects.get(claim=claim).to_status == VerificationStatus.UNVERIFIED


def test_a_rejected_candidate_cannot_be_accepted_later_by_a_stale_page(editor):
    candidate = make_claim(review_state=ReviewState.CANDIDATE, **draft())
    review.reject_candidate(claim=candidate, user=editor)
    with pytest.raises(ValidationError):
        review.accept_candidate(claim=candidate, user=editor, kind=ClaimKind.ASSERTION,
                                    verification_status=VerificationStatus.UNVERIFIED)
    assert Claim.objects.get(pk=candidate.pk).review_state == ReviewState.REJECTED


# --- Actor merge -------------------------------------------------------------------------------


def test_merging_actors_moves_claims_events_mentions_members_and_aliases_in_one_step(editor):
    survivor = make_actor(name="Scott Bessent")
    duplicate = make_actor(name="Scott K. H. Bessent")
    ActorAlias.objects.create(actor=duplicate, alias="Treasury Secretary Bessent")
    member = make_actor(name="Bessent aide", affiliation=duplicate)
    claim = make_claim(claimant=duplicate)
    shared_event, own_event = make_event(), make_event()
    EventParticipation.objects.create(event=shared_event, actor=survivor)
    EventParticipation.objects.create(event=shared_event, actor=duplicate, role="lead negotiator")
    EventParticipation.objects.create(event=own_event, actor=duplicate)
    source = make_source()
    Mention.objects.create(source=source, actor=duplicate, start=4, end=12)

    result = merging.merge_actors(survivor=survivor, duplicates=[duplicate], user=editor)

    assert not Actor.objects.filter(pk=duplicate.pk).exists()
    assert Claim.objects.get(pk=claim.pk).claimant == survivor
    assert sorted(EventParticipation.objects.filter(actor=survivor).values_list("event_id", "role")) == sorted(
        [(shared_event.pk, "lead negotiator"), (own_event.pk, "")]
    )
    assert Mention.objects.get(source=source).actor == survivor
    assert Actor.objects.get(pk=member.pk).affiliation == survivor
    assert set(survivor.aliases.values_list("alias", flat=True)) == {
        "Treasury Secretary Bessent", "Scott K. H. Bessent",
    }
    assert (result.claims, result.events, result.mentions) == (1, 1, 1)
    assert survivor.history.latest().history_change_reason == "Merged in Scott K. H. Bessent"
    deleted = Actor.history.filter(id=duplicate.pk, history_type="-").get()
    assert deleted.history_change_reason.startswith("Merged into Scott Bessent")
    assert deleted.history_user == editor


def test_only_editors_merge_actors(reporter):
    survivor, duplicate = make_actor(), make_actor()
    with pytest.raises(PermissionDenied):
        merging.merge_actors(survivor=survivor, duplicates=[duplicate], user=reporter)
    assert Actor.objects.filter(pk=duplicate.pk).exists()


def test_citations_stay_exact_when_their_claim_moves_to_the_survivor(editor):
    survivor, duplicate = make_actor(), make_actor()
    source = make_source()
    claim = make_claim(claimant=duplicate)
    cite(source, "talks are going well", claim=claim)
    merging.merge_actors(survivor=survivor, duplicates=[duplicate], user=editor)
    citation = Citation.objects.get(claim=claim)
    assert source.text[citation.start:citation.end] == "talks are going well"
    assert citation.claim.claimant == survivor
