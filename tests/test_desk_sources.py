"""A source added on the desk is read like an imported article: its quotes and figures wait in
the review queue, and the actors it names are recorded as mentions."""

import pytest
from django.urls import reverse
from django.test import Client

from stories.models import ActorAlias, Claim, Mention, ReviewState, Source
from stories.review import reject_candidate

from .factories import admin_url, errors_on, form_data, make_actor, make_staff, make_story

pytestmark = pytest.mark.django_db

ARTICLE = (
    "Commerce Secretary Howard Lutnick said the sides had agreed a framework. "
    "“We have reached a framework to implement the Geneva consensus,” Lutnick told reporters. "
    "Chinese exports to the US fell 34.5% in May."
)


def desk_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def add_source(client, story, text: str = ARTICLE, **changes):
    url = admin_url(Source, "add") + f"?story={story.pk}"
    data = form_data(client.get(url), "source_form")
    data.update({"title": ["Lutnick: sides agree a framework"], "slug": ["lutnick-framework"],
                 "text": [text], "status": ["draft"], **changes})
    return client.post(url, data, follow=True)


def test_a_source_added_on_the_desk_fills_the_review_queue_and_records_mentions(editor):
    story = make_story()
    lutnick = make_actor(name="Howard Lutnick", slug="howard-lutnick")
    ActorAlias.objects.create(actor=lutnick, alias="Lutnick")
    response = add_source(desk_client(editor), story)
    assert response.status_code == 200
    source = Source.objects.get(slug="lutnick-framework")
    candidates = Claim.objects.filter(citations__source=source, review_state=ReviewState.CANDIDATE)
    quote = candidates.get(kind="direct_quote")
    assert quote.text == "We have reached a framework to implement the Geneva consensus,"
    assert quote.claimant == lutnick and quote.story == story
    assert candidates.filter(kind="statistic", stat_value=34.5).exists()
    assert Mention.objects.filter(source=source, actor=lutnick).count() >= 1
    # The editor lands on what this source gave, in the review queue.
    assert response.redirect_chain[-1][0].endswith(f"/review/?source={source.pk}")
    page = response.content.decode()
    assert "quotes and figures" in page and f'id="candidate-c{quote.pk}"' in page


def test_saving_a_desk_source_again_proposes_nothing_twice_and_rejected_quotes_stay_rejected(editor):
    story = make_story()
    add_source(desk_client(editor), story)
    source = Source.objects.get(slug="lutnick-framework")
    quote = Claim.objects.get(citations__source=source, kind="direct_quote")
    reject_candidate(claim=quote, user=editor)
    client = desk_client(editor)
    page = client.get(admin_url(source))
    data = form_data(page, "source_form")
    data["text"] = [ARTICLE + " “Talks will resume on Friday,” Lutnick said."]
    assert client.post(admin_url(source), data).status_code == 302
    texts = list(Claim.objects.filter(citations__source=source, kind="direct_quote").values_list("text", "review_state"))
    assert sorted(texts) == [
        ("Talks will resume on Friday,", ReviewState.CANDIDATE),
        ("We have reached a framework to implement the Geneva consensus,", ReviewState.REJECTED),
    ]


def test_a_reporter_adding_a_draft_source_gets_the_same_reading(db):
    reporter = make_staff("Reporter")
    story = make_story()
    add_source(desk_client(reporter), story)
    assert Claim.objects.filter(citations__source__slug="lutnick-framework", review_state=ReviewState.CANDIDATE).count() >= 2


