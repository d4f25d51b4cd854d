"""No uncited claim or event reaches readers, on every path; citations are made on the claim's or
event's own form, say how they bear on it, and an editor vouches for that."""

import pytest
from django.urls import reverse

from stories import publishing, review
from stories.ingest.bundles import export_bundle, import_bundle
from stories.ingest.report import BundleError
from stories.models import (
    Citation,
    CitationRelation,
    Claim,
    ClaimKind,
    Event,
    PublicationStatus,
    ReviewState,
    Source,
    VerificationStatus,
)

from .factories import admin_url, cite, draft, errors_on, make_claim, make_event, make_source, make_story, submit

pytestmark = pytest.mark.django_db

WORDS = "talks are going well"


def first_citation(source, words=WORDS, relation=CitationRelation.REPORTS) -> dict:
    start = source.text.index(words)
    return {"citations-0-source": str(source.pk), "citations-0-excerpt": words,
            "citations-0-start": str(start), "citations-0-end": str(start + len(words)),
            "citations-0-relation": relation}


def new_claim_fields(story, **extra) -> dict:
    return {"story": str(story.pk), "text": "Talks are going well, the minister said.", "kind": ClaimKind.DIRECT_QUOTE,
            "verification_status": VerificationStatus.UNVERIFIED, "status": PublicationStatus.PUBLISHED, **extra}


# --- Created with the first citation on the same form -------------------------------------------


def test_editor_publishes_a_new_claim_with_its_citation_in_one_submit(as_editor, editor):
    story, source = make_story(), make_source()
    response = submit(as_editor, admin_url(Claim, "add"), {**new_claim_fields(story), **first_citation(source)})
    assert response.status_code == 302, errors_on(response)
    claim = Claim.objects.get(text__startswith="Talks are going well")
    citation = claim.citations.get()
    assert (citation.source, citation.excerpt, claim.is_published()) == (source, WORDS, True)
    # Choosing how the words bear on the claim, as an editor, is the confirmation.
    assert citation.relation_confirmed_by == editor


def test_new_event_is_published_with_its_citation_from_the_same_form(as_editor):
    story, source = make_story(), make_source()
    response = submit(as_editor, admin_url(Event, "add"), {
        "story": str(story.pk), "title": "Talks resume", "when": "2025-06-09", "status": PublicationStatus.PUBLISHED,
        **first_citation(source),
    })
    assert response.status_code == 302, errors_on(response)
    assert Event.objects.published().get(title="Talks resume").citations.get().source == source


def test_a_claim_published_without_a_citation_is_refused_with_a_reason(as_editor):
    response = submit(as_editor, admin_url(Claim, "add"), new_claim_fields(make_story()))
    assert response.status_code == 200
    assert "Cite the exact words of a source" in errors_on(response)
    assert not Claim.objects.filter(text__startswith="Talks are going well").exists()


def test_a_claim_citing_only_a_draft_source_waits_for_the_source(as_editor):
    source = make_source(**draft())
    response = submit(as_editor, admin_url(Claim, "add"), {**new_claim_fields(make_story()), **first_citation(source)})
    assert "publish the source first" in errors_on(response)
    assert not Citation.objects.exists()


def test_an_uncited_claim_can_still_be_saved_as_a_draft(as_editor):
    response = submit(as_editor, admin_url(Claim, "add"), new_claim_fields(make_story(), status=PublicationStatus.DRAFT))
    assert response.status_code == 302, errors_on(response)


def test_reporter_choosing_a_relation_proposes_it_without_confirming(as_reporter):
    story, source = make_story(), make_source()
    response = submit(as_reporter, admin_url(Claim, "add"), {
        **new_claim_fields(story, status=PublicationStatus.DRAFT),
        **first_citation(source, relation=CitationRelation.SUPPORTS),
    })
    assert response.status_code == 302, errors_on(response)
    citation = Citation.objects.get()
    assert (citation.relation, citation.relation_confirmed_by) == (CitationRelation.SUPPORTS, None)


def test_make_a_claim_from_selected_words_opens_the_form_with_the_citation_filled_in(as_editor):
    source = make_source()
    start = source.text.index(WORDS)
    page = as_editor.get(admin_url(Claim, "add") + f"?cite_source={source.pk}&cite_start={start}&cite_end={start + len(WORDS)}")
    html = page.content.decode()
    assert 'name="citations-0-excerpt"' in html and WORDS in html
    assert f'name="citations-0-start" value="{start}"' in html


# --- Every other path to readers ------------------------------------------------------------------


def test_bulk_publish_names_the_uncited_claim_and_publishes_the_cited_one(editor):
    uncited = make_claim(**draft())
    cited = make_claim(**draft())
    cite(make_source(), WORDS, claim=cited)
    result = publishing.publish(objects=Claim.objects.filter(pk__in=[uncited.pk, cited.pk]), user=editor)
    assert result.changed == 1
    assert "Cite the exact words" in result.refused[0]
    assert list(Claim.objects.published()) == [Claim.objects.get(pk=cited.pk)]


def test_bulk_publish_action_in_admin_refuses_an_uncited_event(as_editor):
    event = make_event(**draft())
    response = as_editor.post(admin_url(Event, "changelist"), {
        "action": "publish_now", "_selected_action": [event.pk],
    }, follow=True)
    assert "Cite the exact words of a source before publishing this event" in response.content.decode()
    assert not Event.objects.published().exists()


