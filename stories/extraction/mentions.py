"""Actor mentions: where a known alias occurs in the text."""
from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass

from .layout import search_end


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str
    key: str


def _alias_pattern(alias: str) -> re.Pattern[str]:
    # Scraped text may break a name over a non-breaking space or use curly apostrophes.
    parts = ["".join("['’]" if c in "'’" else re.escape(c) for c in part) for part in alias.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)")


def find_mentions(text: str, aliases: Mapping[str, str], *, end: int | None = None) -> list[Mention]:
    """Whole-word, case-sensitive alias matches; the longest alias wins where matches overlap."""
    limit = search_end(text, end)
    candidates = [
        (m.start(), m.end(), key)
        for alias, key in aliases.items() if alias.strip()
        for m in _alias_pattern(alias).finditer(text, 0, limit)
    ]
    candidates.sort(key=lambda c: (c[0] - c[1], c[0]))
    taken: list[tuple[int, int, str]] = []  # kept sorted by start, never overlapping
    for s, e, key in candidates:
        k = bisect_right(taken, (s,))
        if (k == 0 or taken[k - 1][1] <= s) and (k == len(taken) or taken[k][0] >= e):
            taken.insert(k, (s, e, key))
    return [Mention(s, e, text[s:e], key) for s, e, key in taken]
