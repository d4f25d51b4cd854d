"""Reader pages: what readers see, what they never see, and what each page costs in SQL."""

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stories import review
from stories.caching import clear_every_cache
from stories.dates import Precision
from stories.models import (
    Actor,
    ActorKind,
    Citation,
    Claim,
    ClaimKind,
    ClaimStatusChange,
    Correction,
    Event,
    EventParticipation,
    Outcome,
    PublicationStatus,
    Rendition,
    ReviewState,
    Source,
    Story,
    Update,
    VerificationStatus,
)
from stories.preview import preview_url
from tests.factories import cite, jpeg_file, make_actor, make_claim, make_event, make_source, make_staff, make_story, make_update

pytestmark = pytest.mark.django_db

SEED_STORY = "us-china-trade-talks-london-2025"
LONDON = timezone.get_fixed_timezone(60)


@pytest.fixture
def seeds():
    call_command("import_seeds", stdout=io.StringIO())
    return Story.objects.get(slug=SEED_STORY)


def html_of(response) -> str:
    return response.content.decode()


def text_of(response) -> str:
    """The page as a reader reads it: tags removed, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html_of(response)).split())


def draft(**overrides):
    return {"status": PublicationStatus.DRAFT, "published_at": None, **overrides}


def scheduled(**overrides):
    return {"status": PublicationStatus.PUBLISHED, "published_at": timezone.now() + timedelta(days=1), **overrides}


# --- The London story as readers see it ----------------------------------------------------------


def test_london_story_page_shows_what_happened_who_and_how_we_know(client, seeds):
    response = client.get(seeds.get_absolute_url())
    assert response.status_code == 200
    page = text_of(response)
    assert "US–China trade talks in London" in page
    assert "Live coverage" in page
    assert "Second round of talks opens at Lancaster House" in page
    assert "Lancaster House, London" in page
    assert "Scott Bessent" in page and "US Treasury Secretary" in page
    assert "34.5%" in page and "Fall in China’s exports to the US" in page
    assert "70–90%" in page
    # The lion's-share claim, in both articles; no editor has confirmed either as independent evidence.
    assert "Reported in 2 sources" in page and "Confirmed by" not in page


def test_london_timeline_draws_the_truce_as_a_span_with_month_precision(client, seeds):
    html = html_of(client.get(seeds.get_absolute_url()))
    assert '<time datetime="2025-05">May 2025</time> – <time datetime="2025-08">August 2025</time>' in html
    assert '<time datetime="2025-06-09">June 9, 2025</time>' in html
    assert "May 1" not in html and "June 1," not in html
    assert 'class="timeline-chart__mark timeline-chart__mark--span' in html
    assert html.count('<ol class="timeline-list"') == 1


def test_london_timeline_marks_key_events(client, seeds):
    html = html_of(client.get(seeds.get_absolute_url()))
    timeline = html[html.index('<ol class="timeline-list"'):]
    timeline = timeline[:timeline.index("</ol>")]
    key_items = re.findall(r'<li class="timeline-list__item timeline-list__item--key">.*?</li>', timeline, re.S)
    titles = [re.search(r'<a href="[^"]+">([^<]+)</a>', item).group(1) for item in key_items]
    assert titles == [
        "US and China agree in Geneva to suspend most tariffs for 90 days",
        "Trump and Xi speak by phone",
        "Second round of talks opens at Lancaster House",
        "Talks reconvene for a second day",
    ]


def test_london_claims_are_grouped_by_verification_status(client, seeds):
    page = text_of(client.get(seeds.get_absolute_url()))
    corroborated = page.index("Corroborated 1")
    unverified = page.index("Unverified 17")
    disputed = page.index("Disputed 1")
    inaccurate = page.index("Inaccurate 2")
    assert corroborated < unverified < disputed < inaccurate
    assert "All 17 unverified claims" in page


def test_candidate_claims_are_never_counted_or_listed(client, seeds):
    candidates = list(Claim.objects.candidates())
    assert candidates
    Claim.objects.filter(pk=candidates[0].pk).update(story=seeds)
    page = text_of(client.get(seeds.get_absolute_url()))
    claims_page = text_of(client.get(reverse("stories:story-claims", args=[seeds.slug])))
    assert "21 claims" in claims_page
    for candidate in candidates:
        assert candidate.text[:40] not in page
        assert client.get(candidate.get_absolute_url()).status_code == 404


def test_actor_page_shows_the_affiliation_chain_person_body_country(client, seeds):
    response = client.get(reverse("stories:actor-detail", args=["scott-bessent"]))
    page = text_of(response)
    assert "US Treasury Secretary" in page
    chain = re.search(r'<ol class="affiliation__chain">(.*?)</ol>', html_of(response), re.S).group(1)
    assert re.findall(r"<li[^>]*>(?:<a [^>]+>)?([^<]+)", chain) == [
        "Scott Bessent", "US Department of the Treasury", "United States",
    ]
    assert "Second round of talks opens at Lancaster House" in page
    assert page.index("Second round of talks opens") < page.index("Talks reconvene for a second day")


def test_actor_page_lists_their_claims_with_status(client, seeds):
    page = text_of(client.get(reverse("stories:actor-detail", args=["donald-trump"])))
    assert "“China is not easy to deal with”" in page
    assert "Unverified" in page
    assert "Trump and Xi speak by phone" in page


def test_claim_page_shows_the_excerpt_in_its_source_and_links_to_the_spot(client, seeds):
    claim = Claim.objects.get(natural_key__endswith="china-exports-to-us-fell")
    response = client.get(claim.get_absolute_url())
    html = html_of(response)
    citation = claim.citations.get()
    assert f'href="{citation.source.get_absolute_url()}#c{citation.pk}"' in html
    assert "<mark>China’s Exports to US fell 34.5% in May—the steepest drop since the COVID‑19 lockdown era.</mark>" in html
    page = text_of(response)
    assert "34.5% May 2025" in page
    assert "Reported in 1 source" in page


def test_claim_page_for_statistic_shows_competing_figures_side_by_side(client, seeds):
    claim = Claim.objects.get(natural_key__endswith="china-exports-to-us-fell")
    rival_source = make_source(text="Customs data showed exports to the US fell 34.52% in May.")
    rival = make_claim(
        story=seeds, kind=ClaimKind.STATISTIC, text="Exports to the US fell 34.52% in May.",
        stat_measure=claim.stat_measure, stat_value="34.52", stat_unit="percent", stat_period="May 2025",
    )
    cite(rival_source, "fell 34.52% in May", claim=rival)
    html = html_of(client.get(claim.get_absolute_url()))
    compare = re.search(r'<ul class="figure-compare">(.*?)</ul>', html, re.S).group(1)
    assert "34.5%" in compare and "34.52%" in compare
    story_html = html_of(client.get(seeds.get_absolute_url()))
    assert "figure-group__claims--competing" in story_html


def test_competing_figures_on_a_claim_page_are_figures_not_quotes_naming_the_measure(client, seeds):
    claim = Claim.objects.get(natural_key__endswith="china-exports-to-us-fell")
    quote = make_claim(
        story=seeds, kind=ClaimKind.DIRECT_QUOTE, text="Exports are collapsing, the minister said.",
        stat_measure=claim.stat_measure,
    )
    cite(make_source(text="Exports are collapsing, the minister said."), "Exports are collapsing", claim=quote)
    html = html_of(client.get(claim.get_absolute_url()))
    compare = re.search(r'<ul class="figure-compare">(.*?)</ul>', html, re.S).group(1)
    assert quote.get_absolute_url() not in compare
    assert "competing figures" not in html


def test_source_page_highlights_every_cited_excerpt_linked_to_its_claim(client, seeds):
    claim = Claim.objects.get(natural_key__endswith="trump-china-not-easy")
    citation = claim.citations.get()
    response = client.get(citation.source.get_absolute_url())
    html = html_of(response)
    all_citations = Citation.objects.filter(source=citation.source)
    shown = all_citations.exclude(claim__review_state=ReviewState.CANDIDATE).count()
    assert shown < all_citations.count()  # the importer's unreviewed candidates cite it too
    assert html.count('<mark class="cited" id="c') == shown
    assert f'<mark class="cited" id="c{citation.pk}"' in html
    mark = re.search(rf'<mark class="cited" id="c{citation.pk}"[^>]*>(.*?)</mark>', html, re.S).group(1)
    assert mark == "reminding everyone “China is not easy to deal with”"
    after = html[html.index(f'id="c{citation.pk}"'):]
    assert re.search(rf'<a class="cite-ref" href="{claim.get_absolute_url()}"', after)


def test_source_page_escapes_source_text_and_skips_unpublished_claims(client):
    source = make_source(text="Officials said <script>alert('x')</script> & “talks are going well” today.")
    published_claim = make_claim(text="Talks are going well")
    cite(source, "“talks are going well”", claim=published_claim)
    hidden_claim = make_claim(text="Hidden", **draft())
    cite(source, "Officials said", claim=hidden_claim)
    html = html_of(client.get(source.get_absolute_url()))
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; " in html
    assert html.count('<mark class="cited"') == 1
    assert 'Hidden' not in html


def test_source_page_links_to_the_original_passage_with_a_text_fragment(client):
    source = make_source(url="https://example.org/story?id=1", publisher="Example Wire")
    claim = make_claim()
    cite(source, "talks are going well", claim=claim)
    html = html_of(client.get(source.get_absolute_url()))
    assert 'href="https://example.org/story?id=1#:~:text=talks%20are%20going%20well"' in html
    assert "Example Wire" in html
    claim_html = html_of(client.get(claim.get_absolute_url()))
    assert "#:~:text=talks%20are%20going%20well" in claim_html


def test_overlapping_citations_nest_and_each_keeps_its_anchor(client):
    source = make_source(text="Exports fell 34.5% in May, officials said.")
    outer, inner = make_claim(), make_claim()
    outer_citation = cite(source, "Exports fell 34.5% in May", claim=outer)
    inner_citation = cite(source, "34.5%", claim=inner)
    html = html_of(client.get(source.get_absolute_url()))
    assert f'id="c{outer_citation.pk}"' in html and f'id="c{inner_citation.pk}"' in html
    assert f'<mark class="cited" data-citation="1"><mark class="cited" id="c{inner_citation.pk}" data-citation="2">34.5%</mark></mark>' in html


# --- Times -------------------------------------------------------------------------------------


def test_update_times_are_shown_in_the_story_zone_with_its_label(client):
    story = make_story(timezone="Europe/London")
    make_update(story=story, headline="Talks resume", posted_at=datetime(2025, 6, 10, 9, 0, tzinfo=UTC))
    html = html_of(client.get(story.get_absolute_url()))
    assert '<time datetime="2025-06-10T10:00+01:00" data-local-time>June 10, 2025, 10:00 BST</time>' in html


def test_month_precision_event_is_never_shown_as_the_first_of_the_month(client):
    story = make_story(timezone="Asia/Shanghai")
    event = make_event(story=story, title="Truce agreed", occurred_at=datetime(2025, 4, 30, 16, tzinfo=UTC), precision=Precision.MONTH)
    for url in (story.get_absolute_url(), event.get_absolute_url(), reverse("stories:story-timeline", args=[story.slug])):
        html = html_of(client.get(url))
        assert '<time datetime="2025-05">May 2025</time>' in html
        assert "May 1" not in html and "April" not in html


def test_pages_carry_no_inline_scripts_or_styles(client, seeds):
    claim = Claim.objects.published().first()
    for url in (
        "/", seeds.get_absolute_url(), claim.get_absolute_url(),
        Source.objects.first().get_absolute_url(), reverse("stories:actor-detail", args=["he-lifeng"]),
        reverse("stories:story-timeline", args=[seeds.slug]), "/search/?q=talks",
    ):
        html = html_of(client.get(url))
        assert " style=" not in html, url
        # JSON-LD is a data block browsers never execute, so CSP's script-src does not cover it.
        assert not re.search(r"<script(?![^>]*\b(?:src=|type=\"application/ld\+json\"))[^>]*>", html), url


# --- Home ----------------------------------------------------------------------------------------


def test_home_lists_live_stories_first_with_badge_and_last_update(client):
    old_live = make_story(title="Live but older", is_live=True, published_at=timezone.now() - timedelta(days=5))
    make_story(title="Recent, not live", published_at=timezone.now() - timedelta(hours=2))
    make_update(story=old_live, posted_at=datetime(2025, 6, 10, 9, 0, tzinfo=UTC))
    make_story(title="Secret draft", **draft())
    make_story(title="Tomorrow's story", **scheduled())
    response = client.get("/")
    page = text_of(response)
    assert page.index("Live but older") < page.index("Recent, not live")
    assert "Live now" in page
    assert "Updated June 10, 2025, 10:00 BST" in page
    assert "Secret draft" not in page and "Tomorrow's story" not in page


# --- Updates ---------------------------------------------------------------------------------------


def test_story_page_shows_pinned_update_first_each_with_permalink(client):
    story = make_story()
    make_update(story=story, headline="Newest", posted_at=timezone.now() - timedelta(minutes=1))
    pinned = make_update(story=story, headline="Pinned summary", is_pinned=True, posted_at=timezone.now() - timedelta(days=1))
    make_update(story=story, headline="Draft update", **draft())
    make_update(story=story, headline="Scheduled update", **scheduled())
    html = html_of(client.get(story.get_absolute_url()))
    updates = html[html.index('id="updates"'):]
    assert updates.index("Pinned summary") < updates.index("Newest")
    assert f'href="{pinned.get_absolute_url()}"' in updates
    assert "Draft update" not in html and "Scheduled update" not in html
    assert f'data-story-slug="{story.slug}"' in html


def test_update_shows_its_backing_claims_and_corrections(client, editor):
    story = make_story()
    claim = make_claim(story=story, text="Exports fell", verification_status=VerificationStatus.CORROBORATED)
    cite(make_source(), "Exports fell 34.5% in May.", claim=claim, confirmed_by=editor)
    cite(make_source(text="Elsewhere: Exports fell 34.5% in May."), "Exports fell 34.5% in May.", claim=claim,
         confirmed_by=editor)
    update = make_update(story=story, headline="Trade figures")
    update.claims.add(claim)
    Correction.objects.create(update=update, note="An earlier version gave the wrong month.")
    for url in (story.get_absolute_url(), update.get_absolute_url()):
        page = text_of(client.get(url))
        assert "Confirmed by 2 independent sources" in page
        assert "An earlier version gave the wrong month." in page


def test_editing_an_update_shows_the_new_text_despite_the_fragment_cache(client):
    story = make_story()
    update = make_update(story=story, body="First version.")
    assert "First version." in text_of(client.get(story.get_absolute_url()))
    update.body = "Second version."
    update.save()
    assert "Second version." in text_of(client.get(story.get_absolute_url()))


def test_publishing_a_claim_changes_the_cached_update_fragment(client):
    story = make_story()
    claim = make_claim(story=story, text="Hidden until published", **draft())
    update = make_update(story=story)
    update.claims.add(claim)
    assert "Hidden until published" not in text_of(client.get(story.get_absolute_url()))
    # As the desk does it: a save, which moves the claim's updated_at and so the story's stamp.
    claim.status, claim.published_at = PublicationStatus.PUBLISHED, timezone.now() - timedelta(minutes=1)
    claim.save()
    assert "Hidden until published" in text_of(client.get(story.get_absolute_url()))


def test_update_image_is_served_as_its_rendition_with_width_height_and_alt(client):
    story = make_story()
    update = make_update(story=story, image_alt="Delegates arrive at Lancaster House")
    update.image.save("delegates.jpg", jpeg_file(1200, 800))
    stored = default_storage.save("renditions/delegates-card.jpg", jpeg_file(800, 450))
    rendition = Rendition.objects.create(original=update.image.name, spec="card", file=stored, width=800, height=450)
    html = html_of(client.get(story.get_absolute_url()))
    assert (
        f'<img class="" src="{rendition.file.url}" width="800" height="450" '
        'alt="Delegates arrive at Lancaster House"'
    ) in html


def test_image_without_a_rendition_falls_back_to_the_original_with_its_size(client):
    story = make_story()
    update = make_update(story=story, image_alt="The venue")
    update.image.save("venue.jpg", jpeg_file(640, 480))
    html = html_of(client.get(update.get_absolute_url()))
    assert f'src="{update.image.url}" width="640" height="480" alt="The venue"' in html


# --- Predicted vs actual, actor record -----------------------------------------------------------


def test_forecast_and_the_event_that_fulfilled_it_link_to_each_other(client):
    story = make_story()
    summit = make_event(story=story, title="Trump and Xi hold a summit")
    forecast = make_claim(
        story=story, kind=ClaimKind.FORECAST, text="A summit-level follow-up is likely.",
        outcome=Outcome.FULFILLED, outcome_event=summit,
    )
    claim_page = text_of(client.get(forecast.get_absolute_url()))
    assert "Predicted vs actual" in claim_page
    assert "Borne out by Trump and Xi hold a summit" in claim_page
    event_page = text_of(client.get(summit.get_absolute_url()))
    assert "Fulfilled by this event" in event_page
    assert "A summit-level follow-up is likely." in event_page


def test_actor_page_shows_contradicting_claims_side_by_side_once(client):
    story = make_story()
    actor = make_actor(name="Howard Lutnick")
    first = make_claim(story=story, claimant=actor, text="Tariffs will stay.")
    second = make_claim(story=story, claimant=actor, text="Tariffs will go.")
    hidden = make_claim(story=story, claimant=actor, text="Never published contradiction", **draft())
    first.contradicts.add(second, hidden)
    html = html_of(client.get(actor.get_absolute_url()))
    pairs = re.findall(r'<div class="side-by-side">(.*?)</div>\s*(?=<div class="side-by-side">|</section>)', html, re.S)
    assert len(pairs) == 1
    assert pairs[0].index("Tariffs will stay.") < pairs[0].index("Tariffs will go.")
    assert "Never published contradiction" not in html
    assert "Tariffs will go." in text_of(client.get(first.get_absolute_url()))


def test_actor_page_leaves_out_contradictions_readers_cannot_see_on_either_side(client):
    story, hidden_story = make_story(), make_story(**draft())
    actor, other = make_actor(name="Howard Lutnick"), make_actor(name="He Lifeng")
    shown = make_claim(story=story, claimant=actor, text="Tariffs will stay.")
    later = timezone.now() + timedelta(hours=2)
    unseen = [
        make_claim(story=story, claimant=other, text="Draft rebuttal", **draft()),
        make_claim(story=story, claimant=other, text="Scheduled rebuttal", published_at=later),
        make_claim(story=story, claimant=other, text="Candidate rebuttal", review_state=ReviewState.CANDIDATE, **draft()),
        make_claim(story=hidden_story, claimant=other, text="Rebuttal in a draft story"),
    ]
    shown.contradicts.add(*unseen, make_claim(story=story, claimant=other, text="Tariffs will go."))
    for text in ("Own draft", "Own candidate"):
        own = make_claim(story=story, claimant=actor, text=text,
                         **draft(**({} if text == "Own draft" else {"review_state": ReviewState.CANDIDATE})))
        own.contradicts.add(make_claim(story=story, claimant=other, text=f"Answer to {text.lower()}"))
    html = html_of(client.get(actor.get_absolute_url()))
    pairs = re.findall(r'<div class="side-by-side">(.*?)</div>\s*(?=<div class="side-by-side">|</section>)', html, re.S)
    assert len(pairs) == 1 and "Tariffs will go." in pairs[0]
    for text in ("rebuttal", "Rebuttal", "Own draft", "Own candidate", "Answer to"):
        assert text not in html


def test_claim_page_shows_the_dated_status_history_and_note(client):
    story = make_story(timezone="Europe/London")
    claim = make_claim(story=story, verification_status=VerificationStatus.DISPUTED, verification_note="Two measures merged.")
    ClaimStatusChange.objects.create(
        claim=claim, from_status=VerificationStatus.UNVERIFIED, to_status=VerificationStatus.DISPUTED,
        changed_at=datetime(2025, 6, 11, 8, 30, tzinfo=UTC), note="Checked against customs data",
    )
    page = text_of(client.get(claim.get_absolute_url()))
    assert "Two measures merged." in page
    assert "June 11, 2025, 09:30 BST : Unverified → Disputed . Checked against customs data" in page


def test_claim_page_says_which_status_steps_were_imported_and_which_were_checked(client, editor):
    story = make_story(timezone="Europe/London")
    claim = make_claim(story=story, verification_status=VerificationStatus.UNVERIFIED)
    review.record_status_change(claim=claim, from_status=VerificationStatus.UNREVIEWED,
                                note="As reported.", imported_from="the annotation london-trade-talks.toml")
    claim.verification_status, claim.verification_note = VerificationStatus.DISPUTED, "Beijing denies it."
    claim.save()
    review.record_status_change(claim=claim, from_status=VerificationStatus.UNVERIFIED, user=editor,
                                note="Beijing denies it.")
    page = text_of(client.get(claim.get_absolute_url()))
    assert "Unreviewed → Unverified . As reported. (Imported from the annotation london-trade-talks.toml)" in page
    assert "Unverified → Disputed . Beijing denies it." in page
    assert page.count("Imported from") == 1


# --- Unpublished content is 404 everywhere -------------------------------------------------------


def _published_story_with_everything():
    story = make_story()
    return story, {
        "update": make_update(story=story),
        "event": make_event(story=story),
        "claim": make_claim(story=story),
    }


@pytest.mark.parametrize("state", [draft(), scheduled()], ids=["draft", "scheduled"])
@pytest.mark.parametrize("kind", ["update", "event", "claim"])
def test_unpublished_story_content_is_404(client, kind, state):
    story = make_story()
    maker = {"update": make_update, "event": make_event, "claim": make_claim}[kind]
    obj = maker(story=story, **state)
    assert client.get(obj.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("state", [draft(), scheduled()], ids=["draft", "scheduled"])
def test_everything_on_an_unpublished_story_is_404(client, state):
    story = make_story(**state)
    update, event, claim = make_update(story=story), make_event(story=story), make_claim(story=story)
    for url in (
        story.get_absolute_url(), update.get_absolute_url(), event.get_absolute_url(), claim.get_absolute_url(),
        reverse("stories:story-timeline", args=[story.slug]), reverse("stories:story-claims", args=[story.slug]),
        reverse("stories:story-updates", args=[story.slug]),
    ):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("state", [ReviewState.CANDIDATE, ReviewState.REJECTED])
def test_unreviewed_and_rejected_claims_are_404_and_absent(client, state):
    story = make_story()
    claim = make_claim(story=story, text="Not an accepted claim", review_state=state, **draft())
    assert client.get(claim.get_absolute_url()).status_code == 404
    assert "Not an accepted claim" not in html_of(client.get(story.get_absolute_url()))
    assert "Not an accepted claim" not in html_of(client.get(reverse("stories:story-claims", args=[story.slug])))


@pytest.mark.parametrize("state", [draft(), scheduled()], ids=["draft", "scheduled"])
def test_unpublished_actor_and_source_are_404_and_absent(client, state):
    story = make_story()
    actor = make_actor(name="Hidden Person", **state)
    source = make_source(**state)
    event = make_event(story=story)
    EventParticipation.objects.create(event=event, actor=actor)
    claim = make_claim(story=story)
    cite(source, "Exports fell 34.5% in May.", claim=claim)
    assert client.get(actor.get_absolute_url()).status_code == 404
    assert client.get(source.get_absolute_url()).status_code == 404
    assert "Hidden Person" not in html_of(client.get(story.get_absolute_url()))
    assert "Hidden Person" not in html_of(client.get(event.get_absolute_url()))
    claim_page = text_of(client.get(claim.get_absolute_url()))
    assert source.title not in claim_page and "No published source yet" in claim_page


def test_update_under_another_storys_slug_is_404(client):
    update = make_update()
    other = make_story()
    assert client.get(reverse("stories:update-detail", args=[other.slug, update.pk])).status_code == 404


def test_draft_affiliation_is_not_shown_in_the_chain(client):
    country = make_actor(name="Hidden Country", kind=ActorKind.COUNTRY, **draft())
    body = make_actor(name="Ministry", kind=ActorKind.GOVERNMENT_BODY, affiliation=country)
    person = make_actor(name="Minister", affiliation=body)
    html = html_of(client.get(person.get_absolute_url()))
    assert "Ministry" in html and "Hidden Country" not in html


# --- Staff preview -------------------------------------------------------------------------------


@pytest.fixture
def staff(client):
    user = make_staff("Reporter")
    client.force_login(user)
    return user


def test_staff_preview_renders_the_draft_with_a_banner_and_private_no_store(client, staff):
    story = make_story(title="Draft story", **draft())
    make_update(story=story, headline="Ready update")
    response = client.get(preview_url(story))
    assert response.status_code == 200
    page = text_of(response)
    assert "Preview — not published." in page
    assert "Draft story" in page and "Ready update" in page
    cache_control = response["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control
    assert 'name="robots" content="noindex' in html_of(response)


@pytest.mark.parametrize("kind", ["update", "event", "claim", "actor", "source"])
def test_staff_preview_works_for_every_kind_of_draft(client, staff, kind):
    story = make_story()
    obj = {
        "update": lambda: make_update(story=story, headline="Draft thing", **draft()),
        "event": lambda: make_event(story=story, title="Draft thing", **draft()),
        "claim": lambda: make_claim(story=story, text="Draft thing", **draft()),
        "actor": lambda: make_actor(name="Draft thing", **draft()),
        "source": lambda: make_source(title="Draft thing", **draft()),
    }[kind]()
    response = client.get(preview_url(obj))
    assert response.status_code == 200
    assert "Draft thing" in text_of(response) and "Preview — not published." in text_of(response)
    assert client.get(obj.get_absolute_url()).status_code == 404


def test_preview_never_writes_to_the_shared_cache(client, staff):
    story = make_story(**draft())
    update = make_update(story=story, headline="Secret scoop")
    event = make_event(story=story)
    update.events.add(event)
    cache.clear()
    assert client.get(preview_url(story)).status_code == 200
    assert list(cache._cache.keys()) == []


def test_preview_is_404_for_readers_non_staff_and_bad_tokens(client, settings):
    story = make_story(**draft())
    url = preview_url(story)
    assert client.get(url).status_code == 404
    reader = User.objects.create_user("reader", password="x")
    client.force_login(reader)
    assert client.get(url).status_code == 404
    client.force_login(make_staff("Reporter"))
    assert client.get(url).status_code == 200
    assert client.get(url[:-3] + "xyz/").status_code == 404
    settings.NEWSROOM_PREVIEW_MAX_AGE = -1
    assert client.get(url).status_code == 404


def test_a_staff_account_without_desk_permissions_cannot_open_a_preview_link(client):
    story = make_story(title="Unannounced talks", **draft())
    url = preview_url(story)
    client.force_login(User.objects.create_user("intern", password="x", is_staff=True))
    response = client.get(url)
    assert response.status_code == 404 and "Unannounced talks" not in response.content.decode()


# --- A long story stays light ----------------------------------------------------------------------


def test_story_page_stays_light_at_ten_thousand_events(client, django_assert_max_num_queries):
    story = make_story()
    start = datetime(2020, 1, 1, tzinfo=UTC)
    Event.objects.bulk_create([
        Event(
            story=story, title=f"Event {i}", occurred_at=start + timedelta(hours=6 * i), precision=Precision.DAY,
            is_key_event=i % 500 == 0, status=PublicationStatus.PUBLISHED, published_at=start,
        )
        for i in range(10_000)
    ])
    with django_assert_max_num_queries(STORY_PAGE_BUDGET):
        response = client.get(story.get_absolute_url())
    html = html_of(response)
    assert len(response.content) < 120_000
    assert "Showing the key events and the latest of 10000 events." in text_of(response)
    assert "Event 9999" in html and "Event 9500" in html and "Event 5000" in html
    assert "Event 9000" in html  # key events are kept in the window
    assert "Event 9980" not in html  # but not every recent one
    timeline = client.get(reverse("stories:story-timeline", args=[story.slug]) + "?page=200")
    assert "Event 9999" in html_of(timeline)


# --- Query budgets ---------------------------------------------------------------------------------

STORY_PAGE_BUDGET = 18  # a cold render: the site stamp, then every section's queries (sources included)


def build_story(size: int) -> Story:
    """A published story with `size` events, claims and updates, all cited and cross-linked."""
    story = make_story(is_live=True)
    source = make_source(text="The minister said “talks are going well” on Tuesday. Exports fell 34.5% in May.")
    twin = make_source(text="Exports fell 34.5% in May.", content_group="wire-1")
    actors = [make_actor(affiliation=None) for _ in range(5)]
    base = datetime(2025, 1, 1, tzinfo=UTC)
    live = {"status": PublicationStatus.PUBLISHED, "published_at": base}
    events = Event.objects.bulk_create([
        Event(story=story, title=f"Event {i}", occurred_at=base + timedelta(days=i),
              precision=[Precision.DAY, Precision.MONTH, Precision.MINUTE][i % 3],
              is_key_event=i % 7 == 0, place="London", **live)
        for i in range(size)
    ])
    EventParticipation.objects.bulk_create([
        EventParticipation(event=event, actor=actors[i % 5], role="Delegate") for i, event in enumerate(events)
    ])
    statuses = list(VerificationStatus)
    claims = Claim.objects.bulk_create([
        Claim(story=story, claimant=actors[i % 5], kind=ClaimKind.STATISTIC if i % 4 == 0 else ClaimKind.DIRECT_QUOTE,
              text=f"Claim {i}", made_at=base + timedelta(days=i), made_precision=Precision.DAY,
              verification_status=statuses[i % len(statuses)], event=events[i],
              stat_measure="Exports" if i % 4 == 0 else "", stat_value=34 if i % 4 == 0 else None,
              stat_unit="percent", **live)
        for i in range(size)
    ])
    excerpt = "Exports fell 34.5% in May."
    offset = source.text.index(excerpt)
    Citation.objects.bulk_create(
        [Citation(source=source, claim=c, excerpt=excerpt, start=offset, end=offset + len(excerpt)) for c in claims]
        + [Citation(source=twin, claim=c, excerpt=excerpt, start=0, end=len(excerpt)) for c in claims]
        + [Citation(source=source, event=e, excerpt=excerpt, start=offset, end=offset + len(excerpt)) for e in events]
    )
    updates = Update.objects.bulk_create([
        Update(story=story, headline=f"Update {i}", body=f"Body {i}", posted_at=base + timedelta(hours=i),
               is_pinned=i == 0, **live)
        for i in range(size)
    ])
    Update.claims.through.objects.bulk_create([Update.claims.through(update=u, claim=claims[i]) for i, u in enumerate(updates)])
    Update.events.through.objects.bulk_create([Update.events.through(update=u, event=events[i]) for i, u in enumerate(updates)])
    Correction.objects.bulk_create([Correction(update=u, note="Fixed") for u in updates[::3]])
    return story


def _pages(story: Story) -> dict[str, str]:
    actor = Actor.objects.filter(claims__story=story).first()
    claim = Claim.objects.filter(story=story).first()
    rival_of = Claim.objects.filter(story=story, kind=ClaimKind.STATISTIC).first()
    source = Source.objects.filter(citations__claim__story=story).first()
    event = Event.objects.filter(story=story).first()
    update = Update.objects.filter(story=story).first()
    return {
        "home": "/",
        "story": story.get_absolute_url(),
        "updates": reverse("stories:story-updates", args=[story.slug]) + f"?actor={actor.slug}&kind=news",
        "timeline": reverse("stories:story-timeline", args=[story.slug]) + f"?actor={actor.slug}&date_from=2025-01-01",
        "claims": reverse("stories:story-claims", args=[story.slug]) + "?verification_status=unverified",
        "update": update.get_absolute_url(),
        "event": event.get_absolute_url(),
        "claim": claim.get_absolute_url(),
        "statistic": rival_of.get_absolute_url(),
        "actor": actor.get_absolute_url(),
        "source": source.get_absolute_url(),
        "search": "/search/?q=Update",
    }


BUDGETS = {
    # Cold renders (nothing cached yet); each includes the site-stamp query of stamped_page.
    "home": 4, "story": STORY_PAGE_BUDGET, "updates": 12, "timeline": 8, "claims": 6, "update": 8,
    "event": 9, "claim": 9, "statistic": 11, "actor": 11, "source": 3, "search": 8,
}


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("page", BUDGETS)
def test_page_query_count_does_not_grow_with_the_story(client, page, django_assert_max_num_queries):
    small, large = build_story(10), build_story(300)
    small_url, large_url = _pages(small)[page], _pages(large)[page]
    # On PostgreSQL a worker's session prepares each shape of a compiled query once (a PREPARE
    # beside its first EXECUTE: stories/compiled.py); the budget is what every later request runs.
    client.get(small_url), client.get(large_url)
    clear_every_cache()
    with django_assert_max_num_queries(BUDGETS[page]):
        client.get(small_url)
    clear_every_cache()
    with django_assert_max_num_queries(BUDGETS[page]):
        client.get(large_url)
    clear_every_cache()
    small_count = _count_queries(client, small_url)
    clear_every_cache()  # both stories share some URLs (the home page): compare cold renders
    assert small_count == _count_queries(client, large_url)


def test_large_story_lists_are_paginated(client):
    story = build_story(300)
    updates_page = text_of(client.get(reverse("stories:story-updates", args=[story.slug]) + "?page=2"))
    assert "300 updates" in updates_page and "Page 2 of 15" in updates_page
    story_page = text_of(client.get(story.get_absolute_url()))
    assert "Show all 300 updates (the latest 4 are above), with filters" in story_page
    assert story_page.count("Link to this update") == 4


def test_renaming_a_claimant_refreshes_cached_claim_cards(client):
    story = make_story()
    actor = make_actor(name="Old Name")
    make_claim(story=story, claimant=actor, text="A quote")
    assert "Old Name" in text_of(client.get(story.get_absolute_url()))
    actor.name = "New Name"
    actor.save()
    page = text_of(client.get(story.get_absolute_url()))
    assert "New Name" in page and "Old Name" not in page


def test_warm_story_page_costs_one_query_at_any_size(client, django_assert_num_queries):
    for story in (build_story(10), build_story(300)):
        cold = client.get(story.get_absolute_url())
        with django_assert_num_queries(1):
            warm = client.get(story.get_absolute_url())
        assert warm.status_code == 200 and warm.content == cold.content


def test_scheduled_claim_appears_on_the_cached_story_page_when_its_time_comes(client):
    story = make_story()
    claim = make_claim(story=story, text="Embargoed until noon", published_at=timezone.now() + timedelta(hours=1))
    assert "Embargoed until noon" not in text_of(client.get(story.get_absolute_url()))
    # Time passes (moved back rather than waited for); no write touches the claim's updated_at.
    Claim.objects.filter(pk=claim.pk).update(published_at=timezone.now() - timedelta(seconds=1),
                                             updated_at=claim.updated_at)
    assert "Embargoed until noon" in text_of(client.get(story.get_absolute_url()))


def test_preview_of_a_large_story_has_the_same_query_budget(client, staff, django_assert_max_num_queries):
    small, large = build_story(10), build_story(300)
    for story in (small, large):
        Story.objects.filter(pk=story.pk).update(status=PublicationStatus.DRAFT, published_at=None)
        # The page's own budget, plus the previewing user's permissions (their own and their groups').
        with django_assert_max_num_queries(STORY_PAGE_BUDGET + 3):
            assert client.get(preview_url(story)).status_code == 200
    assert _count_queries(client, preview_url(small)) == _count_queries(client, preview_url(large))
