"""JSON-LD: the schema.org shapes search engines need, and a script element nothing can escape."""

import json
import re
from datetime import timedelta

import pytest
from django.template import engines
from django.utils import timezone

from stories.models import ActorAlias, ActorKind, Correction, Update, VerificationStatus
from stories.structured_data import actor_json_ld, claim_review_json_ld, story_json_ld
from tests.factories import make_actor, make_claim, make_story, make_update

pytestmark = pytest.mark.django_db


def render_json_ld(data) -> str:
    return engines["jinja2"].from_string("{{ json_ld(data) }}").render({"data": data})


def parse_script(html: str) -> dict:
    match = re.fullmatch(r'<script type="application/ld\+json">(.*)</script>', html, re.S)
    assert match, html
    return json.loads(match.group(1))


def published_updates(story):
    return Update.objects.published().filter(story=story).prefetch_related("corrections").order_by("-posted_at")


def test_live_story_is_a_live_blog_posting_with_its_updates():
    start = timezone.now() - timedelta(hours=3)
    story = make_story(is_live=True, coverage_start=start)
    update = make_update(story=story, headline="Talks open", body="Delegations arrive.")
    data = parse_script(render_json_ld(story_json_ld(story, published_updates(story))))
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "LiveBlogPosting"
    assert data["coverageStartTime"] == start.isoformat()
    assert "coverageEndTime" not in data
    [item] = data["liveBlogUpdate"]
    assert item["headline"] == "Talks open" and item["articleBody"] == "Delegations arrive."
    assert item["datePublished"] == update.published_at.isoformat()
    assert item["dateModified"]
    assert data["headline"] == story.title and data["datePublished"] and data["dateModified"]


def test_ended_coverage_has_an_end_time():
    end = timezone.now() - timedelta(minutes=10)
    story = make_story(is_live=False, coverage_start=end - timedelta(hours=5), coverage_end=end)
    data = story_json_ld(story, [])
    assert data["@type"] == "LiveBlogPosting" and data["coverageEndTime"] == end.isoformat()


def test_story_without_live_coverage_is_a_news_article():
    story = make_story(is_live=False)
    data = story_json_ld(story, [])
    assert data["@type"] == "NewsArticle"
    assert "liveBlogUpdate" not in data and "coverageStartTime" not in data


def test_corrected_update_carries_a_correction_comment_and_moves_date_modified():
    story = make_story(is_live=True)
    update = make_update(story=story)
    corrected_at = timezone.now() + timedelta(minutes=3)
    Correction.objects.create(update=update, note="An earlier version misspelt Lutnick.", corrected_at=corrected_at)
    [item] = story_json_ld(story, published_updates(story))["liveBlogUpdate"]
    assert item["correction"] == [{
        "@type": "CorrectionComment", "text": "An earlier version misspelt Lutnick.",
        "datePublished": corrected_at.isoformat(),
    }]
    assert item["dateModified"] == corrected_at.isoformat()


def test_actors_are_people_or_organizations():
    treasury = make_actor(name="US Treasury", kind=ActorKind.GOVERNMENT_BODY)
    bessent = make_actor(name="Scott Bessent", role_title="Treasury Secretary", affiliation=treasury)
    ActorAlias.objects.create(actor=bessent, alias="Bessent")
    bank = make_actor(name="Morgan Stanley", kind=ActorKind.ORGANIZATION)
    person = actor_json_ld(bessent)
    assert person["@type"] == "Person" and person["name"] == "Scott Bessent"
    assert person["jobTitle"] == "Treasury Secretary" and person["alternateName"] == ["Bessent"]
    assert person["affiliation"]["name"] == "US Treasury"
    assert actor_json_ld(bank)["@type"] == "Organization"
    assert actor_json_ld(treasury)["@type"] == "GovernmentOrganization"


def test_claim_with_a_verdict_gets_a_claim_review():
    bessent = make_actor(name="Scott Bessent")
    claim = make_claim(text="Talks are going well", claimant=bessent,
                       verification_status=VerificationStatus.DISPUTED)
    review = parse_script(render_json_ld(claim_review_json_ld(claim)))
    assert review["@type"] == "ClaimReview"
    assert review["claimReviewed"] == "Talks are going well"
    assert review["itemReviewed"]["author"] == {"@type": "Person", "name": "Scott Bessent"}
    assert review["reviewRating"]["alternateName"] == "Disputed"
    assert review["reviewRating"]["worstRating"] <= review["reviewRating"]["ratingValue"] <= review["reviewRating"]["bestRating"]


