"""What the extractor finds in a source, written where editors work with it: actor mentions, and
candidate claims (quotes with their speakers, figures with their sentences) in the review queue.

The seed importer and the desk (a source added or edited in admin) both call `extract_source()`
or its two steps, so a source gets the same treatment whichever way it arrived. Idempotent: a
candidate is keyed on its words (a fingerprint), so re-running never duplicates one and a
rejected candidate never comes back; mentions are made to match the text exactly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from stories import extraction
from stories.models import (
    Actor,
    ActorAlias,
    Citation,
    Claim,
    ClaimKind,
    Mention,
    PublicationStatus,
    ReviewState,
    Source,
    Story,
    VerificationStatus,
)

from .report import ImportReport


@transaction.atomic
def extract_source(*, source: Source, story: Story | None) -> ImportReport:
    """Record the source's actor mentions and propose its quotes and figures for review (for
    `story`, or for whichever story the editor accepting them picks)."""
    report = ImportReport()
    aliases = alias_map()
    record_mentions(source=source, aliases=aliases, report=report)
    propose_candidates(source=source, story=story, aliases=aliases, report=report)
    return report


def record_mentions(*, source: Source, aliases: Mapping[str, int], report: ImportReport) -> None:
    """Make the source's mentions exactly the actor names and aliases found in its text."""
    found = {(m.start, m.end, m.key) for m in extraction.find_mentions(source.text, aliases)}
    existing = {(m.start, m.end, m.actor_id): m.pk for m in source.mentions.all()}
    stale = [pk for key, pk in existing.items() if key not in found]
    Mention.objects.filter(pk__in=stale).delete()
    new = [Mention(source=source, actor_id=key, start=start, end=end)
           for start, end, key in found - set(existing)]
    Mention.objects.bulk_create(new)
    report.count("mentions", "created", len(new))
    report.count("mentions", "unchanged", len(found) - len(new))


def propose_candidates(*, source: Source, story: Story | None, aliases: Mapping[str, int], report: ImportReport) -> None:
    """Add the source's quotes and figures that no claim cites yet to the review queue, once."""
    cited = [(c.start, c.end) for c in Citation.objects.filter(source=source, claim__isnull=False)]
    candidates = [*_quote_candidates(source, aliases), *_figure_candidates(source)]
    fresh = [c for c in candidates if not any(s < c.end and c.start < e for s, e in cited)]
    known = set(Claim.objects.filter(natural_key__in=[c.key for c in fresh]).values_list("natural_key", flat=True))
    report.count("candidate claims", "unchanged", len(candidates) - len(fresh) + len(known))
    new = {}
    for candidate in fresh:
        if candidate.key not in known:
            new.setdefault(candidate.key, candidate)
    # Articles can hold dozens of candidates: insert them (and their history rows) in bulk.
    claims = bulk_create_with_history([
        Claim(story=story, natural_key=c.key, review_state=ReviewState.CANDIDATE,
              verification_status=VerificationStatus.UNREVIEWED, status=PublicationStatus.DRAFT, **c.fields)
        for c in new.values()
    ], Claim)
    # Excerpts are sliced from the source at the offsets, so they match by construction.
    bulk_create_with_history([
        Citation(source=source, claim=claim, start=c.start, end=c.end, excerpt=source.text[c.start:c.end])
        for claim, c in zip(claims, new.values())
    ], Citation)
    report.count("candidate claims", "created", len(claims))


@dataclass(frozen=True)
class _Candidate:
    key: str
    start: int
    end: int
    fields: dict


def _fingerprint(source: Source, kind: str, text: str) -> str:
    # Keyed on the words, not the offsets, so an edited article does not resurrect rejected ones.
    # A source added on the desk has no file name; its id stands in (seed keys stay as they were).
    origin = source.imported_from or f"source:{source.pk}"
    digest = hashlib.sha256(f"{origin}\x00{kind}\x00{text}".encode()).hexdigest()
    return f"extracted:{digest[:40]}"


def _quote_candidates(source: Source, aliases: Mapping[str, int]) -> Iterable[_Candidate]:
    lowered = {alias.lower(): pk for alias, pk in aliases.items()}
    for quote in extraction.find_quotes(source.text):
        actor_id = lowered.get(quote.speaker.lower()) if quote.speaker else None
        description = quote.speaker or ""
        if quote.speaker_role and actor_id is None and description:
            description = f"{description} ({quote.speaker_role})"
        yield _Candidate(
            key=_fingerprint(source, ClaimKind.DIRECT_QUOTE, quote.text),
            start=quote.start, end=quote.end,
            fields={"kind": ClaimKind.DIRECT_QUOTE, "text": quote.text, "claimant_id": actor_id,
                    "claimant_description": description[:200]},
        )


def _figure_candidates(source: Source) -> Iterable[_Candidate]:
    for figure in extraction.find_figures(source.text):
        sentence = source.text[figure.sentence_start:figure.sentence_end]
        yield _Candidate(
            key=_fingerprint(source, ClaimKind.STATISTIC, f"{figure.text}\x00{sentence}"),
            start=figure.sentence_start, end=figure.sentence_end,
            fields={"kind": ClaimKind.STATISTIC, "text": sentence, "stat_value": figure.value,
                    "stat_value_high": figure.value_high, "stat_unit": figure.unit[:50]},
        )


def alias_map() -> dict[str, int]:
    """Every actor name and alias → actor id, for recognising mentions and speakers."""
    aliases = {alias: actor_id for alias, actor_id in ActorAlias.objects.values_list("alias", "actor_id")}
    for name, actor_id in Actor.objects.values_list("name", "pk"):
        aliases.setdefault(name, actor_id)
    return aliases
