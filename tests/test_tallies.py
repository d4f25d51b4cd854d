"""A story's counts (updates, events, claims by status) come from tallies the database keeps, and
always equal a count of what readers can see, whatever path wrote the rows."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stories import tallies
from stories.models import (
    Claim, ClaimKind, Event, PublicationStatus, ReviewState, Story, Update, VerificationStatus,
)

from .factories import build_story, draft, make_claim, make_event, make_story, make_update, published

pytestmark = pytest.mark.django_db


def counted_by_hand(story, now=None):
    claims = Claim.objects.published_in(story, now=now)
    return tallies.StoryCounts(
        update_count=Update.objects.published_in(story, now=now).count(),
        event_count=Event.objects.published_in(story, now=now).count(),
        claims_by_status={
            status: n for status in VerificationStatus.values
            if (n := claims.filter(verification_status=status).count())
        },
    )


def assert_counts_match(*stories, now=None):
    for story in stories:
        assert tallies.story_counts(story, now=now) == counted_by_hand(story, now=now), story


@pytest.fixture
def stories():
    return make_story(title="London"), make_story(title="Geneva")


def test_saving_publishing_and_unpublishing_one_by_one(stories):
    london, geneva = stories
    update = make_update(london)
    event = make_event(london)
    claim = make_claim(london, verification_status=VerificationStatus.UNVERIFIED)
    make_claim(london, **draft())
    assert_counts_match(london, geneva)
    assert tallies.story_counts(london).update_count == 1
    update.status = PublicationStatus.DRAFT
    update.save()
    claim.verification_status = VerificationStatus.CORROBORATED
    claim.save()
    event.story = geneva
    event.save()
    assert_counts_match(london, geneva)
    assert tallies.story_counts(geneva).event_count == 1
    assert tallies.story_counts(london).claims_by_status == {VerificationStatus.CORROBORATED: 1}
    claim.delete()
    event.delete()
    assert_counts_match(london, geneva)


def test_bulk_writes_queryset_updates_and_cascades(stories):
    london, geneva = stories
    Update.objects.bulk_create([Update(story=london, headline=f"U{i}", body="b", **published()) for i in range(5)])
    Claim.objects.bulk_create([
        Claim(story=london, text=f"C{i}", kind=ClaimKind.ASSERTION, verification_status=VerificationStatus.UNVERIFIED,
              **published())
        for i in range(6)
    ])
    assert_counts_match(london, geneva)
    Claim.objects.filter(story=london, text__in=["C0", "C1"]).update(verification_status=VerificationStatus.DISPUTED)
    Claim.objects.filter(story=london, text="C2").update(status=PublicationStatus.DRAFT, published_at=None)
    Claim.objects.filter(story=london, text="C3").update(story=geneva)
    Update.objects.filter(headline__in=["U0", "U1"]).delete()
    assert_counts_match(london, geneva)
    london.delete()
    assert_counts_match(geneva)
    assert not Claim.objects.filter(story_id=london.pk).exists()


def test_candidates_count_only_once_accepted_and_published(stories):
    london, _ = stories
    candidate = make_claim(london, review_state=ReviewState.CANDIDATE, **draft())
    assert_counts_match(london)
    Claim.objects.filter(pk=candidate.pk).update(review_state=ReviewState.ACCEPTED, **published())
    assert_counts_match(london)
    assert tallies.story_counts(london).claims_by_status == {VerificationStatus.UNVERIFIED: 1}


def test_scheduled_rows_count_once_their_time_has_come(stories):
    london, _ = stories
    soon = timezone.now() + timedelta(hours=1)
    make_update(london, **published(published_at=soon))
    make_claim(london, verification_status=VerificationStatus.DISPUTED, **published(published_at=soon))
    make_event(london, **published(published_at=soon))
    assert tallies.story_counts(london) == tallies.StoryCounts(0, 0, {})
    later = soon + timedelta(seconds=1)
    assert tallies.story_counts(london, now=later) == tallies.StoryCounts(1, 1, {VerificationStatus.DISPUTED: 1})
    assert_counts_match(london, now=later)


def test_raw_sql_writes_are_counted_too(stories):
    london, _ = stories
    update = make_update(london)
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{Update._meta.db_table}" SET status = %s, published_at = NULL WHERE id = %s',
                       [PublicationStatus.DRAFT, update.pk])
    assert tallies.story_counts(london).update_count == 0
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{Update._meta.db_table}" SET status = %s, published_at = %s WHERE id = %s',
                       [PublicationStatus.PUBLISHED, timezone.now() - timedelta(minutes=1), update.pk])
        cursor.execute(f'DELETE FROM "{Event._meta.db_table}"')
    assert_counts_match(london)


def test_a_rolled_back_write_leaves_no_count_behind(stories):
    london, _ = stories
    with pytest.raises(RuntimeError), transaction.atomic():
        make_update(london)
        raise RuntimeError("the save failed")
    assert tallies.story_counts(london).update_count == 0


def test_every_migrate_counts_the_tallies_afresh(stories):
    london, _ = stories
    make_update(london)
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{tallies.TABLE}" SET n = 999')
    assert tallies.story_counts(london).update_count == 999
    call_command("migrate", verbosity=0)
    assert_counts_match(london)


def test_counts_cost_two_queries_at_any_size():
    small, large = build_story(10, slug="tally-small"), build_story(400, slug="tally-large")
    for story in (small, large):
        with CaptureQueriesContext(connection) as queries:
            counts = tallies.story_counts(story)
        assert len(queries) == 2
        assert counts == counted_by_hand(story)
    assert tallies.story_counts(large).update_count == 400


@pytest.mark.django_db(transaction=True)
def test_emptying_every_table_empties_the_tallies():
    story = make_story()
    make_update(story)
    call_command("flush", interactive=False, verbosity=0)
    story = make_story()
    assert tallies.story_counts(story) == tallies.StoryCounts(0, 0, {})
    make_update(story)
    assert tallies.story_counts(story).update_count == 1
