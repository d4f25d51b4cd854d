"""Citations are character offsets into a source's text: finding the words, and keeping each
citation on its words when the text changes.

One finder for every path that pins an excerpt (the desk's citation form, the importers, a
source edited in admin), so they agree on what "these words appear in the source" means.
"""

from __future__ import annotations

from django.utils import timezone

from .models import Citation, Source
from .permissions import can_verify


def occurrences(text: str, excerpt: str) -> list[int]:
    """Every offset at which `excerpt` starts in `text`, overlapping ones included."""
    found: list[int] = []
    if not excerpt:
        return found
    at = text.find(excerpt)
    while at != -1:
        found.append(at)
        at = text.find(excerpt, at + 1)
    return found


def nth_occurrence(text: str, excerpt: str, n: int) -> int | None:
    """Where the n-th (from 1) occurrence of `excerpt` starts, or None."""
    found = occurrences(text, excerpt)
    return found[n - 1] if 1 <= n <= len(found) else None


def nearest_occurrence(text: str, excerpt: str, near: int) -> int | None:
    """The occurrence of `excerpt` closest to offset `near`, or None."""
    found = occurrences(text, excerpt)
    return min(found, key=lambda p: abs(p - near)) if found else None


def relocate_citations(source: Source) -> int:
    """After a source's text changed, move each citation to its excerpt; flag those no longer found.

    Returns how many citations were flagged as stale.
    """
    flagged = 0
    for citation in Citation.objects.filter(source=source):
        if source.text[citation.start:citation.end] == citation.excerpt:
            new_start = citation.start
        else:
            new_start = nearest_occurrence(source.text, citation.excerpt, citation.start)
        if new_start is None:
            Citation.objects.filter(pk=citation.pk).update(is_stale=True)
            flagged += 1
        else:
            Citation.objects.filter(pk=citation.pk).update(
                start=new_start, end=new_start + len(citation.excerpt), is_stale=False
            )
    return flagged


def settle_relation(*, citation: Citation, before: Citation | None, user) -> None:
    """Record who vouches for how a citation bears on its claim or event (before saving it).

    An editor who adds a citation, or changes its relation, confirms it; a reporter's choice is a
    proposal until an editor confirms it. Only confirmed supporting citations make a claim
    "confirmed by N independent sources".
    """
    if before is not None and before.relation == citation.relation and before.relation_confirmed_by_id:
        return
    if user is not None and can_verify(user):
        citation.relation_confirmed_by, citation.relation_confirmed_at = user, timezone.now()
    else:
        citation.relation_confirmed_by, citation.relation_confirmed_at = None, None


def locate_excerpt(text: str, excerpt: str, start: int | None, end: int | None, *, source_name: str) -> tuple[int, int]:
    """The offsets of `excerpt` in `text`: the picked ones if they hold the words, else its only
    occurrence. Raise ValueError saying what to do when the words are missing or ambiguous."""
    if start is not None and end is not None and text[start:end] == excerpt:
        return start, end
    found = occurrences(text, excerpt)
    if len(found) == 1:
        return found[0], found[0] + len(excerpt)
    if not found:
        raise ValueError(f"These words are not in “{source_name}”. Select them in the source text.")
    raise ValueError(
        f"These words appear {len(found)} times in “{source_name}”: select the one you mean in the source text."
    )
