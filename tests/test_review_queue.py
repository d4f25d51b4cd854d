"""The review queue, where the desk's work happens: correct a candidate before accepting it,
decide several at once, accept dated events and confirm "also reported in this source"."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from stories.extraction import matching
from stories.ingest.extracted import extract_source
from stories.models import (
    Actor,
    CandidateEvent,
    CitationProposal,
    CitationRelation,
    Claim,
    ClaimKind,
    Event,
    PublicationStatus,
    ReviewState,
    Story,
    VerificationStatus,
)

from .factories import cite, draft, errors_on, form_data, make_claim, make_source, make_story, submit

pytestmark = pytest.mark.django_db

QUEUE = "admin:stories_claim_review"


def candidate(story, text="“We have agreed a framework,” Lutnick said.", **fields):
    claim = make_claim(story, text=text, kind=ClaimKind.DIRECT_QUOTE, review_state=ReviewState.CANDIDATE,
                       verification_status=VerificationStatus.UNREVIEWED, **draft(), **fields)
    source = make_source(text=f"London. {text} Talks went on.")
    cite(source, text, claim=claim)
    return claim


def decide(client, changes: dict):
    response = submit(client, reverse(QUEUE), changes, form_id="review-form")
    assert response.status_code == 302, errors_on(response)
    return response


# --- Candidate claims -----------------------------------------------------------------------------


def test_editor_corrects_words_and_names_a_new_speaker_before_accepting(as_editor):
    story = make_story()
    quote = candidate(story)
    p = f"c{quote.pk}"
    decide(as_editor, {"_accept": p, f"{p}-text": "We have agreed a framework", f"{p}-new_speaker": "Li Chenggang"})
    claim = Claim.objects.get(pk=quote.pk)
    assert (claim.text, claim.claimant.name, claim.review_state) == ("We have agreed a framework", "Li Chenggang",
                                                                      ReviewState.ACCEPTED)
    assert Actor.objects.filter(name="Li Chenggang").count() == 1


def test_an_accepted_candidate_is_a_draft_unless_the_editor_ticks_publish(as_editor):
    quote = candidate(make_story())
    decide(as_editor, {"_accept": f"c{quote.pk}"})
    assert Claim.objects.get(pk=quote.pk).status == PublicationStatus.DRAFT


def test_editor_accepts_several_ticked_candidates_in_one_submit(as_editor):
    story = make_story()
    first, second, untouched = candidate(story), candidate(story, "“Talks are going well,” he said."), \
        candidate(story, "“No comment,” she said.")
    decide(as_editor, {"_accept_selected": "Accept selected", f"c{first.pk}-selected": "on",
                       f"c{second.pk}-selected": "on"})
    states = dict(Claim.objects.values_list("pk", "review_state"))
    assert (states[first.pk], states[second.pk], states[untouched.pk]) == ("accepted", "accepted", "candidate")


def test_editor_rejects_several_ticked_candidates_in_one_submit(as_editor):
    story = make_story()
    first, second = candidate(story), candidate(story, "“Talks are going well,” he said.")
    decide(as_editor, {"_reject_selected": "Reject selected", f"c{first.pk}-selected": "on",
                       f"c{second.pk}-selected": "on"})
    assert set(Claim.objects.values_list("review_state", flat=True)) == {ReviewState.REJECTED}


def test_one_bad_candidate_in_a_bulk_accept_saves_none_of_them(as_editor):
    story = make_story()
    good, bad = candidate(story), candidate(story, "“Talks are going well,” he said.")
    response = submit(as_editor, reverse(QUEUE), {
        "_accept_selected": "Accept selected", f"c{good.pk}-selected": "on", f"c{bad.pk}-selected": "on",
        f"c{bad.pk}-kind": ClaimKind.STATISTIC,
    }, form_id="review-form")
    assert response.status_code == 200
    assert "A statistic needs a value" in response.content.decode()
    assert set(Claim.objects.values_list("review_state", flat=True)) == {ReviewState.CANDIDATE}


def test_a_figure_is_corrected_in_the_queue_before_accepting(as_editor):
    story = make_story()
    figure = candidate(story, "Exports fell 34.5% in May.", )
    Claim.objects.filter(pk=figure.pk).update(kind=ClaimKind.STATISTIC, stat_value=Decimal("34"))
    p = f"c{figure.pk}"
    decide(as_editor, {"_accept": p, f"{p}-stat_value": "34.5", f"{p}-stat_unit": "%",
                       f"{p}-stat_measure": "China's exports to the US", f"{p}-stat_period": "May 2025"})
    claim = Claim.objects.get(pk=figure.pk)
    assert (claim.stat_value, claim.stat_unit, claim.stat_period) == (Decimal("34.5"), "%", "May 2025")


def test_queue_can_show_only_what_one_source_gave(as_editor):
    story = make_story()
    first, second = candidate(story), candidate(story, "“Talks are going well,” he said.")
    source = first.citations.get().source
    page = as_editor.get(reverse(QUEUE) + f"?source={source.pk}").content.decode()
    assert f'id="candidate-c{first.pk}"' in page and f'id="candidate-c{second.pk}"' not in page


# --- Candidate events -----------------------------------------------------------------------------


def candidate_event(story, **fields):
    source = make_source(text="Officials met on June 9, 2025 in London. Talks went on.")
    words = "Officials met on June 9, 2025 in London."
    return CandidateEvent.objects.create(
        story=story, source=source, start=0, end=len(words), excerpt=words, title="Officials met in London",
        occurred_at=datetime(2025, 6, 8, 23, tzinfo=UTC), precision="day", natural_key=f"e-{source.pk}", **fields,
    )


def test_accepting_a_dated_sentence_makes_a_draft_event_cited_to_it(as_editor):
    proposed = candidate_event(make_story())
    decide(as_editor, {"_accept": f"e{proposed.pk}", f"e{proposed.pk}-title": "Talks open at Lancaster House"})
    event = Event.objects.get()
    assert (event.title, event.status, event.precision) == ("Talks open at Lancaster House", "draft", "day")
    assert event.citations.get().excerpt == proposed.excerpt
    assert CandidateEvent.objects.get().review_state == ReviewState.ACCEPTED


def test_an_accepted_event_can_go_out_at_once_with_its_citation(as_editor):
    proposed = candidate_event(make_story())
    decide(as_editor, {"_accept": f"e{proposed.pk}", f"e{proposed.pk}-publish_now": "on"})
    assert Event.objects.published().get().citations.exists()


def test_a_rejected_event_leaves_the_queue(as_editor):
    proposed = candidate_event(make_story())
    decide(as_editor, {"_reject": f"e{proposed.pk}"})
    assert f"candidate-e{proposed.pk}" not in as_editor.get(reverse(QUEUE)).content.decode()
    assert not Event.objects.exists()


# --- Also reported in this source ------------------------------------------------------------------


QUOTE = "We have reached a framework to implement the Geneva consensus"


@pytest.fixture
def known_claim():
    story = make_story()
    claim = make_claim(story, text=QUOTE, kind=ClaimKind.DIRECT_QUOTE)
    cite(make_source(text=f"Reuters. Lutnick said: “{QUOTE}.”"), QUOTE, claim=claim)
    return claim


def test_a_new_source_repeating_a_claim_proposes_it_as_another_citation(known_claim, editor):
    source = make_source(text=f"AP. “{QUOTE.lower()},” the commerce secretary told reporters.")
    extract_source(source=source, story=known_claim.story)
    proposal = CitationProposal.objects.get()
    assert (proposal.claim, proposal.source) == (known_claim, source)
    assert proposal.excerpt.lower() == QUOTE.lower()
    # …and the same words are not proposed again as a new candidate claim.
    assert not Claim.objects.candidates().filter(citations__source=source, text__icontains="geneva").exists()


def test_confirming_a_proposal_as_support_cites_it_and_records_the_editor(as_editor, editor, known_claim):
    source = make_source(text=f"AP. “{QUOTE},” the commerce secretary told reporters.")
    extract_source(source=source, story=known_claim.story)
    proposal = CitationProposal.objects.get()
    decide(as_editor, {"_accept": f"p{proposal.pk}", f"p{proposal.pk}-relation": CitationRelation.SUPPORTS})
    citation = known_claim.citations.get(source=source)
    assert (citation.relation, citation.relation_confirmed_by) == (CitationRelation.SUPPORTS, editor)


def test_a_dismissed_proposal_does_not_come_back_when_the_source_is_read_again(as_editor, known_claim):
    source = make_source(text=f"AP. “{QUOTE},” he said.")
    extract_source(source=source, story=known_claim.story)
    proposal = CitationProposal.objects.get()
    decide(as_editor, {"_reject": f"p{proposal.pk}"})
    extract_source(source=source, story=known_claim.story)
    assert CitationProposal.objects.get().review_state == ReviewState.REJECTED


# --- Matching, as a pure function -----------------------------------------------------------------


def test_matching_folds_quotes_case_and_spacing_but_not_words():
    claim = matching.KnownClaim(words=["“Talks are going well,” he said"])
    text = 'Officials said "talks  are going\nwell," he said on Tuesday.'
    found = matching.find_same_words(text, claim)
    assert found and text[found.start:found.end] == found.text
    assert matching.find_same_words("Talks are going badly, he said.", claim) is None


def test_a_short_phrase_is_too_common_to_match():
    assert matching.find_same_words("They agreed a framework.", matching.KnownClaim(words=["a framework"])) is None


def test_the_same_figure_in_near_same_words_matches_its_sentence():
    claim = matching.KnownClaim(words=["China's exports to the United States fell 34.5% in May"],
                                stat_value=Decimal("34.5"), stat_unit="%")
    text = "Trade slowed. Exports from China to the United States dropped 34.5% in May, data showed. Prices rose 34.5%."
    found = matching.find_same_figure(text, claim)
    assert found and found.text.startswith("Exports from China")


def test_the_same_number_in_an_unrelated_sentence_is_not_the_same_figure():
    claim = matching.KnownClaim(words=["China's exports to the United States fell 34.5% in May"],
                                stat_value=Decimal("34.5"), stat_unit="%")
    assert matching.find_same_figure("Apple shares rose 34.5% this year.", claim) is None


# --- The story desk: pages opened from it return to it ---------------------------------------------


def test_a_claim_opened_from_the_story_desk_returns_there_once_saved(as_editor):
    story = make_story()
    claim = make_claim(story)
    cite(make_source(), "talks are going well", claim=claim)
    desk = as_editor.get(reverse("admin:stories_story_change", args=[story.pk])).content.decode()
    link = reverse("admin:stories_claim_change", args=[claim.pk]) + f"?story={story.pk}"
    assert link in desk
    response = submit(as_editor, link, {"text": "Talks are going well, he said."})
    assert response["Location"] == reverse("admin:stories_story_change", args=[story.pk])


def test_an_event_added_from_the_desk_returns_there_with_what_readers_see(as_editor):
    story, source = make_story(), make_source()
    words = "talks are going well"
    start = source.text.index(words)
    response = submit(as_editor, reverse("admin:stories_event_add") + f"?story={story.pk}", {
        "title": "Talks resume", "when": "2025-06-09", "status": PublicationStatus.PUBLISHED,
        "citations-0-source": str(source.pk), "citations-0-excerpt": words,
        "citations-0-start": str(start), "citations-0-end": str(start + len(words)),
    })
    assert response["Location"] == reverse("admin:stories_story_change", args=[story.pk])
    follow = as_editor.get(response["Location"]).content.decode()
    assert "Added “Talks resume”. It is live on the story page." in follow


def test_an_update_posted_from_the_desk_is_live_and_the_desk_says_so(as_editor, editor):
    from stories.models import Update

    story = make_story()
    desk = reverse("admin:stories_story_change", args=[story.pk])
    data = form_data(as_editor.get(desk), "quick-post")
    assert data["publish_now"] == ["on"]  # an editor's update goes out unless they untick it
    response = as_editor.post(reverse("admin:stories_story_post_update", args=[story.pk]), {
        **data, "headline": "Talks end", "body": "Both sides left Lancaster House."})
    assert response["Location"] == desk
    update = Update.objects.published().get(headline="Talks end")
    assert (update.author, update.story) == (editor, story)
    assert "Posted “Talks end”. It is live on the story page." in as_editor.get(desk).content.decode()


def test_a_reporter_posting_from_the_desk_leaves_a_draft(as_reporter):
    from stories.models import Update

    story = make_story()
    desk = reverse("admin:stories_story_change", args=[story.pk])
    page = as_reporter.get(desk).content.decode()
    assert 'name="publish_now"' not in page
    as_reporter.post(reverse("admin:stories_story_post_update", args=[story.pk]),
                     {"headline": "Talks end", "body": "Both sides left.", "publish_now": "on"})
    assert Update.objects.get(headline="Talks end").status == PublicationStatus.DRAFT


def test_importing_the_seeds_queues_their_dated_sentences_with_honest_precision():
    import io

    from django.core.management import call_command

    call_command("import_seeds", stdout=io.StringIO())
    story = Story.objects.get()
    geneva = CandidateEvent.objects.get(source__imported_from__startswith="2025-06-10",
                                        excerpt__contains="Geneva last month")
    local = geneva.occurred_at.astimezone(story.tzinfo)
    assert (geneva.precision, local.year, local.month, local.day) == ("month", 2025, 5, 1)
    assert geneva.story == story and geneva.review_state == ReviewState.CANDIDATE


def test_accepting_a_candidate_as_disputed_needs_the_note_readers_see(as_editor):
    quote = candidate(make_story())
    p = f"c{quote.pk}"
    refused = submit(as_editor, reverse(QUEUE), {"_accept": p, f"{p}-verification_status": "disputed"},
                     form_id="review-form")
    assert "Write the note readers see" in errors_on(refused)
    assert Claim.objects.get(pk=quote.pk).review_state == ReviewState.CANDIDATE
    decide(as_editor, {"_accept": p, f"{p}-verification_status": "disputed",
                       f"{p}-verification_note": "Beijing's account of the meeting differs."})
    claim = Claim.objects.get(pk=quote.pk)
    assert claim.verification_note == "Beijing's account of the meeting differs."
    assert claim.status_changes.get().note == "Beijing's account of the meeting differs."
