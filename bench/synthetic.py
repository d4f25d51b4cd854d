"""Build a synthetic story of a given size through the project's own models.

N events, with claims and updates in proportion (one claim and one update per event by
default), each claim cited to an exact excerpt of one of N/10 sources, actors taking part in
events, a tenth of the updates pinned or corrected. Also writes synthetic article files for the
import benchmark.
"""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from stories.dates import Precision
from stories.models import (
    Actor,
    ActorAlias,
    ActorKind,
    Citation,
    Claim,
    ClaimKind,
    ClaimStatusChange,
    Correction,
    Event,
    EventParticipation,
    PublicationStatus,
    Source,
    Story,
    Update,
    VerificationStatus,
    text_sha256,
)

PUBLISHED = {"status": PublicationStatus.PUBLISHED}
FIRST_NAMES = ["Ana", "Ben", "Chen", "Dara", "Eli", "Femi", "Gus", "Hana", "Ivo", "Jun"]
LAST_NAMES = ["Li", "Okafor", "Smith", "Wang", "Garcia", "Kim", "Novak", "Singh", "Haddad", "Ito"]
PRECISIONS = [Precision.MONTH, Precision.DAY, Precision.DAY, Precision.HOUR, Precision.MINUTE]


def sentence(rng: random.Random, n: int) -> str:
    return (
        f"Negotiator {n} said “progress on item {n} is {rng.choice(['slow', 'steady', 'real'])}” "
        f"as exports fell {rng.randint(1, 40)}.{rng.randint(0, 9)}% in round {n}."
    )


@transaction.atomic
def build_story(events: int, *, slug: str | None = None, seed: int = 7) -> Story:
    """Create a published live story with `events` events, claims and updates (and actors, sources)."""
    rng = random.Random(seed)
    now = timezone.now()
    published_at = now - timedelta(days=3)
    story = Story.objects.create(
        title=f"Synthetic talks with {events:,} events", slug=slug or f"synthetic-{events}",
        standfirst="A generated story for benchmarks.", is_live=True, coverage_start=published_at,
        published_at=published_at, key_developments="First development\nSecond development",
        **PUBLISHED,
    )
    n_actors = max(10, events // 20)
    actors = Actor.objects.bulk_create([
        Actor(name=f"{FIRST_NAMES[i % 10]} {LAST_NAMES[(i // 10) % 10]} {i}", slug=f"{slug or 'synthetic'}-actor-{events}-{i}",
              kind=ActorKind.PERSON, role_title=f"Minister {i}", published_at=published_at, **PUBLISHED)
        for i in range(n_actors)
    ])
    ActorAlias.objects.bulk_create(
        [ActorAlias(actor=a, alias=f"Alias {story.slug} {a.slug}") for a in actors]
    )
    n_sources = max(2, events // 10)
    texts = ["\n".join(sentence(rng, s * 10 + k) for k in range(12)) for s in range(n_sources)]
    sources = []
    for s, text in enumerate(texts):
        source = Source(title=f"Source {s} for {story.slug}", slug=f"{story.slug}-source-{s}",
                        publisher=f"Wire {s % 5}", text=text, published_at=published_at,
                        source_published_at=published_at, content_group=f"wire-{s % 7}", **PUBLISHED)
        source.sha256 = text_sha256(text)  # bulk_create skips save(), which sets it
        sources.append(source)
    Source.objects.bulk_create(sources)
    event_rows = []
    for i in range(events):
        precision = PRECISIONS[i % len(PRECISIONS)]
        occurred = now - timedelta(hours=(events - i) * 3)
        span = i % 50 == 0
        event_rows.append(Event(
            story=story, title=f"Event {i}: round {i} of talks", description=f"Description of event {i}.",
            occurred_at=occurred, precision=precision,
            ends_at=occurred + timedelta(days=30) if span else None,
            ends_precision=Precision.MONTH if span else "",
            place="Lancaster House, London" if i % 3 else "Geneva", is_key_event=i % 25 == 0,
            published_at=published_at, **PUBLISHED,
        ))
    Event.objects.bulk_create(event_rows, batch_size=2000)
    EventParticipation.objects.bulk_create([
        EventParticipation(event=e, actor=actors[(i + k) % n_actors], role="Delegate")
        for i, e in enumerate(event_rows) for k in range(2)
    ], batch_size=2000)
    statuses = list(VerificationStatus.values)[1:]
    claim_rows = []
    for i, event in enumerate(event_rows):
        statistic = i % 4 == 0
        claim_rows.append(Claim(
            story=story, event=event, claimant=actors[i % n_actors],
            kind=ClaimKind.STATISTIC if statistic else ClaimKind.DIRECT_QUOTE,
            text=f"progress on item {i} is steady", made_at=event.occurred_at, made_precision=Precision.DAY,
            verification_status=statuses[i % len(statuses)], verification_note="Checked against the wire.",
            stat_measure="Fall in exports" if statistic else "", stat_unit="percent" if statistic else "",
            stat_value=rng.randint(1, 40) if statistic else None, stat_period="May 2025" if statistic else "",
            published_at=published_at, **PUBLISHED,
        ))
    Claim.objects.bulk_create(claim_rows, batch_size=2000)
    citations = []
    for i, claim in enumerate(claim_rows):
        source_index = i % n_sources
        text = texts[source_index]
        line_no = rng.randrange(12)
        line = text.split("\n")[line_no]
        start = sum(len(x) + 1 for x in text.split("\n")[:line_no])
        citations.append(Citation(source=sources[source_index], claim=claim, excerpt=line, start=start, end=start + len(line)))
    Citation.objects.bulk_create(citations, batch_size=2000)
    ClaimStatusChange.objects.bulk_create([
        ClaimStatusChange(claim=c, from_status=VerificationStatus.UNREVIEWED, to_status=c.verification_status,
                          note="Initial review", changed_at=published_at)
        for c in claim_rows
    ], batch_size=2000)
    update_rows = [
        Update(story=story, posted_at=now - timedelta(minutes=(events - i) * 7), headline=f"Update {i}: talks continue",
               body=f"Paragraph one of update {i}.\n\nParagraph two with more detail about round {i}.",
               is_pinned=i == events - 1, sequence=i + 1, published_at=published_at, **PUBLISHED)
        for i in range(events)
    ]
    Update.objects.bulk_create(update_rows, batch_size=2000)
    Correction.objects.bulk_create([
        Correction(update=u, note=f"Correction: an earlier version of update {i} gave the wrong round.")
        for i, u in enumerate(update_rows) if i % 10 == 5
    ])
    Story.objects.filter(pk=story.pk).update(update_sequence=events)
    story.refresh_from_db()
    return story


def write_articles(directory: Path, count: int, *, seed: int = 11) -> None:
    """Write `count` synthetic article files (headline, front matter, quotes, figures, teasers)."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        body = "\n".join(sentence(rng, i * 100 + k) for k in range(15))
        (directory / f"article-{i:05d}.txt").write_text(
            f"---\npublisher: Wire {i % 9}\ndate: 2025-06-{1 + i % 28:02d}\n---\n"
            f"Synthetic headline number {i}\n\n{body}\nDiscover More\n\nUnrelated teaser with 96% off\n",
            encoding="utf-8",
        )
