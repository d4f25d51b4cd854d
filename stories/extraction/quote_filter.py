"""Whether quoted words were said by someone, or are a scare quote or a title.

Rules catch titles and slogans they can name ("on NBC’s “Meet the Press”", a “Make America Great
Again” cap).  What is left is a judgement: “miracle” cures, a “historic” deal, the “independent”
website are the writer's words, while “extremely careless” in a sentence reporting what Comey
said is a quote.  A small logistic model weighs the clues the quote finder reads for each quote
(its length, whether a cue attributes it, whether the sentence or paragraph reports speech, a
determiner before it, a noun after it, first-person words inside it) and keeps the quote when
the odds favour speech.

The weights ship in ``quote_filter.json`` beside this module and are learned by
``manage.py train_quote_filter PATH`` from an annotated corpus (PolNeAR's ``data/train``); the
training is deterministic: same corpus, same file.
"""
from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

WEIGHTS_FILE = Path(__file__).with_name("quote_filter.json")
_EPOCHS = 40
_RATE = 0.1
_L2 = 1e-4

Features = Mapping[str, float]


@lru_cache(maxsize=1)
def _weights() -> dict[str, float]:
    return json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))["weights"]


def probability(features: Features, weights: Mapping[str, float] | None = None) -> float:
    """The model's probability that the quote is someone's words."""
    weights = _weights() if weights is None else weights
    z = sum(weights.get(name, 0.0) * value for name, value in features.items())
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))


def is_spoken(features: Features) -> bool:
    """Keep a quote the model finds more likely speech than not (the plain decision boundary: no
    threshold is tuned, on any split)."""
    return probability(features) >= 0.5


def train(examples: Iterable[tuple[Features, bool]]) -> dict[str, float]:
    """Logistic-regression weights by plain stochastic gradient descent, in the examples' order
    (no shuffling, so the same corpus always gives the same weights)."""
    examples = list(examples)
    weights = {name: 0.0 for features, _ in examples for name in features}
    for epoch in range(_EPOCHS):
        rate = _RATE / (1 + 0.1 * epoch)
        for features, spoken in examples:
            error = probability(features, weights) - spoken
            for name, value in features.items():
                weights[name] -= rate * (error * value + _L2 * weights[name])
    return {name: round(weight, 6) for name, weight in sorted(weights.items())}


def save(weights: Mapping[str, float], path: Path = WEIGHTS_FILE) -> None:
    path.write_text(json.dumps({"weights": dict(weights)}, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    _weights.cache_clear()
