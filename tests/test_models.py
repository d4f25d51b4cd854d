from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from stories.dates import Precision
from stories.models import (
    ActorAlias,
    Citation,
    Claim,
    ClaimKind,
    Event,
    PublicationStatus,
    ReviewState,
    Story,
    Update,
)

from .factories import cite, make_actor, make_claim, make_event, make_source, make_story, make_update

pytestmark = pytest.mark.django_db


def refused_by_database(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_story_slug_is_unique():
    make_story(slug="london-talks")
    refused_by_database(lambda: make_story(slug="london-talks"))


def test_database_refuses_a_status_outside_the_choices():
    refused_by_database(lambda: make_story(status="pending"))


def test_published_story_needs_a_publication_time():
    refused_by_database(lambda: make_story(status=PublicationStatus.PUBLISHED, published_at=None))


def test_coverage_cannot_end_before_it_starts():
    now = timezone.now()
    refused_by_database(lambda: make_story(coverage_start=now, coverage_end=now - timedelta(hours=1)))


def test_event_span_cannot_end_before_it_starts():
    story = make_story()
    refused_by_database(lambda: make_event(
        story, occurred_at=timezone.now(), ends_at=timezone.now() - timedelta(days=1),
        ends_precision=Precision.DAY,
    ))


def test_event_end_needs_its_own_precision():
    story = make_story()
    refused_by_database(lambda: make_event(story, ends_at=timezone.now(), ends_precision=""))


def test_statistic_claim_needs_a_value():
    refused_by_database(lambda: make_claim(kind=ClaimKind.STATISTIC, stat_value=None))


def test_statistic_range_must_be_ordered():
    refused_by_database(lambda: make_claim(
        kind=ClaimKind.STATISTIC, stat_value=Decimal("90"), stat_value_high=Decimal("70")
    ))


def test_candidate_claim_cannot_be_published():
    refused_by_database(lambda: make_claim(review_state=ReviewState.CANDIDATE))


def test_outcome_link_only_on_forecasts_and_commitments():
    story = make_story()
    event = make_event(story)
    refused_by_database(lambda: make_claim(story, kind=ClaimKind.ASSERTION, outcome="fulfilled", outcome_event=event))
    make_claim(story, kind=ClaimKind.FORECAST, outcome="fulfilled", outcome_event=event)


def test_alias_names_one_actor_whatever_the_case():
    ActorAlias.objects.create(actor=make_actor(), alias="Bessent")
    refused_by_database(lambda: ActorAlias.objects.create(actor=make_actor(), alias="BESSENT"))


def test_lead_image_needs_alt_text():
    refused_by_database(lambda: make_story(lead_image="stories/x.png", lead_image_alt=""))


# Citations


def test_citation_records_the_exact_excerpt_at_its_offsets():
    source = make_source()
    citation = cite(source, "talks are going well", claim=make_claim())
    assert source.text[citation.start:citation.end] == "talks are going well"


def test_citation_excerpt_must_match_source_text():
    source = make_source()
    claim = make_claim()
    start = source.text.index("talks")
    with pytest.raises(ValidationError, match="not at characters"):
        Citation.objects.create(source=source, claim=claim, excerpt="talks are going badly",
                                start=start, end=start + len("talks are going badly"))
    assert not Citation.objects.exists()


def test_citation_offsets_must_span_the_excerpt_in_the_database():
    source = make_source()
    claim = make_claim()
    # bulk_create skips save(): the CHECK constraint is the last line of defence.
    refused_by_database(lambda: Citation.objects.bulk_create(
        [Citation(source=source, claim=claim, excerpt="talks", start=0, end=3)]
    ))


def test_citation_backs_exactly_one_claim_or_event():
    source = make_source()
    story = make_story()
    refused_by_database(lambda: Citation.objects.bulk_create(
        [Citation(source=source, excerpt="The", start=0, end=3)]
    ))
    refused_by_database(lambda: Citation.objects.bulk_create(
        [Citation(source=source, excerpt="The", start=0, end=3, claim=make_claim(story), event=make_event(story))]
    ))


def test_cited_source_cannot_be_deleted():
    from django.db.models import ProtectedError

    source = make_source()
    cite(source, "talks", claim=make_claim())
    with pytest.raises(ProtectedError):
        source.delete()


def test_source_records_sha256_of_its_text():
    import hashlib

    source = make_source(text="Exact words.")
    assert source.sha256 == hashlib.sha256("Exact words.".encode()).hexdigest()


# The publishing rule


def test_scheduled_story_becomes_visible_when_its_time_comes():
    story = make_story(published_at=timezone.now() + timedelta(minutes=5))
    assert not Story.objects.published().filter(pk=story.pk).exists()
    Story.objects.filter(pk=story.pk).update(published_at=timezone.now() - timedelta(seconds=1))
    assert Story.objects.published().filter(pk=story.pk).exists()


def test_content_of_a_draft_story_is_not_published():
    story = make_story(status=PublicationStatus.DRAFT, published_at=None)
    make_event(story)
    make_claim(story)
    make_update(story)
    assert not Event.objects.published().exists()
    assert not Claim.objects.published().exists()
    assert not Update.objects.published().exists()


def test_rejected_and_candidate_claims_are_not_published():
    story = make_story()
    make_claim(story, status=PublicationStatus.DRAFT, review_state=ReviewState.CANDIDATE)
    make_claim(story, status=PublicationStatus.DRAFT, review_state=ReviewState.REJECTED)
    kept = make_claim(story)
    assert list(Claim.objects.published()) == [kept]


def test_datetimes_are_stored_in_utc():
    story = make_story()
    story.refresh_from_db()
    assert story.published_at.utcoffset() == timedelta(0)


# SQLite settings


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite PRAGMAs")
def test_sqlite_runs_with_wal_busy_timeout_and_immediate_transactions(settings):
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1
    assert settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in settings.DATABASES["default"]["OPTIONS"]["init_command"]


def test_sqlite_file_database_opens_in_wal_mode(tmp_path):
    """The test database is in memory (no WAL there), so open a real file with the same settings."""
    import sqlite3

    from newsroom import settings as project_settings
    from newsroom.sqlite_backend.base import DatabaseWrapper

    options = dict(project_settings.DATABASES["default"].get("OPTIONS", {}))
    if project_settings.DATABASES["default"]["ENGINE"] != "newsroom.sqlite_backend":
        pytest.skip("project configured for another database")
    wrapper = DatabaseWrapper({
        **project_settings.DATABASES["default"], "NAME": str(tmp_path / "db.sqlite3"), "OPTIONS": options,
        "TIME_ZONE": None, "CONN_HEALTH_CHECKS": False, "AUTOCOMMIT": True, "ATOMIC_REQUESTS": False,
        "CONN_MAX_AGE": 0,
    })
    wrapper.connect()
    try:
        cursor = wrapper.connection.cursor()
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] == 20000
        assert cursor.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert wrapper.transaction_mode == "IMMEDIATE"
    finally:
        wrapper.close()
    assert isinstance(sqlite3.sqlite_version, str)