# --- One step: paste, upload or fetch ------------------------------------------------------------

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<title>Lutnick: sides agree a framework | The Ledger</title>
<meta property="og:title" content="Lutnick: sides agree a framework">
<meta property="og:site_name" content="The Ledger">
<meta name="author" content="Jane Reporter">
<meta property="article:published_time" content="2025-06-10T21:30:00+01:00">
</head><body><nav><a href="/">Home</a> | <a href="/world">World</a></nav>
<article><h1>Lutnick: sides agree a framework</h1>
<p>Commerce Secretary Howard Lutnick said the sides had agreed a framework after two days of talks in London.</p>
<p>“We have reached a framework to implement the Geneva consensus,” Lutnick told reporters.</p>
<p>Chinese exports to the US fell 34.5% in May, the steepest drop since the pandemic.</p>
</article><footer>© The Ledger. Subscribe for more.</footer></body></html>"""


def add_from(client, story, **data):
    """Post the add-source form as an editor would, with only what they typed or chose."""
    url = admin_url(Source, "add") + f"?story={story.pk}"
    posted = form_data(client.get(url), "source_form")
    posted.update({"status": ["draft"], **data})
    return client.post(url, posted, follow=True)


def media_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_source_added_by_its_address_is_fetched_read_kept_and_extracted(editor, local_site, settings):
    story = make_story(timezone="Europe/London")
    lutnick = make_actor(name="Howard Lutnick", slug="howard-lutnick")
    ActorAlias.objects.create(actor=lutnick, alias="Lutnick")
    address = local_site.page("/2025/06/10/framework", PAGE)
    response = add_from(desk_client(editor), story, url=[address])
    assert response.status_code == 200, errors_on(response)
    source = Source.objects.get()
    assert source.title == "Lutnick: sides agree a framework"
    assert source.slug == "lutnick-sides-agree-a-framework"
    assert (source.publisher, source.author, source.url) == ("The Ledger", "Jane Reporter", address)
    assert source.source_published_at.isoformat() == "2025-06-10T20:30:00+00:00"
    assert "Howard Lutnick said the sides had agreed a framework" in source.text
    assert "Subscribe" not in source.text and "Home" not in source.text
    assert source.original.read() == PAGE.encode()
    assert source.original_type == "text/html; charset=utf-8" and source.original_url == address
    assert source.original_retrieved_at is not None
    quote = Claim.objects.get(citations__source=source, review_state=ReviewState.CANDIDATE, kind="direct_quote")
    assert quote.text == "We have reached a framework to implement the Geneva consensus,"
    assert quote.claimant == lutnick and quote.story == story
    assert Mention.objects.filter(source=source, actor=lutnick).exists()
    assert local_site.requested == ["/2025/06/10/framework"]  # once, before the save, not again by the form
    page = response.content.decode()
    # What it gave is waiting in the review queue, with a link back to check the details read.
    assert response.redirect_chain[-1][0] == reverse("admin:stories_claim_review") + f"?source={source.pk}"
    assert admin_url(source) in response.content.decode()
    assert "found headline “Lutnick: sides agree a framework”, publisher “The Ledger”" in page


def test_what_the_editor_typed_wins_over_what_the_page_says(editor, local_site):
    story = make_story()
    address = local_site.page("/framework", PAGE)
    add_from(desk_client(editor), story, url=[address], title=["Framework agreed, Lutnick says"],
             publisher=["Ledger (wire copy)"])
    source = Source.objects.get()
    assert (source.title, source.publisher, source.author) == (
        "Framework agreed, Lutnick says", "Ledger (wire copy)", "Jane Reporter")


@pytest.mark.parametrize("answer, error", [
    ({"body": b"%PDF-1.7", "content_type": "application/pdf"}, "is application/pdf, not a web page or plain text"),
    ({"body": PAGE, "status": 404}, "answered 404"),
    ({"body": "<p>" + "x" * 3000 + "</p>"}, "larger than"),
    ({"body": "<html><head><title>Gallery</title></head><body><img src=\"a.png\"></body></html>"},
     "No article text was found on this page"),
])
def test_a_page_that_cannot_be_used_is_a_form_error_and_nothing_is_saved(editor, local_site, settings, answer, error):
    settings.NEWSROOM_FETCH_MAX_BYTES = 2000
    address = local_site.page("/bad", **answer)
    response = add_from(desk_client(editor), make_story(), url=[address])
    assert error in errors_on(response)
    assert not Source.objects.exists() and media_files(settings) == []


def test_an_address_on_the_private_network_is_refused_on_the_form(editor, settings):
    settings.NEWSROOM_FETCH_ALLOW_PRIVATE = False
    response = add_from(desk_client(editor), make_story(), url=["http://169.254.169.254/latest/meta-data/"])
    assert "private or local address (169.254.169.254)" in errors_on(response)
    assert not Source.objects.exists() and media_files(settings) == []


def upload(name: str, data: bytes, content_type: str = "text/plain"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.mark.parametrize("name, data, title", [
    ("framework.txt", "Lutnick: sides agree a framework\n\n" + ARTICLE, "Lutnick: sides agree a framework"),
    ("framework.md", "# Lutnick: sides agree a framework\n\n" + ARTICLE, "Lutnick: sides agree a framework"),
    ("framework.txt", "---\npublisher: The Ledger\ndate: 2025-06-10 21:30\n---\nSides agree a framework\n" + ARTICLE,
     "Sides agree a framework"),
])
def test_an_uploaded_text_file_becomes_the_source_and_is_kept(editor, name, data, title):
    response = add_from(desk_client(editor), make_story(), upload=upload(name, data.encode()))
    assert response.status_code == 200, errors_on(response)
    source = Source.objects.get()
    assert source.title == title and ARTICLE in source.text
    assert source.original.read() == data.encode() and source.original_url == ""
    assert Claim.objects.filter(citations__source=source, kind="direct_quote").exists()
    if "publisher" in data:
        assert source.publisher == "The Ledger"
        assert source.source_published_at.isoformat() == "2025-06-10T21:30:00+00:00"


def test_an_uploaded_html_file_is_read_like_a_fetched_page(editor):
    add_from(desk_client(editor), make_story(), upload=upload("framework.html", PAGE.encode(), "text/html"))
    source = Source.objects.get()
    assert (source.title, source.publisher, source.author) == (
        "Lutnick: sides agree a framework", "The Ledger", "Jane Reporter")
    assert "Subscribe" not in source.text and source.original.read() == PAGE.encode()


@pytest.mark.parametrize("name, data, error", [
    ("framework.pdf", b"%PDF-1.7", "is not a .txt, .md or .html file"),
    ("framework.txt", "Sides agree\n\nLutnick said caf\xe9".encode("latin-1"), "is not UTF-8 text"),
    ("framework.txt", b"Sides agree\n" + b"x" * 3000, "the most the desk takes"),
    ("framework.txt", b"   \n", "is empty"),
])
def test_a_bad_upload_is_a_form_error_and_nothing_is_saved(editor, settings, name, data, error):
    settings.NEWSROOM_FETCH_MAX_BYTES = 2000
    response = add_from(desk_client(editor), make_story(), upload=upload(name, data))
    assert error in errors_on(response)
    assert not Source.objects.exists() and media_files(settings) == []


def test_pasting_and_uploading_at_once_is_refused(editor, settings):
    response = add_from(desk_client(editor), make_story(), text=[ARTICLE], title=["Framework"],
                        upload=upload("framework.txt", b"Framework\n\n" + ARTICLE.encode()))
    assert "Paste the text or upload a file, not both." in errors_on(response)
    assert not Source.objects.exists() and media_files(settings) == []


def test_a_pasted_source_needs_no_slug_and_keeps_no_original(editor):
    add_from(desk_client(editor), make_story(), text=[ARTICLE], title=["Sides agree a framework"])
    source = Source.objects.get()
    assert source.slug == "sides-agree-a-framework" and not source.original


def test_an_empty_add_form_says_the_three_ways_in(editor):
    response = add_from(desk_client(editor), make_story())
    assert "Paste the article’s text, upload a file, or give its address to fetch it from." in errors_on(response)
    assert not Source.objects.exists()
