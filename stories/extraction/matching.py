"""Find where a new text says what a known claim already says: the same quoted words, or the
same figure in near-same words. Pure functions; offsets index the text passed in.

Matching folds what differs between outlets copying the same words (curly or straight quotes
and apostrophes, dashes, runs of white space, letter case) and nothing else, so a match is
always the claim's words, never a paraphrase.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .figures import Figure, find_figures

_FOLD = str.maketrans({
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2018": "'", "\u2019": "'", "\u2013": "-", "\u2014": "-", "\u00a0": " ",
})
_EDGE = " \t\n\"'.,;:!?()[]-"
_WORD = re.compile(r"[^\W\d_]{4,}")
# A phrase this short ("a framework") turns up in unrelated articles.
MIN_WORDS = 4
# Share of a statistic claim's content words its figure's sentence must repeat.
MIN_OVERLAP = 0.5


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    text: str
    reason: str


@dataclass(frozen=True)
class KnownClaim:
    """What the matcher needs of a claim: its words (text and cited excerpts) and its figure."""

    words: Sequence[str]
    stat_value: Decimal | None = None
    stat_value_high: Decimal | None = None
    stat_unit: str = ""


class _Folded:
    """The text folded for comparison, with each folded character's offset in the original."""

    def __init__(self, text: str):
        chars, where = [], []
        previous_space = True
        for i, ch in enumerate(text.translate(_FOLD)):
            if ch.isspace():
                if previous_space:
                    continue
                ch, previous_space = " ", True
            else:
                previous_space = False
            chars.append(ch.lower())
            where.append(i)
        self.text, self.where = "".join(chars), where

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.where[start], self.where[end - 1] + 1


_UNITS = {"%": "percent", "per cent": "percent", "pct": "percent", "$": "usd", "us$": "usd", "dollars": "usd"}


def _unit(unit: str) -> str:
    unit = unit.strip().lower()
    return _UNITS.get(unit, unit)


def _fold_phrase(phrase: str) -> str:
    return " ".join(phrase.translate(_FOLD).split()).lower().strip(_EDGE)


def find_same_words(text: str, claim: KnownClaim, *, folded: _Folded | None = None) -> Match | None:
    """The first place `text` repeats one of the claim's phrases word for word (folding quotes and case)."""
    folded = folded or _Folded(text)
    for phrase in claim.words:
        needle = _fold_phrase(phrase)
        if len(needle.split()) < MIN_WORDS:
            continue
        at = folded.text.find(needle)
        if at != -1:
            start, end = folded.span(at, at + len(needle))
            return Match(start, end, text[start:end], "the same words")
    return None


def find_same_figure(text: str, claim: KnownClaim, *, figures: Iterable[Figure] | None = None) -> Match | None:
    """The sentence of `text` giving the claim's figure (same value, range and unit) in near-same words."""
    if claim.stat_value is None:
        return None
    wanted = {w.lower() for phrase in claim.words for w in _WORD.findall(phrase)}
    if not wanted:
        return None
    for figure in find_figures(text) if figures is None else figures:
        if (figure.value, figure.value_high) != (claim.stat_value, claim.stat_value_high):
            continue
        if claim.stat_unit and figure.unit and _unit(figure.unit) != _unit(claim.stat_unit):
            continue
        sentence = text[figure.sentence_start:figure.sentence_end]
        shared = wanted & {w.lower() for w in _WORD.findall(sentence)}
        if len(shared) >= MIN_OVERLAP * len(wanted):
            return Match(figure.sentence_start, figure.sentence_end, sentence, "the same figure")
    return None


def find_claim(text: str, claim: KnownClaim, *, folded: _Folded | None = None, figures=None) -> Match | None:
    """Where `text` says what `claim` says, if it does."""
    return find_same_words(text, claim, folded=folded) or find_same_figure(text, claim, figures=figures)


def prepare(text: str) -> tuple[_Folded, list[Figure]]:
    """Work done once per text when matching many claims against it."""
    return _Folded(text), list(find_figures(text))
