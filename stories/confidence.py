"""How well a claim, event or update is backed, computed from its citations and never typed by hand.

The rule: count the *independent* published sources behind the citations. Copies of one wire
story or press release are one source, whether an editor grouped them (`Source.content_group`)
or the texts are byte-for-byte identical (`Source.sha256`). A stale citation (its words are no
longer in the source) backs nothing.

    0 independent sources  → unconfirmed
    1                      → single source
    N ≥ 2                  → confirmed by N independent sources
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol


class _Source(Protocol):
    pk: int
    content_group: str
    sha256: str


class _Citation(Protocol):
    source: _Source
    is_stale: bool


UNCONFIRMED = "unconfirmed"
SINGLE_SOURCE = "single-source"
CONFIRMED = "confirmed"


@dataclass(frozen=True)
class Backing:
    independent_sources: int

    @property
    def level(self) -> str:
        if self.independent_sources == 0:
            return UNCONFIRMED
        if self.independent_sources == 1:
            return SINGLE_SOURCE
        return CONFIRMED

    @property
    def label(self) -> str:
        if self.independent_sources == 0:
            return "Unconfirmed"
        if self.independent_sources == 1:
            return "Single source"
        return f"Confirmed by {self.independent_sources} independent sources"

    def __str__(self) -> str:
        return self.label


def count_independent_sources(sources: Iterable[_Source]) -> int:
    """Count sources, treating those that share a content group or a text hash as one."""
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


def backing_for(citations: Iterable[_Citation]) -> Backing:
    """The backing that these citations give (pass only citations of published sources)."""
    return Backing(count_independent_sources(c.source for c in citations if not c.is_stale))
