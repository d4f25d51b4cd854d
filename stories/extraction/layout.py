"""Where an article ends, where its sentences are, and which quotation marks pair up.

Pure functions over one string; every offset indexes that exact string.  The quote,
figure and mention finders share these so they agree on sentence boundaries.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from itertools import pairwise


@dataclass(frozen=True)
class Piece:
    """A sentence, bullet or line fragment; ``bulleted`` marks a new list item."""
    start: int
    end: int
    bulleted: bool
    after_blank: bool


def bare(word: str) -> str:
    """A word without surrounding punctuation, lowercased: 'Smith’s,' -> 'smith’s'."""
    return word.strip(".,;:!?()[]“”\"‘’'").lower()

# --------------------------------------------------------------------------- article end

_TEASER_LINE = re.compile(
    r"(?:discover|read|see|explore) more(?: (?:stories|articles|news|from .{1,40}))?"
    r"|related(?: (?:articles|stories|posts|news|content|reading|coverage|links))?"
    r"|more (?:from .{1,40}|stories|articles|news|on this story)"
    r"|you (?:may|might) also (?:like|enjoy|be interested in)"
    r"|recommended(?: (?:for you|articles|stories|reading))?|also read|further reading",
    re.IGNORECASE,
)
# Teaser blocks trail the article; a mid-article "Related" line is more likely a heading.
_TEASER_MIN_FRACTION = 1 / 3


def undecorated(s: str) -> str:
    """Drop emoji, bullets, arrows and colons around a label: '🔗 Related:' -> 'Related'."""
    first = next((i for i, c in enumerate(s) if c.isalnum()), len(s))
    last = next((i for i in range(len(s) - 1, first - 1, -1) if s[i].isalnum()), first - 1)
    return s[first:last + 1]


def article_end(text: str) -> int:
    """Offset where the article proper ends: before trailing teaser/related-links blocks."""
    for line in re.finditer(r"^[^\n]{1,80}$", text, re.MULTILINE):
        if line.start() >= len(text) * _TEASER_MIN_FRACTION and _TEASER_LINE.fullmatch(undecorated(line.group())):
            return len(text[: line.start()].rstrip())
    return len(text)


def search_end(text: str, end: int | None) -> int:
    return max(0, min(len(text), article_end(text) if end is None else end))

# --------------------------------------------------------------------------- quote marks


def _can_open(text: str, i: int) -> bool:
    before = text[i - 1] if i else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return not after.isspace() and not before.isalnum()


def pair_quotes(text: str, end: int) -> list[tuple[int, int]]:
    """(open mark, close mark) index pairs of double quotation marks.

    A quote never crosses a line break, with one exception from news style: a long quote leaves
    each non-final paragraph unclosed and re-opens the next, so an open quote whose next paragraph
    starts with an opening mark ends at its own paragraph's end (the pair's second index is then
    just past the paragraph's last character).  Straight marks inside a curly quote that closes
    later on the line are a nested quote and stay inside it.
    """
    pairs: list[tuple[int, int]] = []
    closers = [m.start() for m in re.finditer("”", text[:end])]
    open_at: int | None = None
    curly = False
    for m in re.finditer(r"[“”\"\n]", text[:end]):
        i, mark = m.start(), m.group()
        if mark == "\n":
            if open_at is not None and _next_paragraph_reopens(text, i, end):
                pairs.append((open_at, len(text[:i].rstrip())))
            open_at = None  # an unclosed quote must not swallow the rest of the article
        elif mark == "“":
            open_at, curly = i, True  # a second opener means the first one was stray
        elif curly and mark == '"' and open_at is not None and _closes_later(closers, i, text, end):
            continue
        elif open_at is not None and not text[i - 1].isspace():
            pairs.append((open_at, i))
            open_at = None
        elif mark == '"' and _can_open(text, i):
            open_at, curly = i, False
    return pairs


def _next_paragraph_reopens(text: str, newline: int, end: int) -> bool:
    rest = text[newline:min(end, newline + 200)].lstrip()
    return rest[:1] in ("“", '"')


def _closes_later(closers: list[int], i: int, text: str, end: int) -> bool:
    """Whether a curly closing mark follows ``i`` on the same line."""
    k = bisect_right(closers, i)
    if k == len(closers):
        return False
    line_end = text.find("\n", i, end)
    return line_end < 0 or closers[k] < line_end


# --------------------------------------------------------------------------- sentences

_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sen rep gov gen lt col st jr sr rev capt sgt atty supt no vol inc corp co ltd vs etc "
    "jan feb mar apr aug sept sep oct nov dec approx est dept del".split()
)
_SENTENCE_END = re.compile(r"[.!?]+[”\"’)\]]*(?=[ \t]+(?:[-•*][ \t]+)?[“\"‘(\[]?(\w))")
_RUN_IN_BULLET = re.compile(r"(?<=[.!?:;”\")])[ \t]+[-•][ \t]+(?=\S)")


def _is_abbreviation(text: str, dot: int) -> bool:
    word = re.search(r"[\w.]*$", text[max(0, dot - 12):dot]).group()
    return word.lower() in _ABBREVIATIONS or re.fullmatch(r"(?:[A-Za-z]\.)*[A-Za-z]", word) is not None


def split_pieces(text: str, end: int, quotes: list[tuple[int, int]]) -> list[Piece]:
    """Split into sentences/bullets; never inside a quote unless it ends with the quote."""
    opens = [q[0] for q in quotes]

    def inside_quote(b: int) -> bool:
        k = bisect_right(opens, b - 1) - 1
        return k >= 0 and quotes[k][0] < b <= quotes[k][1]

    pieces: list[Piece] = []
    blank = False
    line_end = -1
    while line_end < end:
        line_start = line_end + 1
        line_end = text.find("\n", line_start, end)
        line_end = end if line_end < 0 else line_end
        if not text[line_start:line_end].strip():
            blank = True
            continue
        cuts = [line_start]
        for m in _SENTENCE_END.finditer(text, line_start, line_end):
            starts_sentence = m.group(1).isupper() or m.group(1).isdigit()
            if starts_sentence and not (m.group().count(".") == 1 and _is_abbreviation(text, m.start())):
                cuts.append(m.end())
        cuts += [m.start() for m in _RUN_IN_BULLET.finditer(text, line_start, line_end)]
        cuts = [*sorted({c for c in cuts if c == line_start or not inside_quote(c)}), line_end]
        for a, b in pairwise(cuts):
            raw = text[a:b]
            body = raw.lstrip(" \t")
            bulleted = body[:1] in "-•*" and body[1:2] in " \t"
            if bulleted:
                body = body[1:].lstrip(" \t")
            s = b - len(body)
            e = s + len(body.rstrip())
            if e > s:
                pieces.append(Piece(s, e, bulleted, blank))
                blank = False
    return pieces


def piece_at(pieces: list[Piece], starts: list[int], i: int) -> Piece | None:
    k = bisect_right(starts, i) - 1
    return pieces[k] if k >= 0 and i < pieces[k].end else None

