"""The story page and its neighbours as a reader sees them: the sources listed, who said what
named, quotation marks once, bylines, pictures, the latest updates with a way to the rest."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from stories import images
from stories.models import ClaimKind, Precision, VerificationStatus
from stories.markup import quoted
from stories.page_data import ACTORS_ON_STORY_PAGE, SOURCES_ON_STORY_PAGE, UPDATES_ON_STORY_PAGE
from tests.factories import cite, jpeg_file, make_actor, make_claim, make_event, make_source, make_staff, make_story, make_update

pytestmark = pytest.mark.django_db


def html_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html_of(response)).split())


# --- Sources -------------------------------------------------------------------------------------


def test_the_story_page_lists_its_sources_with_the_original_or_says_none_is_given(client):
    story = make_story()
    wire = make_source(title="Talks resume in London", publisher="Reuters", url="https://example.org/talks")
    memo = make_source(title="Briefing note", publisher="", url="")
    unused = make_source(title="Not cited here")
    cite(wire, "talks are going well", claim=make_claim(story=story))
    cite(memo, "Exports fell 34.5% in May", event=make_event(story=story))
    html = html_of(client.get(story.get_absolute_url()))
    section = html.split('id="sources"', 1)[1].split("</section>", 1)[0]
    assert f'href="{wire.get_absolute_url()}">Talks resume in London</a>' in section
    assert 'href="https://example.org/talks"' in section and "Reuters" in section
    assert f'href="{memo.get_absolute_url()}">Briefing note</a>' in section
    memo_item = section.split("Briefing note", 1)[1].split("</li>", 1)[0]
    assert "No publisher given" in memo_item and "No web address given" in memo_item
    assert "Not cited here" not in section and unused.get_absolute_url() not in section


def test_a_story_with_more_people_and_sources_than_its_page_lists_says_where_the_rest_are(client):
    story = make_story()
    for n in range(ACTORS_ON_STORY_PAGE + 1):
        claim = make_claim(story=story, claimant=make_actor(name=f"Delegate {n:03}"))
        if n <= SOURCES_ON_STORY_PAGE:
            cite(make_source(title=f"Report {n:03}"), "talks are going well", claim=claim)
    html = html_of(client.get(story.get_absolute_url()))
    people = html.split('id="people"', 1)[1].split("</section>", 1)[0]
    sources = html.split('id="sources"', 1)[1].split("</section>", 1)[0]
    assert people.count("<li>") == ACTORS_ON_STORY_PAGE and "Delegate 059" in people and "Delegate 060" not in people
    assert "More people and bodies are named on the claim and event pages." in people
    assert sources.count('class="source-list__item"') == SOURCES_ON_STORY_PAGE
    assert "More sources are cited on the claim and event pages." in sources

    small = make_story(slug="small-story")
    make_claim(story=small, claimant=make_actor(name="Only delegate"))
    html = html_of(client.get(small.get_absolute_url()))
    assert "Only delegate" in html and "More people and bodies" not in html


def test_a_draft_source_or_a_source_cited_only_by_a_draft_claim_is_not_listed(client):
    story = make_story()
    hidden = make_source(title="Draft source", status="draft", published_at=None)
    cite(hidden, "talks are going well", claim=make_claim(story=story))
    behind_draft = make_source(title="Cited by a draft")
    cite(behind_draft, "talks are going well", claim=make_claim(story=story, status="draft", published_at=None))
    section = html_of(client.get(story.get_absolute_url())).split('id="sources"', 1)[1].split("</section>", 1)[0]
    assert "Draft source" not in section and "Cited by a draft" not in section
    assert "No published source is cited yet." in section


def test_a_source_page_says_plainly_when_there_is_no_publisher_or_address(client):
    source = make_source(publisher="", url="")
    text = text_of(client.get(source.get_absolute_url()))
    assert "No publisher given" in text and "No web address given for the original." in text


# --- Who said it, and what a passage does --------------------------------------------------------


def test_a_claim_with_no_named_claimant_names_the_publication_that_carried_it(client):
    story = make_story()
    source = make_source(publisher="The Financial Times")
    claim = make_claim(story=story, text="China controls most rare-earth output.", claimant=None, claimant_description="")
    cite(source, "Exports fell 34.5% in May", claim=claim)
    for page in (story.get_absolute_url(), claim.get_absolute_url()):
        text = text_of(client.get(page))
        assert "The Financial Times" in text
        assert "The source" not in text and "Asserted by the source" not in text
    assert "Published by The Financial Times" in text_of(client.get(claim.get_absolute_url()))


def test_without_a_publisher_the_article_title_is_named(client):
    story = make_story()
    source = make_source(publisher="", title="US and China face off in London")
    claim = make_claim(story=story, claimant=None, claimant_description="")
    cite(source, "Exports fell 34.5% in May", claim=claim)
    assert "Published by “US and China face off in London”" in text_of(client.get(claim.get_absolute_url()))


def test_a_passage_cited_by_an_inaccurate_claim_is_not_said_to_back_it(client, editor):
    story = make_story()
    source = make_source()
    wrong = make_claim(story=story, text="Exports rose in May.", verification_status=VerificationStatus.INACCURATE)
    right = make_claim(story=story, text="Talks going well.", verification_status=VerificationStatus.CORROBORATED)
    cite(source, "Exports fell 34.5% in May", claim=wrong, confirmed_by=editor)
    cite(source, "talks are going well", claim=right, confirmed_by=editor)
    text = text_of(client.get(source.get_absolute_url()))
    assert "contains the claim we rate inaccurate: Exports rose in May." in text
    assert "backs the claim Talks going well." in text
    assert "backs the claim Exports rose" not in text


def test_a_passage_says_it_backs_a_claim_only_when_an_editor_confirmed_it_as_support(client):
    story = make_story()
    source = make_source()
    reported = make_claim(story=story, text="Talks going well.")
    contradicted = make_claim(story=story, text="Exports rose in May.")
    cite(source, "talks are going well", claim=reported)
    cite(source, "Exports fell 34.5% in May", claim=contradicted, relation="contradicts")
    text = text_of(client.get(source.get_absolute_url()))
    assert "reports the claim Talks going well." in text and "backs the claim" not in text
    assert "contradicts the claim Exports rose in May." in text


def test_a_quotation_inside_a_quote_is_not_doubled(client):
    story = make_story()
    source = make_source(text="Officials said “Talks are going well” on day two. More followed.")
    claim = make_claim(story=story, kind=ClaimKind.DIRECT_QUOTE, text="“Talks are going well”")
    cite(source, "“Talks are going well” on day two.", claim=claim)
    source_page = html_of(client.get(source.get_absolute_url()))
    assert "““" not in source_page and "””" not in source_page
    assert "“‘Talks are going well’ on day two.”" in source_page
    claim_page = html_of(client.get(claim.get_absolute_url()))
    assert ">“Talks are going well”</h1>" in claim_page and "““" not in claim_page


@pytest.mark.parametrize(("text", "shown"), [
    ("Talks are going well", "“Talks are going well”"),
    ("“Talks are going well”", "“Talks are going well”"),
    ('"Talks are going well"', "“Talks are going well”"),
    ("“Talks are going well” on day two.", "“‘Talks are going well’ on day two.”"),
    ("“We agree,” he said, “on tariffs”", "“‘We agree,’ he said, ‘on tariffs’”"),
    ('He said "no" and "yes"', "“He said ‘no’ and ‘yes’”"),
])
def test_quotation_marks_are_written_once_with_single_ones_inside(text, shown):
    assert quoted(text) == shown


def test_the_updates_filter_says_what_its_key_event_box_does(client):
    story = make_story()
    text = text_of(client.get(reverse("stories:story-updates", args=[story.slug])))
    assert "Only updates about a key event" in text
    assert "Key events only" not in text


# --- Claims order, excerpts ----------------------------------------------------------------------


def test_claims_list_newest_first_with_undated_claims_last(client):
    story = make_story()
    now = timezone.now()
    make_claim(story=story, text="Undated claim", made_at=None)
    make_claim(story=story, text="Oldest claim", made_at=now - timedelta(days=3), made_precision=Precision.DAY)
    make_claim(story=story, text="Newest claim", made_at=now - timedelta(days=1), made_precision=Precision.DAY)
    text = text_of(client.get(reverse("stories:story-claims", args=[story.slug])))
    positions = [text.index(t) for t in ("Newest claim", "Oldest claim", "Undated claim")]
    assert positions == sorted(positions)


def test_an_excerpt_context_keeps_the_sources_line_breaks(client):
    story = make_story()
    source = make_source(text="Rare earths\n\nChina controls the lion’s share of production.\nMore below.")
    claim = make_claim(story=story)
    cite(source, "China controls the lion’s share", claim=claim)
    html = html_of(client.get(claim.get_absolute_url()))
    assert "Rare earths\n\n<mark>China controls the lion’s share</mark> of production.\nMore below." in html


# --- Bylines, pictures, icon ---------------------------------------------------------------------


def test_updates_carry_a_byline(client):
    story = make_story()
    reporter = make_staff("Reporter", username="jdoe")
    reporter.first_name, reporter.last_name = "Jane", "Doe"
    reporter.save()
    make_update(story=story, headline="Signed", author=reporter)
    no_name = make_staff("Editor", username="desk-login")
    make_update(story=story, headline="Login only", author=no_name)
    make_update(story=story, headline="Imported")
    for page in (story.get_absolute_url(), reverse("stories:story-updates", args=[story.slug])):
        html = html_of(client.get(page))
        assert html.count('<p class="update__byline">') == 3
        assert "By Jane Doe" in html
        assert html.count("By the Newsroom desk") == 2
        assert "desk-login" not in html  # a sign-in name is not a byline
    signed = story.updates.get(headline="Signed")
    assert '<p class="update__byline">By Jane Doe</p>' in html_of(client.get(signed.get_absolute_url()))


def test_lead_image_is_responsive_sized_eager_and_shared(client):
    story = make_story(lead_image_alt="Delegates at Lancaster House", lead_image_credit="Photo: Pool")
    story.lead_image.save("lead.jpg", jpeg_file(2400, 1350))
    images.renditions(story.lead_image.name)
    html = html_of(client.get(story.get_absolute_url()))
    img = re.search(r'<figure class="lead-image">\s*(<img [^>]+>)', html).group(1)
    assert (
        'srcset="/media/renditions/lead-medium.jpg 800w, /media/renditions/lead-large.jpg 1200w, '
        '/media/renditions/lead-full.jpg 1600w"'
    ) in img
    assert 'width="1600" height="900"' in img and 'alt="Delegates at Lancaster House"' in img
    assert 'fetchpriority="high"' in img and 'loading="lazy"' not in img
    assert '<meta property="og:image" content="http://testserver/media/stories/lead.jpg">' in html
    assert '<meta property="og:image:alt" content="Delegates at Lancaster House">' in html


def test_home_cards_show_the_lead_picture_as_its_card_rendition(client):
    live = make_story(is_live=True, lead_image_alt="Delegates at Lancaster House")
    live.lead_image.save("live.jpg", jpeg_file(1600, 1000))
    images.renditions(live.lead_image.name)
    html = html_of(client.get("/"))
    img = re.search(r'<div class="story-card__image">(<img [^>]+>)', html).group(1)
    assert 'src="/media/renditions/live-card.jpg"' in img and 'width="800" height="450"' in img
    assert 'alt="Delegates at Lancaster House"' in img and 'fetchpriority="high"' in img


def test_pictures_further_down_load_lazily_with_their_size(client):
    story = make_story()
    update = make_update(story=story, image_alt="The venue")
    update.image.save("venue.jpg", jpeg_file(1200, 800))
    images.renditions(update.image.name)
    html = html_of(client.get(story.get_absolute_url()))
    img = re.search(r'<figure class="update__image">\s*(<img [^>]+>)', html).group(1)
    assert 'loading="lazy"' in img and 'width="800" height="450"' in img and 'alt="The venue"' in img


def test_an_actor_photo_without_alt_text_is_described_by_the_actors_name(client):
    actor = make_actor(name="Scott Bessent", photo_alt="")
    actor.photo.save("bessent.jpg", jpeg_file(600, 600))
    html = html_of(client.get(actor.get_absolute_url()))
    assert re.search(r'<img [^>]*alt="Scott Bessent"', html)


def test_every_page_names_an_icon_and_favicon_ico_leads_to_it(client):
    html = html_of(client.get("/"))
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html).group(1)
    assert icon.endswith(".svg")
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")


# --- A long page ---------------------------------------------------------------------------------


def test_a_long_story_shows_the_latest_updates_a_contents_bar_and_a_link_to_the_rest(client):
    story = make_story(key_developments="Talks resume.")
    now = timezone.now()
    updates = [
        make_update(story=story, headline=f"Update number {i}", posted_at=now - timedelta(hours=30 - i))
        for i in range(UPDATES_ON_STORY_PAGE + 4)
    ]
    html = html_of(client.get(story.get_absolute_url()))
    shown = re.findall(r'id="update-(\d+)"', html)
    assert [int(pk) for pk in shown] == [u.pk for u in reversed(updates)][:UPDATES_ON_STORY_PAGE]
    assert f"Show all {len(updates)} updates" in text_of(client.get(story.get_absolute_url()))
    contents = html.split('<nav class="story-contents" aria-label="On this page">', 1)[1].split("</nav>", 1)[0]
    targets = re.findall(r'href="#([\w-]+)"', contents)
    assert targets == ["key-developments", "latest-updates", "timeline", "claims", "sources", "people"]
    for target in targets:
        assert f'id="{target}"' in html
    # The page tells reader.js where one update lives, for links to one beyond the latest.
    assert f'data-update-url="{reverse("stories:update-detail", args=[story.slug, 0])}"' in html
    oldest = updates[0]
    assert client.get(oldest.get_absolute_url()).status_code == 200