@pytest.mark.parametrize("status", [VerificationStatus.UNREVIEWED, VerificationStatus.UNVERIFIED])
def test_claim_without_a_verdict_gets_no_claim_review(status):
    assert claim_review_json_ld(make_claim(verification_status=status)) is None
    assert render_json_ld(None) == ""


def test_script_breakout_in_a_headline_stays_inert_text():
    story = make_story(title='</script><script>alert("pwned")</script><!--', is_live=True)
    make_update(story=story, headline="a & b <b>bold</b>")
    html = render_json_ld(story_json_ld(story, published_updates(story)))
    assert html.count("</script>") == 1 and html.endswith("</script>")
    assert "<script>" not in html and "<!--" not in html and "&" not in html.replace("\\u0026", "")
    data = parse_script(html)
    assert data["headline"] == '</script><script>alert("pwned")</script><!--'
    assert data["liveBlogUpdate"][0]["headline"] == "a & b <b>bold</b>"


# --- On the pages themselves ----------------------------------------------------------------------


def page_json_ld(html: str) -> dict:
    (block,) = re.findall(r'<script type="application/ld\+json">.*?</script>', html, re.S)
    return parse_script(block)


@pytest.fixture
def london(db):
    import io

    from django.core.management import call_command

    from stories.models import Story

    call_command("import_seeds", stdout=io.StringIO())
    return Story.objects.get(slug="us-china-trade-talks-london-2025")


def test_story_page_carries_live_blog_json_ld_and_loads_the_live_client(client, london):
    update = make_update(story=london, headline="Talks resume at Lancaster House")
    html = client.get(london.get_absolute_url()).content.decode()
    data = page_json_ld(html)
    assert data["@type"] == "LiveBlogPosting"
    assert data["headline"] == london.title
    assert data["coverageStartTime"].startswith("2025-06-09T07:00:00")
    headlines = [u["headline"] for u in data["liveBlogUpdate"]]
    assert update.headline in headlines
    assert headlines[0] == "Talks resume for a second day", "the pinned update leads"
    assert f'data-poll-url="/stories/{london.slug}/updates/poll/"' in html
    assert re.search(r'<script src="/static/js/live\.[\w.]*js" defer>|<script src="/static/js/live\.js" defer>', html)


def test_story_page_has_social_cards_canonical_url_and_feed_links(client, london):
    html = client.get(london.get_absolute_url() + "?utm_source=x").content.decode()
    assert f'<link rel="canonical" href="http://testserver{london.get_absolute_url()}">' in html
    assert f'<meta property="og:title" content="{london.title}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta name="twitter:card" content="summary">' in html
    assert f'href="/stories/{london.slug}/feed/atom/"' in html


def test_actor_page_describes_the_person_with_their_affiliation(client, london):
    html = client.get("/actors/scott-bessent/").content.decode()
    data = page_json_ld(html)
    assert data["@type"] == "Person"
    assert data["jobTitle"] == "US Treasury Secretary"
    assert data["affiliation"]["name"] == "US Department of the Treasury"
    assert "Treasury Secretary Scott Bessent" in data["alternateName"]


def test_claim_page_with_a_verdict_carries_a_claim_review(client, london):
    from stories.models import Claim

    claim = Claim.objects.get(natural_key="annotation:trump-called-former-president")
    data = page_json_ld(client.get(claim.get_absolute_url()).content.decode())
    assert data["@type"] == "ClaimReview"
    assert data["reviewRating"]["alternateName"] == "Inaccurate"


def test_preview_of_a_draft_has_no_json_ld_and_does_not_poll(admin_client, london):
    from stories.preview import preview_url

    draft = make_story(status="draft", published_at=None, title="Embargoed draft", is_live=True)
    html = admin_client.get(preview_url(draft)).content.decode()
    assert "Embargoed draft" in html
    assert "application/ld+json" not in html
    assert "data-poll-url" not in html
