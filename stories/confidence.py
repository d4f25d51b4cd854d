"""How well a claim, event or update is backed, computed from its citations and never typed by hand.

Two counts, each honest about what it means:

- **Reported in N sources**: the published sources citing it (not stale, not contradicting it).
  Repeating a claim is not evidence for it, so this never says "confirmed".
- **Confirmed by N independent sources**: only citations an editor confirmed as *supporting* it
  (independent evidence), and copies of one wire story or press release count once, whether an
  editor grouped them (`Source.content_group`) or the texts are byte-for-byte identical
  (`Source.sha256`).

A claim's badge never contradicts its verification status: "confirmed" is shown only for a claim
an editor marked corroborated (events and updates have no status of their own).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple, Protocol


class _Source(Protocol):
    pk: int
    content_group: str
    sha256: str


class _Citation(Protocol):
    source: _Source
    is_stale: bool
    confirmed_support: bool
    counts_as_reporting: bool


UNCONFIRMED = "unconfirmed"
REPORTED = "reported"
CONFIRMED = "confirmed"

# Verification statuses under which no badge may say "confirmed".
CONFIRMING_STATUSES = {"corroborated"}


def _sources(n: int, kind: str = "") -> str:
    return f"{n} {kind}source{'' if n == 1 else 's'}"


class Backing(NamedTuple):
    reported_in: int
    confirmed_by: int = 0
    contradicted_by: int = 0
    verification_status: str | None = None

    @property
    def is_confirmed(self) -> bool:
        if self.confirmed_by == 0:
            return False
        return self.verification_status is None or self.verification_status in CONFIRMING_STATUSES

    @property
    def level(self) -> str:
        if self.is_confirmed:
            return CONFIRMED
        return REPORTED if self.reported_in else UNCONFIRMED

    @property
    def label(self) -> str:
        if self.is_confirmed:
            return f"Confirmed by {_sources(self.confirmed_by, 'independent ')}"
        if self.reported_in:
            return f"Reported in {_sources(self.reported_in)}"
        return "No published source yet"

    @property
    def contradiction_label(self) -> str:
        return f"Contradicted by {_sources(self.contradicted_by)}" if self.contradicted_by else ""

    def __str__(self) -> str:
        return self.label


def count_independent_sources(sources: Iterable[_Source]) -> int:
    """Count sources, treating those that share a content group or a text hash as one."""
    sources = list(sources)
    if len(sources) < 2:  # most claims and events: nothing to group
        return len(sources)
    parent: dict[int, int] = {}

    def root(pk: int) -> int:
        while parent[pk] != pk:
            parent[pk] = parent[parent[pk]]
            pk = parent[pk]
        return pk

    first_with: dict[tuple[str, str], int] = {}
    for source in sources:
        if source.pk in parent:
            continue
        parent[source.pk] = source.pk
        # A source joins every earlier source it shares a group or a hash with (transitively).
        keys = [("sha256", source.sha256)]
        if source.content_group:
            keys.append(("group", source.content_group))
        for key in keys:
            if key in first_with:
                parent[root(source.pk)] = root(first_with[key])
            else:
                first_with[key] = source.pk
    return len({root(pk) for pk in parent})


def backing_for(citations: Iterable[_Citation], *, verification_status: str | None = None) -> Backing:
    """The backing these citations give (pass only citations of published sources)."""
    reporting, contradicting, confirming = set(), set(), []
    for citation in citations:
        if citation.is_stale:
            continue
        source = citation.source
        (reporting if citation.counts_as_reporting else contradicting).add(source.pk)
        if citation.confirmed_support:
            confirming.append(source)
    return Backing(
        reported_in=len(reporting),
        confirmed_by=count_independent_sources(confirming),
        contradicted_by=len(contradicting),
        verification_status=verification_status,
    )
