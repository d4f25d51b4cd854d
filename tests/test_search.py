"""Search: published stories, updates, claims and actors, ranked, paginated, on both databases."""

import io
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from stories.models import PublicationStatus, ReviewState
from stories.search import KINDS, ranked, search_vector, snippet
from tests.factories import make_actor, make_claim, make_story, make_update

pytestmark = pytest.mark.django_db

DRAFT = {"status": PublicationStatus.DRAFT, "published_at": None}


def hit_titles(response) -> list[str]:
    return re.findall(r'class="search-hit__title"><a href="[^"]+">([^<]+)</a>', response.content.decode())


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_search_finds_bessent_and_rare_earth_claims_in_the_seeds(client):
    call_command("import_seeds", stdout=io.StringIO())
    bessent = client.get("/search/?q=Bessent")
    assert bessent.status_code == 200
    assert "Scott Bessent" in hit_titles(bessent)
    rare_earths = client.get("/search/?q=rare+earth&kind=claim")
    titles = hit_titles(rare_earths)
    assert "China controls the lion’s share of global rare-earth production." in titles
    assert all("Candidate" not in t for t in titles)


def test_search_never_returns_unpublished_rows(client):
    story = make_story(title="Zanzibar talks")
    make_story(title="Zanzibar draft story", **DRAFT)
    make_update(story=story, headline="Zanzibar draft update", **DRAFT)
    make_update(story=story, headline="Zanzibar scheduled update", status=PublicationStatus.PUBLISHED,
                published_at=timezone.now() + timedelta(hours=1))
    make_claim(story=story, text="Zanzibar candidate claim", review_state=ReviewState.CANDIDATE, **DRAFT)
    make_claim(story=story, text="Zanzibar rejected claim", review_state=ReviewState.REJECTED, **DRAFT)
    make_actor(name="Zanzibar Draft Minister", **DRAFT)
    hidden_story = make_story(title="Hidden", **DRAFT)
    make_update(story=hidden_story, headline="Zanzibar update on a draft story")
    response = client.get("/search/?q=zanzibar")
    assert hit_titles(response) == ["Zanzibar talks"]
    assert "1 result for “zanzibar”" in text_of(response)


def test_a_match_in_a_headline_ranks_above_a_match_in_a_body(client):
    story = make_story(title="Trade talks")
    make_update(story=story, headline="Delegates arrive", body="They met at Lancaster House in the morning.")
    make_update(story=story, headline="Lancaster House hosts second day", body="More talks.")
    assert hit_titles(client.get("/search/?q=Lancaster")) == ["Lancaster House hosts second day", "Delegates arrive"]


def test_every_word_must_match(client):
    story = make_story(title="Chips and minerals")
    make_update(story=story, headline="Export controls on chips")
    make_update(story=story, headline="Export controls on minerals")
    assert hit_titles(client.get("/search/?q=export+chips")) == ["Export controls on chips"]


def test_search_results_are_paginated(client):
    story = make_story()
    for i in range(25):
        make_update(story=story, headline=f"Summit note {i}")
    first = client.get("/search/?q=summit")
    assert len(hit_titles(first)) == 20
    assert "25 results" in text_of(first) and "Page 1 of 2" in text_of(first)
    assert 'href="?q=summit&amp;page=2"' in first.content.decode()
    assert len(hit_titles(client.get("/search/?q=summit&page=2"))) == 5
    assert len(hit_titles(client.get("/search/?q=summit&page=999999999999999999"))) == 5


@pytest.mark.parametrize("matches", [3, 60])
def test_search_costs_a_fixed_number_of_queries(client, django_assert_max_num_queries, matches):
    story = make_story(title="Quorum story")
    for i in range(matches):
        make_update(story=story, headline=f"Quorum update {i}")
        make_claim(story=story, text=f"Quorum claim {i}")
        make_actor(name=f"Quorum person {i}")
    # One ranking query per kind (6) and one load per kind on the page (at most 6).
    with django_assert_max_num_queries(12):
        response = client.get("/search/?q=quorum")
    assert response.status_code == 200


def test_empty_or_hostile_queries_are_harmless(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/search/?q=").status_code == 200
    for query in ["<script>alert(1)</script>", "' OR 1=1 --", "a" * 5000, "\"unclosed", "-", "%00", "or and"]:
        response = client.get("/search/", {"q": query, "kind": "<b>"})
        assert response.status_code == 200, query
        assert "<script>alert" not in response.content.decode()


def test_kind_narrows_the_search(client):
    story = make_story(title="Tungsten story")
    make_update(story=story, headline="Tungsten update")
    make_actor(name="Tungsten Trader")
    assert hit_titles(client.get("/search/?q=tungsten&kind=actor")) == ["Tungsten Trader"]


def test_snippet_marks_terms_and_escapes_text():
    html = snippet("Officials <b>said</b> the talks were going well & calm.", ["talks"])
    assert html == "Officials &lt;b&gt;said&lt;/b&gt; the <mark>talks</mark> were going well &amp; calm."


def test_postgres_search_understands_word_forms():
    if connection.vendor != "postgresql":
        pytest.skip("Stemming is a PostgreSQL full-text feature; SQLite uses the substring fallback.")
    story = make_story(title="Tariff truce")
    make_update(story=story, headline="Negotiators negotiated tariffs")
    kinds = {kind for _, kind, _ in ranked("tariffs negotiating")}
    assert kinds == {"update"}
    assert {kind for _, kind, _ in ranked("tariff")} == {"story", "update"}


def test_a_claim_is_found_by_its_claimants_name_and_its_own_words_together(client):
    story = make_story(title="Geneva round")
    bessent = make_actor(name="Scott Bessent")
    hidden = make_actor(name="Howard Lutnick", **DRAFT)
    make_claim(story=story, text="Tariffs will come down within weeks.", claimant=bessent)
    make_claim(story=story, text="Tariffs stay until the licences flow.", claimant=hidden)
    make_claim(story=story, text="Bessent said tariffs were on the table.")
    make_claim(story=story, text="Export licences will be granted faster.", claimant=bessent)
    assert sorted(hit_titles(client.get("/search/?q=Bessent+tariffs&kind=claim"))) == [
        "Bessent said tariffs were on the table.", "Tariffs will come down within weeks.",
    ]
    assert hit_titles(client.get("/search/?q=Lutnick+tariffs&kind=claim")) == []
    assert hit_titles(client.get("/search/?q=%22Scott+Bessent%22+licences&kind=claim")) == [
        "Export licences will be granted faster.",
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the text indexes are PostgreSQL's (migration 0019)")
@pytest.mark.parametrize("kind", list(KINDS))
def test_postgres_search_expression_of_each_kind_is_the_one_its_text_index_holds(kind):
    """PostgreSQL reads an expression index only for the very same expression: were KINDS' fields
    or weights to change without a new index, search would quietly scan every row again."""
    from django.contrib.postgres.search import SearchQuery

    own = {field: weight for field, weight in KINDS[kind].fields.items() if "__" not in field}
    model = KINDS[kind].published().model
    with connection.cursor() as cursor:
        # A few rows, whose statistics the rest of the suite moves: a scan, or a walk of an index
        # in the model's order, may be cheaper. With both priced out, only a text index can serve.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    plan = model.objects.annotate(document=search_vector(own)).filter(
        document=SearchQuery("rare earth licences", search_type="websearch", config="english"),
    ).order_by().explain()
    assert f"Bitmap Index Scan on {kind}_search_idx" in plan

