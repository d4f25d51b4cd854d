"""Search across stories, updates, claims, events, actors and sources that readers can see.

On PostgreSQL: full-text search (English stemming, `websearch` syntax: "quoted phrases", -not, or)
ranked with weights (a headline outranks a body). On SQLite: every word must appear in one of the
same fields (case-insensitive), ranked by the same weights. Either way the ranking is one query
per kind over published rows only, capped, then merged; only the requested page's rows are
loaded, so a search costs a fixed number of queries. A story outranks the items inside it that
match as well (KIND_BOOST): a reader searching a story's topic wants the story first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import BooleanField, Case, F, FilteredRelation, FloatField, Func, Q, QuerySet, Value, When
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from .models import Actor, Claim, Event, Source, Story, Update, visible_to_readers

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
RESULTS_PER_KIND = 200
PAGE_SIZE = 20
WEIGHTS = {"A": 1.0, "B": 0.4, "C": 0.2, "D": 0.1}
# A story's standfirst and key developments state its topic; a match there beats a claim or an
# update that merely mentions it in passing.
KIND_BOOST = {"story": 3.0}
SNIPPET_WIDTH = 110


@dataclass(frozen=True)
class SearchKind:
    key: str
    label: str
    fields: dict[str, str]  # model field → weight A–D

    def published(self) -> QuerySet:
        return {
            "story": lambda: Story.objects.published(),
            "update": lambda: Update.objects.published(),
            # A claim is found by its claimant's name only while readers can see the claimant.
            "claim": lambda: Claim.objects.published().annotate(
                published_claimant=FilteredRelation("claimant", condition=visible_to_readers("claimant__"))
            ),
            "event": lambda: Event.objects.published(),
            "actor": lambda: Actor.objects.published(),
            "source": lambda: Source.objects.published(),
        }[self.key]()

    def load(self, pks) -> dict[int, object]:
        related = {"update": ["story"], "claim": ["story", "claimant"], "event": ["story"]}.get(self.key, [])
        return self.published().select_related(*related).in_bulk(list(pks))


KINDS = {
    kind.key: kind
    for kind in [
        SearchKind("story", "Stories", {"title": "A", "standfirst": "B", "key_developments": "C"}),
        SearchKind("update", "Updates", {"headline": "A", "body": "B"}),
        SearchKind("claim", "Claims", {"text": "A", "published_claimant__name": "B", "claimant_description": "C", "verification_note": "D"}),
        SearchKind("event", "Events", {"title": "A", "place": "B", "description": "C"}),
        SearchKind("actor", "People and bodies", {"name": "A", "role_title": "B", "bio": "C"}),
        SearchKind("source", "Sources", {"title": "A", "publisher": "B", "text": "D"}),
    ]
}


@dataclass(frozen=True)
class SearchHit:
    kind: SearchKind
    obj: object
    rank: float
    snippet: SafeString

    @property
    def title(self) -> str:
        return {
            "story": lambda o: o.title, "update": lambda o: o.headline,
            "claim": lambda o: o.text, "event": lambda o: o.title, "actor": lambda o: o.name,
            "source": lambda o: o.title,
        }[self.kind.key](self.obj)


def terms_of(query: str) -> list[str]:
    """The words a reader typed, without the search syntax around them."""
    words = re.findall(r"[\w’'.%-]+", query[:MAX_QUERY_LENGTH])
    return [w.strip(".-'’") for w in words if w.strip(".-'’") and w.lower() not in {"or", "and"}][:MAX_TERMS]


def search_vector(fields: dict[str, str]):
    """The weighted text vector of `fields`, written as the text indexes of migration 0019 are:
    PostgreSQL uses an index only for the very same expression."""
    from django.contrib.postgres.search import SearchVector

    vector = None
    for field, weight in fields.items():
        part = SearchVector(field, weight=weight, config="english")
        vector = part if vector is None else vector + part
    return vector


class _AnyOf(Func):
    """`column = ANY(ARRAY(subquery))`: beside an OR PostgreSQL reads an index for it, where for
    `column IN (subquery)` it tests every row."""

    template = "(%(expressions)s))"
    arg_joiner = " = ANY("
    output_field = BooleanField()


def _plain_words(query: str) -> bool:
    """Whether the query only asks for words and phrases, with no "-word" and no "or": then a row
    that matches has at least one of its words."""
    tokens = [token.strip('"') for token in query.split()]
    return not any(token.startswith("-") or token.lower() == "or" for token in tokens)


def _ranked_postgres(kind: SearchKind, query: str) -> QuerySet:
    from django.contrib.postgres.expressions import ArraySubquery
    from django.contrib.postgres.search import SearchQuery, SearchRank

    vector = search_vector(kind.fields)
    search_query = SearchQuery(query[:MAX_QUERY_LENGTH], search_type="websearch", config="english")
    rows = kind.published().annotate(document=vector).filter(document=search_query)
    own = {field: weight for field, weight in kind.fields.items() if "__" not in field}
    if own != kind.fields and _plain_words(query):
        # A claim's vector takes in its claimant's name from another table, which no index can
        # hold. A claim that matches has one of the words in its own fields (indexed) or in its
        # claimant's name (a few hundred actors), so those decide which claims are ranked at all.
        any_word = SearchQuery(" or ".join(terms_of(query)), search_type="websearch", config="english")
        named = Actor.objects.published().annotate(name_document=search_vector({"name": "B"})).filter(
            name_document=any_word,
        )
        rows = rows.annotate(own_document=search_vector(own)).filter(
            Q(own_document=any_word) | Q(_AnyOf(F("claimant_id"), ArraySubquery(named.values("pk"))))
        )
    return rows.annotate(rank=SearchRank(vector, search_query))


def _ranked_fallback(kind: SearchKind, terms: list[str]) -> QuerySet:
    queryset = kind.published()
    rank = Value(0.0, output_field=FloatField())
    for term in terms:
        in_any_field = Q()
        for field, weight in kind.fields.items():
            in_field = Q(**{f"{field}__icontains": term})
            in_any_field |= in_field
            rank = rank + Case(When(in_field, then=Value(WEIGHTS[weight])), default=Value(0.0))
        queryset = queryset.filter(in_any_field)
    return queryset.annotate(rank=rank)


def ranked(query: str, *, kind: str | None = None) -> list[tuple[float, str, int]]:
    """Return (rank, kind, pk) for every match, best first, at most RESULTS_PER_KIND per kind."""
    terms = terms_of(query)
    if not terms:
        return []
    results: list[tuple[float, str, int]] = []
    for search_kind in KINDS.values():
        if kind and search_kind.key != kind:
            continue
        if connection.vendor == "postgresql":
            queryset = _ranked_postgres(search_kind, query)
        else:
            queryset = _ranked_fallback(search_kind, terms)
        rows = queryset.order_by("-rank", "-pk").values_list("rank", "pk")[:RESULTS_PER_KIND]
        boost = KIND_BOOST.get(search_kind.key, 1.0)
        results += [(float(rank) * boost, search_kind.key, pk) for rank, pk in rows]
    results.sort(key=lambda row: (-row[0], row[1], -row[2]))
    return results


def _passage(text: str, positions: list[int], width: int) -> tuple[str, bool, bool]:
    """About 2 × width characters around the first match, cut only where a word ends."""
    start = max(0, min(positions) - width // 2) if positions else 0
    end = min(len(text), start + 2 * width)
    if start > 0 and not text[start - 1].isspace():
        # Never start inside a word: on to the next word, or back to this word's start when the
        # match itself is in it.
        first_match = min(positions) if positions else len(text)
        following = text.find(" ", start)
        start = following + 1 if 0 <= following < first_match else text.rfind(" ", 0, start) + 1
    if end < len(text) and not text[end].isspace():
        preceding = text.rfind(" ", start, end)
        end = preceding if preceding > start else end
    return text[start:end].strip(), start > 0, end < len(text)


def snippet(text: str, terms: list[str], width: int = SNIPPET_WIDTH) -> SafeString:
    """A short escaped passage of text around the first term found, whole words only, every term marked."""
    text = " ".join(text.split())
    lowered = text.lower()
    positions = [lowered.find(t.lower()) for t in terms if lowered.find(t.lower()) >= 0]
    passage, cut_before, cut_after = _passage(text, positions, width)
    lead = "…" if cut_before else ""
    trail = "…" if cut_after else ""
    if not terms:
        return format_html("{}{}{}", lead, passage, trail)
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    pieces, cursor = [], 0
    for match in pattern.finditer(passage):
        pieces.append(str(conditional_escape(passage[cursor:match.start()])))
        pieces.append(str(format_html("<mark>{}</mark>", match.group())))
        cursor = match.end()
    pieces.append(str(conditional_escape(passage[cursor:])))
    return format_html("{}{}{}", lead, mark_safe("".join(pieces)), trail)


def _snippet_source(kind: str, obj) -> str:
    return {
        "story": lambda o: o.standfirst, "update": lambda o: o.body,
        "claim": lambda o: o.verification_note or o.text, "actor": lambda o: o.bio or o.role_title,
        "event": lambda o: o.description or o.place, "source": lambda o: o.text,
    }[kind](obj)


def search_page(query: str, page_number, *, kind: str | None = None) -> Page:
    """One page of hits; only that page's rows are loaded (one query per kind on the page)."""
    paginator = Paginator(ranked(query, kind=kind), PAGE_SIZE)
    page = paginator.get_page(page_number)
    wanted: dict[str, list[int]] = {}
    for _, key, pk in page.object_list:
        wanted.setdefault(key, []).append(pk)
    loaded = {key: KINDS[key].load(pks) for key, pks in wanted.items()}
    terms = terms_of(query)
    page.object_list = [
        SearchHit(KINDS[key], loaded[key][pk], rank, snippet(_snippet_source(key, loaded[key][pk]), terms))
        for rank, key, pk in page.object_list
        if pk in loaded[key]
    ]
    return page
