"""Score the quote finder against attribution annotations (brat standoff, e.g. PolNeAR).

The annotations mark every attribution (source, cue, content), direct or reported, but not
quotation marks.  So the gold quotes are derived by rules a reader can check:

- **Gold quote**: a passage between double quotation marks (“…” or "…") within one
  paragraph, at least half of whose word tokens lie inside one attribution's content.
  A paragraph whose quote is left open because the next paragraph re-opens it (news style for
  a long quote) gives a passage running to the paragraph's end.  Quoted words outside every
  attribution (titles, slogans, scare quotes) are not quotes, so finding them costs precision.
- **Match (the token-overlap rule)**: a found quote matches a gold quote when they share at
  least half of the word tokens of the longer of the two; each gold quote matches at most once.
- **Speaker**: a found speaker is right when its head word (a name's surname, a
  description's noun) is a head word of the annotated source or of one of its appositives
  ("Jane Doe, the minister" has two).  When the source is a pronoun, the heads of its
  antecedent count instead: the named mentions in the coreference chain that holds the
  pronoun (CoreNLP's, shipped with PolNeAR), or else the nearest earlier annotated source
  that is no pronoun.  Quotes whose attribution has no source are left out of the accuracy.

Everything here is pure: articles come in as :class:`~stories.extraction.brat.Article`.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from . import quote_filter
from .brat import Article, Attribution, Span
from .quotes import Quote, find_quotes, quote_candidates

ERROR_CLASSES = ("pronoun", "unnamed", "missing verb", "far subject", "colon/label", "nonsense speaker", "other")

_TOKEN = re.compile(r"\w+")
_PRONOUNS = frozenset("he she they it we i you him her them us me who which that this".split())
# Words that never head a noun phrase: a speaker made of them is a misparse, not a person.
_NOT_NOUN_PHRASE = frozenset(
    "it may might can could will would shall should must went goes go to following is was are were be been "
    "being has had have do did does if when after before because while although than".split()
)
_HEAD_STOP = frozenset("the a an of and jr sr ii iii s close familiar himself herself themselves itself".split())
_POSSESSIVES = frozenset("his her my their its our your mine hers theirs".split())
# Where a description's head ends: "a professor at Yale" is a professor, "the head of X" a head.
_PREPOSITION = re.compile(r"\s(?:of|at|in|on|for|from|with|to|close to|familiar with)\s")
_FAR_TOKENS = 4  # more words than this between source and cue: the subject sits far from its verb


@dataclass(frozen=True)
class GoldQuote:
    start: int
    end: int
    attribution: Attribution


@dataclass(frozen=True)
class Miss:
    """A wrongly attributed quote, kept for the error listing."""
    article: str
    error: str
    quote: str
    found: str | None
    expected: str
    context: str


@dataclass
class Report:
    articles: int = 0
    gold: int = 0
    found: int = 0
    matched: int = 0
    with_source: int = 0
    right_speaker: int = 0
    named_sources: int = 0  # matched quotes whose source is no pronoun: scored without antecedent guesses
    right_named: int = 0
    quoted_spans: int = 0  # every double-quoted passage: what a bare regex would call a quote
    quoted_spans_matched: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    misses: list[Miss] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.matched / self.found if self.found else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 0.0

    @property
    def speaker_accuracy(self) -> float:
        return self.right_speaker / self.with_source if self.with_source else 0.0


# --------------------------------------------------------------------------- gold quotes


def quoted_passages(text: str) -> list[Span]:
    """Every double-quoted passage, paragraph by paragraph (the gold side's quotation-mark rule)."""
    passages: list[Span] = []
    pending: Span | None = None  # a quote left open at a paragraph's end, kept if the next re-opens
    position = 0
    for line in text.split("\n"):
        stripped = line.lstrip()
        if pending is not None and stripped:
            if stripped[0] in "“\"":
                passages.append(pending)
            pending = None
        open_at: int | None = None
        for m in re.finditer(r"[“”\"]", line):
            i, mark = position + m.start(), m.group()
            if mark == "“" or (mark == '"' and open_at is None):
                open_at = i + 1
            elif open_at is not None:
                passages.append((open_at, i))
                open_at = None
        if open_at is not None:
            pending = (open_at, position + len(line.rstrip()))
        position += len(line) + 1
    return [trimmed for s, e in passages if (trimmed := _trim(text, s, e))[1] > trimmed[0]]


def _trim(text: str, start: int, end: int) -> Span:
    inner = text[start:end]
    return start + len(inner) - len(inner.lstrip()), end - len(inner) + len(inner.rstrip())


class _Tokens:
    """Word-token indexes of character spans, by binary search over token starts."""

    def __init__(self, text: str) -> None:
        found = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
        self.starts = [s for s, _ in found]
        self.ends = [e for _, e in found]

    def within(self, span: Span) -> range:
        return range(bisect_left(self.starts, span[0]), bisect_right(self.ends, span[1]))


def _overlap(a: range, b: range) -> int:
    return max(0, min(a.stop, b.stop) - max(a.start, b.start))


def gold_quotes(text: str, attributions: Sequence[Attribution], tokens: _Tokens | None = None) -> list[GoldQuote]:
    """Quoted passages that mostly lie inside an attribution's content."""
    tokens = tokens or _Tokens(text)
    result = []
    for span in quoted_passages(text):
        words = tokens.within(span)
        if not words:
            continue
        best, best_overlap = None, 0
        for attribution in attributions:
            shared = sum(_overlap(words, tokens.within(c)) for c in attribution.content)
            if shared > best_overlap:
                best, best_overlap = attribution, shared
        if best is not None and 2 * best_overlap >= len(words):
            result.append(GoldQuote(span[0], span[1], best))
    return result


def match(found: Sequence[Span], gold: Sequence[Span], tokens: _Tokens) -> list[tuple[int, int]]:
    """(found index, gold index) pairs sharing at least half the tokens of the longer span."""
    gold_words = [tokens.within(g) for g in gold]
    taken: set[int] = set()
    pairs = []
    for i, span in enumerate(found):
        words = tokens.within(span)
        for j, g in enumerate(gold_words):
            if j not in taken and words and 2 * _overlap(words, g) >= max(len(words), len(g)):
                pairs.append((i, j))
                taken.add(j)
                break
    return pairs

# --------------------------------------------------------------------------- speakers


def heads(phrase: str) -> set[str]:
    """Head words of a speaker phrase: 'Sen. Jane Doe (D-Mo.), the chair of X' -> {doe, chair}."""
    phrase = re.sub(r"\([^)]*\)", " ", phrase)
    result = set()
    for part in re.split(r",|\bwho\b|\bwhich\b|—|–", phrase):
        for piece in (part, _PREPOSITION.split(part)[0]):
            words = [w.lower() for w in _TOKEN.findall(piece) if w.lower() not in _HEAD_STOP]
            if words:
                result.add(words[-1])
    return result


def _primary_head(phrase: str) -> str | None:
    first = _PREPOSITION.split(re.split(r",|\(", phrase)[0])[0]
    words = [w.lower() for w in _TOKEN.findall(first) if w.lower() not in _HEAD_STOP]
    return words[-1] if words else None


def _span_text(text: str, spans: Sequence[Span]) -> str:
    return " ".join(text[s:e] for s, e in spans)


def _is_pronoun(phrase: str) -> bool:
    return phrase.strip().lower() in _PRONOUNS


def referents(article: Article, attribution: Attribution) -> set[str]:
    """Head words that name this attribution's source (for a pronoun, its antecedent's).

    The corpus marks no antecedents, so a pronoun takes two guesses and a speaker may match
    either: the named mentions in the coreference chain holding the pronoun, and the nearest
    earlier annotated source that is no pronoun.  Each alone is wrong about one time in four.
    """
    source = _span_text(article.text, attribution.source)
    if not _is_pronoun(source):
        return heads(source)
    start, end = attribution.source[0]
    found: set[str] = set()
    for chain in article.coreference:
        if any(s <= start < e or start <= s < end for s, e in chain):
            for s, e in chain:
                mention = article.text[s:e]
                head = _primary_head(mention)
                original = re.findall(r"\w+", re.split(r",|\(", mention)[0])
                if head and not _is_pronoun(mention) and head not in _POSSESSIVES and original[-1:][0][:1].isupper():
                    found.add(head)
    earlier = [a for a in article.attributions if a.source and a.source[0][0] < start
               and not _is_pronoun(_span_text(article.text, a.source))]
    if earlier:
        found |= heads(_span_text(article.text, max(earlier, key=lambda a: a.source[0][0]).source))
    return found


def speaker_is_right(article: Article, attribution: Attribution, speaker: str | None) -> bool:
    """Whether the found speaker names the annotated source (see the module docstring)."""
    head = _primary_head(speaker) if speaker else None
    return head is not None and head in referents(article, attribution)


def error_class(article: Article, quote: GoldQuote, speaker: str | None, tokens: _Tokens) -> str:
    """Which kind of miss a wrong speaker is, checked in the order of ERROR_CLASSES's causes."""
    text, attribution = article.text, quote.attribution
    source = _span_text(text, attribution.source)
    if speaker and (speaker.split()[0].lower() in _NOT_NOUN_PHRASE
                    or any(w.lower() in _NOT_NOUN_PHRASE - {"it"} for w in speaker.split())):
        return "nonsense speaker"
    source_end = attribution.source[-1][1]
    if source_end <= quote.start and quote.start - source_end < 80 and ":" in text[max(0, quote.start - 4):quote.start]:
        return "colon/label"  # "Doe sighed: “…”", "DOE: …"
    if _is_pronoun(source):
        return "pronoun"
    first = re.split(r",|\(", source)[0]
    head_words = [w for w in _TOKEN.findall(first) if w.lower() not in _HEAD_STOP]
    if head_words and not head_words[-1][0].isupper():
        return "unnamed"
    if speaker is None:
        return "missing verb"
    if attribution.cue:
        s_end, c_start = attribution.source[-1][1], attribution.cue[0][0]
        gap = tokens.within((s_end, c_start)) if s_end <= c_start else range(0)
        if len(gap) > _FAR_TOKENS:
            return "far subject"
    return "other"


def _context(text: str, quote: GoldQuote, attribution: Attribution) -> str:
    spans = [(quote.start, quote.end), *attribution.source, *attribution.cue]
    lo, hi = min(s for s, _ in spans), max(e for _, e in spans)
    return " ".join(text[max(0, lo - 40):min(len(text), hi + 40)].split())


def score_article(article: Article, found: Sequence[Quote], report: Report) -> None:
    """Add one article's counts (and misses) to ``report``."""
    text = article.text
    tokens = _Tokens(text)
    gold = gold_quotes(text, article.attributions, tokens)
    found = [q for q in found if tokens.within((q.start, q.end))]
    report.articles += 1
    report.gold += len(gold)
    report.found += len(found)
    pairs = match([(q.start, q.end) for q in found], [(g.start, g.end) for g in gold], tokens)
    report.matched += len(pairs)
    every = [p for p in quoted_passages(text) if tokens.within(p)]
    report.quoted_spans += len(every)
    report.quoted_spans_matched += len(match(every, [(g.start, g.end) for g in gold], tokens))
    for i, j in pairs:
        quote, gold_quote = found[i], gold[j]
        if not gold_quote.attribution.source:
            continue
        report.with_source += 1
        right = speaker_is_right(article, gold_quote.attribution, quote.speaker)
        if not _is_pronoun(_span_text(text, gold_quote.attribution.source)):
            report.named_sources += 1
            report.right_named += right
        if right:
            report.right_speaker += 1
            continue
        kind = error_class(article, gold_quote, quote.speaker, tokens)
        report.errors[kind] += 1
        report.misses.append(Miss(article.name, kind, quote.text, quote.speaker,
                                  _span_text(text, gold_quote.attribution.source),
                                  _context(text, gold_quote, gold_quote.attribution)))


def evaluate(articles: Iterable[Article], extract: Callable[[str], list[Quote]] = find_quotes) -> Report:
    """Score ``extract`` on every article: span precision/recall, speaker accuracy, error classes."""
    report = Report()
    for article in articles:
        score_article(article, extract(article.text), report)
    return report


def filter_examples(articles: Iterable[Article]) -> list[tuple[dict[str, float], bool]]:
    """(clues, is a gold quote) for every candidate quote, in corpus order: what ``quote_filter``
    learns from, labelled by this module's matching rule."""
    examples: list[tuple[dict[str, float], bool]] = []
    for article in articles:
        tokens = _Tokens(article.text)
        gold = [(g.start, g.end) for g in gold_quotes(article.text, article.attributions, tokens)]
        candidates = [(q, clues) for q, clues in quote_candidates(article.text) if tokens.within((q.start, q.end))]
        matched = {i for i, _ in match([(q.start, q.end) for q, _ in candidates], gold, tokens)}
        examples += [(clues, i in matched) for i, (_, clues) in enumerate(candidates)]
    return examples


def train_quote_filter(articles: Iterable[Article]) -> dict[str, float]:
    """Weights for ``quote_filter``, learned from annotated articles (e.g. PolNeAR's train)."""
    return quote_filter.train(filter_examples(articles))


def table(report: Report) -> list[tuple[str, str]]:
    """The report as (measure, value) rows, in the order the README prints them."""
    def pct(x: float) -> str:
        return f"{100 * x:.1f}%"
    every_p = report.quoted_spans_matched / report.quoted_spans if report.quoted_spans else 0.0
    every_r = report.quoted_spans_matched / report.gold if report.gold else 0.0
    rows = [
        ("articles", str(report.articles)),
        ("gold quotes", str(report.gold)),
        ("found quotes", str(report.found)),
        ("span precision", pct(report.precision)),
        ("span recall", pct(report.recall)),
        ("every quoted span: precision / recall", f"{pct(every_p)} / {pct(every_r)}"),
        ("matched quotes with an annotated source", str(report.with_source)),
        ("speaker accuracy", pct(report.speaker_accuracy)),
        ("speaker accuracy where the source is no pronoun",
         pct(report.right_named / report.named_sources if report.named_sources else 0.0)),
    ]
    rows += [(f"  wrong speaker: {kind}", str(report.errors[kind])) for kind in ERROR_CLASSES]
    return rows
