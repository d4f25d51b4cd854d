"""What the extractor finds in a source, written where editors work with it: actor mentions, and
candidate claims (quotes with their speakers, figures with their sentences) in the review queue.

The seed importer and the desk (a source added or edited in admin) both call `extract_source()`
or its two steps, so a source gets the same treatment whichever way it arrived. Idempotent: a
candidate is keyed on its words (a fingerprint), so re-running never duplicates one and a
rejected candidate never comes back; mentions are made to match the text exactly.
"""

from __future__ import annotations

import hashlib
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Prefetch
from simple_history.utils import bulk_create_with_history

from stories import extraction
from stories.extraction import matching
from stories.models import (
    Actor,
    ActorAlias,
    CandidateEvent,
    Citation,
    CitationProposal,
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
    """Record the source's actor mentions; propose as citations its words that repeat claims the
    story already has; propose its other quotes, figures and dated events for review (for
    `story`, or for whichever story the editor accepting them picks)."""
    report = ImportReport()
    read_source(source=source, story=story, aliases=alias_map(), report=report)
    return report


def read_source(*, source: Source, story: Story | None, aliases: Mapping[str, int], report: ImportReport) -> None:
    """Every reading of one source, in order (the importer calls this for each article too)."""
    record_mentions(source=source, aliases=aliases, report=report)
    propose_citations(source=source, story=story, report=report)
    propose_candidates(source=source, story=story, aliases=aliases, report=report)
    propose_events(source=source, story=story, report=report)


def propose_citations(*, source: Source, story: Story | None, report: ImportReport) -> None:
    """Claims of `story` this source repeats (the same quote, or the same figure in near-same
    words), proposed as "also reported in this source" for an editor to confirm, once."""
    if story is None:
        return
    claims = (
        Claim.objects.filter(story=story, review_state=ReviewState.ACCEPTED)
        .exclude(citations__source=source)
        .prefetch_related(Prefetch("citations", queryset=Citation.objects.only("claim_id", "excerpt")))
    )
    folded, figures = matching.prepare(source.text)
    known = set(CitationProposal.objects.filter(source=source).values_list("claim_id", "start", "end"))
    for claim in claims:
        found = matching.find_claim(source.text, matching.KnownClaim(
            words=[c.excerpt for c in claim.citations.all()] + [claim.text],
            stat_value=claim.stat_value if claim.kind == ClaimKind.STATISTIC else None,
            stat_value_high=claim.stat_value_high, stat_unit=claim.stat_unit,
        ), folded=folded, figures=figures)
        if found is None or (claim.pk, found.start, found.end) in known:
            continue
        CitationProposal.objects.create(source=source, claim=claim, start=found.start, end=found.end,
                                        excerpt=found.text, reason=found.reason)
        report.count("proposed citations", "created")


def propose_events(*, source: Source, story: Story | None, report: ImportReport) -> None:
    """Dated sentences of the source as candidate events, dated against the source's own date."""
    if source.source_published_at is None:
        return
    tz = story.tzinfo if story else zoneinfo.ZoneInfo("UTC")
    new = []
    for dated in extraction.find_dated_sentences(source.text, published_at=source.source_published_at, tz=tz):
        key = _fingerprint(source, "event", source.text[dated.start:dated.end])
        new.append(CandidateEvent(
            story=story, source=source, start=dated.start, end=dated.end, excerpt=source.text[dated.start:dated.end],
            title=dated.title[:300], occurred_at=dated.occurred_at, precision=dated.precision,
            ends_at=dated.ends_at, ends_precision=dated.ends_precision or "", natural_key=key,
        ))
    known = set(CandidateEvent.objects.filter(natural_key__in=[c.natural_key for c in new])
                .values_list("natural_key", flat=True))
    fresh = list({c.natural_key: c for c in new if c.natural_key not in known}.values())
    CandidateEvent.objects.bulk_create(fresh)
    report.count("candidate events", "created", len(fresh))
    report.count("candidate events", "unchanged", len(new) - len(fresh))


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
    # Words already cited, or proposed as another source of a known claim, are not new claims.
    cited = [(c.start, c.end) for c in Citation.objects.filter(source=source, claim__isnull=False)]
    cited += list(CitationProposal.objects.filter(source=source).values_list("start", "end"))
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
