"""How well backed: "reported in" from any citation, "confirmed by" only from editor-confirmed
independent support, copies of one wire story counted once, never against the verification status."""

import pytest

from stories.confidence import Backing, count_independent_sources
from stories.models import Claim, CitationRelation, Event, PublicationStatus, Update, VerificationStatus
from tests.factories import cite, make_claim, make_event, make_source, make_story, make_update

pytestmark = pytest.mark.django_db

EXCERPT = "Exports fell 34.5% in May."


def backing_of(claim) -> Backing:
    return Claim.objects.for_list().get(pk=claim.pk).backing


def corroborated_claim(**overrides):
    return make_claim(verification_status=VerificationStatus.CORROBORATED, **overrides)


def test_claim_without_citations_says_no_published_source():
    backing = backing_of(make_claim())
    assert (backing.level, backing.label) == ("unconfirmed", "No published source yet")


def test_claim_cited_twice_in_one_source_is_reported_in_one():
    claim = make_claim()
    source = make_source()
    cite(source, EXCERPT, claim=claim)
    cite(source, "talks are going well", claim=claim)
    backing = backing_of(claim)
    assert (backing.level, backing.label) == ("reported", "Reported in 1 source")


def test_a_second_unconfirmed_citation_is_reporting_not_confirmation():
    # The bug readers saw: any second citation, even of an unrelated sentence, said "confirmed".
    claim = corroborated_claim()
    cite(make_source(), EXCERPT, claim=claim)
    cite(make_source(text="A rival paper: the minister said talks are going well."), "talks are going well", claim=claim)
    backing = backing_of(claim)
    assert (backing.level, backing.label) == ("reported", "Reported in 2 sources")


def test_editor_confirmed_support_from_two_independent_sources_confirms_a_corroborated_claim(editor):
    claim = corroborated_claim()
    cite(make_source(), EXCERPT, claim=claim, confirmed_by=editor)
    cite(make_source(text="A rival paper: Exports fell 34.5% in May."), EXCERPT, claim=claim, confirmed_by=editor)
    backing = backing_of(claim)
    assert (backing.level, backing.label) == ("confirmed", "Confirmed by 2 independent sources")


@pytest.mark.parametrize("status", [
    VerificationStatus.UNVERIFIED, VerificationStatus.DISPUTED, VerificationStatus.INACCURATE, VerificationStatus.RETRACTED,
])
def test_no_confirmed_badge_beside_a_status_that_says_otherwise(editor, status):
    claim = make_claim(verification_status=status)
    cite(make_source(), EXCERPT, claim=claim, confirmed_by=editor)
    cite(make_source(text="A rival paper: Exports fell 34.5% in May."), EXCERPT, claim=claim, confirmed_by=editor)
    assert backing_of(claim).label == "Reported in 2 sources"


def test_copies_of_one_wire_story_count_once(editor):
    claim = corroborated_claim()
    cite(make_source(content_group="reuters-0610", text="Copy A. Exports fell 34.5% in May."), EXCERPT, claim=claim,
         confirmed_by=editor)
    cite(make_source(content_group="reuters-0610", text="Copy B! Exports fell 34.5% in May."), EXCERPT, claim=claim,
         confirmed_by=editor)
    assert backing_of(claim).label == "Confirmed by 1 independent source"


def test_identical_texts_count_once_even_without_a_group(editor):
    claim = corroborated_claim()
    cite(make_source(), EXCERPT, claim=claim, confirmed_by=editor)
    cite(make_source(), EXCERPT, claim=claim, confirmed_by=editor)  # the factory's default text: same sha256
    assert backing_of(claim).confirmed_by == 1


def test_a_contradicting_source_is_named_not_counted_as_reporting():
    claim = make_claim()
    cite(make_source(), EXCERPT, claim=claim)
    cite(make_source(text="Another paper: Exports fell 34.5% in May."), EXCERPT, claim=claim,
         relation=CitationRelation.CONTRADICTS)
    backing = backing_of(claim)
    assert (backing.label, backing.contradiction_label) == ("Reported in 1 source", "Contradicted by 1 source")


def test_group_and_hash_links_are_followed_through():
    class S:
        def __init__(self, pk, group, sha):
            self.pk, self.content_group, self.sha256 = pk, group, sha

    # a ~ b share a group, b ~ c share a text, so all three are one story; d is independent.
    sources = [S(1, "g", "x"), S(2, "g", "y"), S(3, "", "y"), S(4, "", "z")]
    assert count_independent_sources(sources) == 2
    assert count_independent_sources(reversed(sources)) == 2


def test_stale_citations_and_unpublished_sources_back_nothing(editor):
    claim = corroborated_claim()
    cite(make_source(status=PublicationStatus.DRAFT, published_at=None), EXCERPT, claim=claim, confirmed_by=editor)
    stale = cite(make_source(text="Other words. Exports fell 34.5% in May."), EXCERPT, claim=claim, confirmed_by=editor)
    type(stale).objects.filter(pk=stale.pk).update(is_stale=True)
    assert backing_of(claim).label == "No published source yet"


def test_event_is_confirmed_by_its_editor_confirmed_independent_sources(editor):
    event = make_event()
    cite(make_source(), EXCERPT, event=event, confirmed_by=editor)
    cite(make_source(text="Elsewhere. Exports fell 34.5% in May."), EXCERPT, event=event, confirmed_by=editor)
    assert Event.objects.for_timeline().get(pk=event.pk).backing.label == "Confirmed by 2 independent sources"


def test_update_backing_pools_its_published_claims_and_events(editor):
    story = make_story()
    claim, event = corroborated_claim(story=story), make_event(story=story)
    hidden = make_claim(story=story, status=PublicationStatus.DRAFT, published_at=None)
    cite(make_source(), EXCERPT, claim=claim, confirmed_by=editor)
    cite(make_source(text="Second. Exports fell 34.5% in May."), EXCERPT, event=event, confirmed_by=editor)
    cite(make_source(text="Third. Exports fell 34.5% in May."), EXCERPT, claim=hidden, confirmed_by=editor)
    update = make_update(story=story)
    update.claims.add(claim, hidden)
    update.events.add(event)
    assert Update.objects.for_list().get(pk=update.pk).backing.label == "Confirmed by 2 independent sources"


def test_imported_citations_report_a_seed_claim_until_an_editor_confirms_them(django_db_setup):
    import io

    from django.core.management import call_command

    call_command("import_seeds", stdout=io.StringIO())
    lions_share = Claim.objects.for_list().get(natural_key__endswith="china-rare-earth-lions-share")
    exports = Claim.objects.for_list().get(natural_key__endswith="china-exports-to-us-fell")
    assert lions_share.backing.label == "Reported in 2 sources"
    assert exports.backing.label == "Reported in 1 source"


def test_an_update_linking_no_claim_or_event_gets_no_badge_rather_than_no_source():
    update = make_update(story=make_story())
    assert Update.objects.for_list().get(pk=update.pk).backing is None
