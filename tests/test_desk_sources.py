"""A source added on the desk is read like an imported article: its quotes and figures wait in
the review queue, and the actors it names are recorded as mentions."""

import pytest
from django.test import Client

from stories.models import ActorAlias, Claim, Mention, ReviewState, Source
from stories.review import reject_candidate

from .factories import admin_url, form_data, make_actor, make_staff, make_story

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
    assert "new quotes and figures for the review queue" in response.content.decode()


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
