"""Plain builder functions for tests: make_story(**overrides) and friends."""

from datetime import timedelta
from itertools import count

from django.utils import timezone

from stories.dates import Precision
from stories.models import (
    Actor,
    ActorKind,
    Citation,
    Claim,
    ClaimKind,
    Event,
    PublicationStatus,
    Source,
    Story,
    Update,
    VerificationStatus,
)

_n = count(1)


def _past():
    return timezone.now() - timedelta(hours=1)


def published(**overrides):
    return {"status": PublicationStatus.PUBLISHED, "published_at": _past(), **overrides}


def make_story(**overrides) -> Story:
    n = next(_n)
    fields = published(title=f"Story {n}", slug=f"story-{n}", standfirst="A developing story.")
    fields.update(overrides)
    return Story.objects.create(**fields)


def make_actor(**overrides) -> Actor:
    n = next(_n)
    fields = published(name=f"Actor {n}", slug=f"actor-{n}", kind=ActorKind.PERSON)
    fields.update(overrides)
    return Actor.objects.create(**fields)


def make_source(**overrides) -> Source:
    n = next(_n)
    fields = published(
        title=f"Source {n}", slug=f"source-{n}",
        text="The minister said “talks are going well” on Tuesday. Exports fell 34.5% in May.",
    )
    fields.update(overrides)
    return Source.objects.create(**fields)


def make_event(story=None, **overrides) -> Event:
    n = next(_n)
    fields = published(
        story=story or make_story(), title=f"Event {n}",
        occurred_at=timezone.now() - timedelta(days=n), precision=Precision.DAY,
    )
    fields.update(overrides)
    return Event.objects.create(**fields)


def make_claim(story=None, **overrides) -> Claim:
    n = next(_n)
    fields = published(
        story=story or make_story(), text=f"Claim {n}", kind=ClaimKind.ASSERTION,
        verification_status=VerificationStatus.UNVERIFIED,
    )
    fields.update(overrides)
    return Claim.objects.create(**fields)


def make_update(story=None, **overrides) -> Update:
    n = next(_n)
    fields = published(story=story or make_story(), headline=f"Update {n}", body=f"Body of update {n}.")
    fields.update(overrides)
    return Update.objects.create(**fields)


def cite(source: Source, excerpt: str, **target) -> Citation:
    start = source.text.index(excerpt)
    return Citation.objects.create(source=source, excerpt=excerpt, start=start, end=start + len(excerpt), **target)
