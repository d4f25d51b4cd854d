"""How well backed: computed from citations, copies of one wire story counted once."""

import pytest

from stories.confidence import Backing, count_independent_sources
from stories.models import Claim, Event, PublicationStatus, Update
from tests.factories import cite, make_claim, make_event, make_source, make_story, make_update

pytestmark = pytest.mark.django_db

EXCERPT = "Exports fell 34.5% in May."


def backing_of(claim) -> Backing:
    return Claim.objects.for_list().get(pk=claim.pk).backing


def test_claim_without_citations_is_unconfirmed():
    backing = backing_of(make_claim())
    assert (backing.level, backing.label) == ("unconfirmed", "Unconfirmed")


def test_claim_with_one_source_is_single_source():
    claim = make_claim()
    source = make_source()
    cite(source, EXCERPT, claim=claim)
    cite(source, "talks are going well", claim=claim)
    backing = backing_of(claim)
    assert (backing.level, backing.label) == ("single-source", "Single source")


def test_claim_with_two_independent_sources_is_confirmed_by_two():
    claim = make_claim()
    cite(make_source(), EXCERPT, claim=claim)
    cite(make_source(text="A rival paper: Exports fell 34.5% in May."), EXCERPT, claim=claim)
    backing = backing_of(claim)
    assert (backing.level, backing.label) == ("confirmed", "Confirmed by 2 independent sources")


def test_copies_of_one_wire_story_count_once():
    claim = make_claim()
    cite(make_source(content_group="reuters-0610", text="Copy A. Exports fell 34.5% in May."), EXCERPT, claim=claim)
    cite(make_source(content_group="reuters-0610", text="Copy B! Exports fell 34.5% in May."), EXCERPT, claim=claim)
    assert backing_of(claim).label == "Single source"


def test_identical_texts_count_once_even_without_a_group():
    claim = make_claim()
    cite(make_source(), EXCERPT, claim=claim)
    cite(make_source(), EXCERPT, claim=claim)  # the factory's default text: same sha256
    assert backing_of(claim).independent_sources == 1


def test_group_and_hash_links_are_followed_through():
    class S:
        def __init__(self, pk, group, sha):
            self.pk, self.content_group, self.sha256 = pk, group, sha

    # a ~ b share a group, b ~ c share a text, so all three are one story; d is independent.
    sources = [S(1, "g", "x"), S(2, "g", "y"), S(3, "", "y"), S(4, "", "z")]
    assert count_independent_sources(sources) == 2
    assert count_independent_sources(reversed(sources)) == 2


def test_stale_citations_and_unpublished_sources_back_nothing():
    claim = make_claim()
    cite(make_source(status=PublicationStatus.DRAFT, published_at=None), EXCERPT, claim=claim)
    stale = cite(make_source(text="Other words. Exports fell 34.5% in May."), EXCERPT, claim=claim)
    type(stale).objects.filter(pk=stale.pk).update(is_stale=True)
    assert backing_of(claim).label == "Unconfirmed"


def test_event_backing_comes_from_its_citations():
    event = make_event()
    cite(make_source(), EXCERPT, event=event)
    cite(make_source(text="Elsewhere. Exports fell 34.5% in May."), EXCERPT, event=event)
    assert Event.objects.for_timeline().get(pk=event.pk).backing.independent_sources == 2


def test_update_backing_pools_its_published_claims_and_events():
    story = make_story()
    claim, event = make_claim(story=story), make_event(story=story)
    hidden = make_claim(story=story, status=PublicationStatus.DRAFT, published_at=None)
    cite(make_source(), EXCERPT, claim=claim)
    cite(make_source(text="Second. Exports fell 34.5% in May."), EXCERPT, event=event)
    cite(make_source(text="Third. Exports fell 34.5% in May."), EXCERPT, claim=hidden)
    update = make_update(story=story)
    update.claims.add(claim, hidden)
    update.events.add(event)
    assert Update.objects.for_list().get(pk=update.pk).backing.label == "Confirmed by 2 independent sources"


def test_london_seed_claim_backed_by_both_articles_is_confirmed_by_two(django_db_setup):
    import io

    from django.core.management import call_command

    call_command("import_seeds", stdout=io.StringIO())
    lions_share = Claim.objects.for_list().get(natural_key__endswith="china-rare-earth-lions-share")
    exports = Claim.objects.for_list().get(natural_key__endswith="china-exports-to-us-fell")
    assert lions_share.backing.label == "Confirmed by 2 independent sources"
    assert exports.backing.label == "Single source"
