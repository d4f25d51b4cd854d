"""Synthetic article files for the import benchmark.

Synthetic stories (N events, claims and updates in proportion) are built by
`tests.factories.build_story`, which the query-budget tests use too.
"""

from __future__ import annotations

import random
from pathlib import Path

from tests.factories import sentence


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