def test_review_queue_cannot_publish_a_candidate_whose_source_is_a_draft(editor):
    candidate = make_claim(review_state=ReviewState.CANDIDATE, verification_status=VerificationStatus.UNREVIEWED,
                           **draft())
    cite(make_source(**draft()), WORDS, claim=candidate)
    with pytest.raises(Exception, match="publish the source first"):
        review.accept_candidate(claim=candidate, user=editor, kind=ClaimKind.DIRECT_QUOTE,
                                verification_status=VerificationStatus.UNVERIFIED, publish_now=True)
    assert Claim.objects.get(pk=candidate.pk).review_state == ReviewState.CANDIDATE


def test_restoring_a_bundle_with_an_uncited_published_claim_is_refused_whole():
    story = make_story()
    cited = make_claim(story=story)
    cite(make_source(), WORDS, claim=cited)
    bundle = export_bundle(story)
    bundle["claims"][0]["citations"] = []
    Claim.objects.all().delete()
    with pytest.raises(BundleError, match="Cite the exact words"):
        import_bundle(bundle)
    assert not Claim.objects.exists()


# --- Taking away the last citation --------------------------------------------------------------


@pytest.fixture
def published_claim_with_one_citation():
    claim = make_claim()
    return claim, cite(make_source(), WORDS, claim=claim)


def test_the_last_citation_of_a_published_claim_cannot_be_deleted(as_editor, published_claim_with_one_citation):
    claim, citation = published_claim_with_one_citation
    assert as_editor.post(admin_url(citation, "delete"), {"post": "yes"}).status_code == 403
    response = as_editor.post(admin_url(Citation, "changelist"), {
        "action": "delete_selected", "_selected_action": [citation.pk], "post": "yes",
    })
    assert response.status_code in {200, 403}
    assert Citation.objects.filter(pk=citation.pk).exists()


def test_deleting_the_last_citation_on_the_claim_form_says_what_to_do(as_editor, published_claim_with_one_citation):
    claim, citation = published_claim_with_one_citation
    response = submit(as_editor, admin_url(claim), {"citations-0-DELETE": "on"})
    assert response.status_code == 200
    assert "Cite the exact words of a source" in errors_on(response)
    assert Citation.objects.filter(pk=citation.pk).exists()


def test_moving_the_last_citation_to_another_claim_is_refused(as_editor, published_claim_with_one_citation):
    claim, citation = published_claim_with_one_citation
    other = make_claim(story=claim.story, **draft())
    response = submit(as_editor, admin_url(citation), {"claim": str(other.pk)})
    assert "rests on this citation alone" in errors_on(response)
    assert Citation.objects.get(pk=citation.pk).claim == claim


def test_with_a_second_citation_the_first_can_go(as_editor, published_claim_with_one_citation):
    claim, citation = published_claim_with_one_citation
    cite(make_source(text="Another paper: talks are going well, he said."), WORDS, claim=claim)
    response = as_editor.post(admin_url(citation, "delete"), {"post": "yes"})
    assert response.status_code == 302
    assert Claim.objects.published().filter(pk=claim.pk).exists()


def test_a_draft_claim_can_lose_its_last_citation(as_editor):
    claim = make_claim(**draft())
    citation = cite(make_source(), WORDS, claim=claim)
    assert as_editor.post(admin_url(citation, "delete"), {"post": "yes"}).status_code == 302


# --- A saved citation returns to its claim or event ----------------------------------------------


def test_saving_a_citation_returns_to_its_claim(as_editor):
    claim = make_claim()
    source = make_source(text="Elsewhere: talks are going well.")
    response = submit(as_editor, admin_url(Citation, "add") + f"?claim={claim.pk}", {
        "source": str(source.pk), "excerpt": WORDS, "start": "", "end": "", "relation": CitationRelation.SUPPORTS,
    })
    assert response.status_code == 302
    assert response["Location"] == admin_url(claim)
    assert claim.citations.get().relation_confirmed_by is not None


def test_saving_an_event_citation_returns_to_its_event(as_editor):
    event = make_event(**draft())
    source = make_source()
    citation = cite(source, WORDS, event=event)
    response = submit(as_editor, admin_url(citation), {"relation": CitationRelation.SUPPORTS})
    assert response["Location"] == admin_url(event)


# --- A source readers would lose, and a revision restored -----------------------------------------


def test_unpublishing_the_only_source_of_a_published_claim_is_refused_on_the_form_and_in_bulk(
    as_editor, editor, published_claim_with_one_citation
):
    claim, citation = published_claim_with_one_citation
    source = citation.source
    response = submit(as_editor, admin_url(source), {"status": PublicationStatus.DRAFT})
    assert "resting on this source alone" in errors_on(response)
    result = publishing.unpublish(objects=[source], user=editor)
    assert result.changed == 0 and "resting on this source alone" in result.refused[0]
    assert Source.objects.get(pk=source.pk).is_published()


def test_a_source_whose_claims_have_other_sources_can_be_unpublished(editor, published_claim_with_one_citation):
    claim, citation = published_claim_with_one_citation
    cite(make_source(text="Another paper: talks are going well, he said."), WORDS, claim=claim)
    assert publishing.unpublish(objects=[citation.source], user=editor).changed == 1


def test_restoring_a_published_revision_of_a_claim_that_lost_its_citations_is_refused(as_editor, editor):
    claim = make_claim(**draft())
    citation = cite(make_source(), WORDS, claim=claim)
    publishing.publish(objects=[claim], user=editor)
    published_revision = Claim.objects.get(pk=claim.pk).history.first()
    publishing.unpublish(objects=[claim], user=editor)
    citation.delete()
    url = reverse("admin:stories_claim_simple_history", args=[claim.pk, published_revision.history_id])
    response = submit(as_editor, url)
    assert "Cite the exact words of a source" in response.content.decode()
    assert not Claim.objects.published().filter(pk=claim.pk).exists()
