"""Search as a demanding reader uses it: events and sources are found, a story ranks first for
its own topic, snippets start on a whole word, and "nothing found" is a sentence, not a list item."""

import io
import re

import pytest
from django.core.management import call_command

from stories.models import PublicationStatus
from stories.search import snippet
from tests.factories import make_event, make_source, make_story

pytestmark = pytest.mark.django_db

SEED_STORY_TITLE = "US–China trade talks in London"


def hits(response) -> list[tuple[str, str]]:
    """(kind label, title) of each hit, in order."""
    html = response.content.decode()
    return re.findall(
        r'<p class="search-hit__kind">([^<·]+?)(?: · [^<]*)?</p>\s*<h3 class="search-hit__title"><a href="[^"]+">([^<]+)</a>',
        html,
    )


@pytest.fixture
def seeds(db):
    call_command("import_seeds", stdout=io.StringIO())


def test_an_event_title_is_found(client, seeds):
    found = hits(client.get("/search/", {"q": "truce frays"}))
    assert ("Events", "Truce frays over chip export controls and rare-earth shipments") in found
    assert ("Events", "Truce frays over chip export controls and rare-earth shipments") in hits(
        client.get("/search/", {"q": "shipments", "kind": "event"})
    )


def test_a_word_only_in_a_source_text_finds_the_source(client, seeds):
    found = hits(client.get("/search/", {"q": "ethane"}))
    assert [kind for kind, _ in found] == ["Sources"]
    assert "ethane" in client.get("/search/", {"q": "ethane"}).content.decode()


def test_the_story_ranks_first_for_its_own_topic(client, seeds):
    found = hits(client.get("/search/", {"q": "rare earth"}))
    assert found[0] == ("Stories", SEED_STORY_TITLE)


def test_draft_events_and_sources_are_not_found(client):
    story = make_story(title="Osmium talks")
    make_event(story=story, title="Osmium summit", status=PublicationStatus.DRAFT, published_at=None)
    make_source(title="Osmium memo", status=PublicationStatus.DRAFT, published_at=None)
    assert hits(client.get("/search/", {"q": "osmium"})) == [("Stories", "Osmium talks")]


def test_snippets_start_and_end_on_whole_words():
    text = ("The United States would ease export controls on semiconductors in return for China "
            "relaxing its grip on rare earth minerals, according to officials familiar with the talks "
            "who spoke on condition of anonymity because the negotiations were private and ongoing.")
    for term in ["return", "rare", "anonymity", "ongoing"]:
        html = str(snippet(text, [term], width=40))
        plain = re.sub(r"</?mark>", "", html).strip("…")
        assert text.find(plain) >= 0, html
        start = text.find(plain)
        assert start == 0 or text[start - 1] == " ", html
        end = start + len(plain)
        assert end == len(text) or text[end] == " ", html
        assert f"<mark>{term}</mark>" in html


def test_no_results_is_a_sentence_not_a_numbered_item(client):
    make_story(title="Something else")
    html = client.get("/search/", {"q": "xylophone"}).content.decode()
    assert "0 results for" in html
    assert '<p class="empty search-empty">Nothing published matches.' in html
    assert "<ol" not in html.split("results-heading", 1)[1]
