"""Filters on a story's events, claims and updates: shareable, only narrowing, never a 500."""

import io
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse

from stories.dates import Precision
from stories.filters import ClaimFilter, EventFilter, UpdateFilter
from stories.models import (
    Actor,
    ClaimKind,
    Event,
    EventParticipation,
    PublicationStatus,
    Story,
    UpdateKind,
    VerificationStatus,
)
from tests.factories import make_actor, make_claim, make_event, make_story, make_update

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
DRAFT = {"status": PublicationStatus.DRAFT, "published_at": None}


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def titles(response, pattern=r'class="timeline-list__title"><a href="[^"]+">([^<]+)</a>') -> list[str]:
    return re.findall(pattern, response.content.decode())


@pytest.fixture
def seeds():
    call_command("import_seeds", stdout=io.StringIO())
    return Story.objects.get(slug="us-china-trade-talks-london-2025")


def timeline_url(story, query=""):
    return reverse("stories:story-timeline", args=[story.slug]) + query


def test_key_events_only_filter_on_the_london_timeline(client, seeds):
    response = client.get(timeline_url(seeds, "?key=on"))
    assert response.status_code == 200
    assert titles(response) == [
        "US and China agree in Geneva to suspend most tariffs for 90 days",
        "Trump and Xi speak by phone",
        "Second round of talks opens at Lancaster House",
        "Talks reconvene for a second day",
    ]
    assert "4 events" in text_of(response)


def test_actor_filter_finds_the_events_bessent_took_part_in(client, seeds):
    response = client.get(timeline_url(seeds, "?actor=scott-bessent"))
    assert titles(response) == ["Second round of talks opens at Lancaster House", "Talks reconvene for a second day"]


def test_date_range_is_read_in_the_storys_zone(client, seeds):
    # June 10 in London starts at 23:00 UTC on June 9: the opening day (June 9) is outside it,
    # while the truce, still running, and the second day are in.
    response = client.get(timeline_url(seeds, "?date_from=2025-06-10&date_to=2025-06-10"))
    assert titles(response) == ["The 90-day tariff truce", "Talks reconvene for a second day"]
    # A span still running on the day is included: the truce runs May–August.
    july = client.get(timeline_url(seeds, "?date_from=2025-07-01"))
    assert titles(july) == ["The 90-day tariff truce"]


def test_claim_filters_by_status_kind_and_claimant(client, seeds):
    url = reverse("stories:story-claims", args=[seeds.slug])
    inaccurate = text_of(client.get(url + "?verification_status=inaccurate"))
    assert "2 claims" in inaccurate and "Trump wants to look tough on China" in inaccurate
    statistics = text_of(client.get(url + "?kind=statistic"))
    assert "2 claims" in statistics and "34.5%" in statistics
    trump = text_of(client.get(url + "?claimant=donald-trump&kind=direct_quote"))
    assert "3 claims" in trump and "China is not easy to deal with" in trump


def test_filter_urls_are_shareable_and_survive_paging(client):
    story = make_story()
    for i in range(60):
        make_event(story=story, title=f"Key {i}", is_key_event=True, occurred_at=datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=i))
    make_event(story=story, title="Not key")
    response = client.get(timeline_url(story, "?key=on"))
    html = response.content.decode()
    assert "60 events" in text_of(response)
    assert 'href="?key=on&amp;page=2"' in html
    assert 'name="key" checked' in html or 'checked name="key"' in html or re.search(r'<input[^>]*name="key"[^>]*checked', html)
    page_two = client.get(timeline_url(story, "?key=on&page=2"))
    assert titles(page_two) == [f"Key {i}" for i in range(50, 60)]
    assert '<ol class="timeline-list" start="51">' in page_two.content.decode()


BAD_PARAMETERS = [
    ("date_from=2025-13-45", "Enter a valid date."),
    ("date_to=not-a-date", "Enter a valid date."),
    ("actor=no-such-actor", "Select a valid choice."),
    ("actor=99999999999999999999999999", "Select a valid choice."),
    ("date_from=99999-01-01", "Enter a valid date."),
    ("actor=%3Cscript%3Ealert(1)%3C/script%3E", "Select a valid choice."),
    ("date_from=2025-06-10&date_to=2025-06-01", "“From” must be on or before “To”."),
    ("date_to=9999-12-31", "Enter a date from 2 January 0001 to 30 December 9999."),
    ("date_from=0001-01-01", "Enter a date from 2 January 0001 to 30 December 9999."),
]


@pytest.mark.parametrize(("query", "message"), BAD_PARAMETERS)
def test_bad_timeline_parameter_shows_a_form_error_and_still_renders(client, seeds, query, message):
    response = client.get(timeline_url(seeds, f"?{query}&key=on"))
    assert response.status_code == 200
    assert message in text_of(response)
    assert "<script>alert" not in response.content.decode()
    # The valid part of the query still applies.
    assert len(titles(response)) == 4


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("story-claims", "kind=%3Cscript%3Ealert(1)%3C/script%3E"),
        ("story-claims", "verification_status=' OR 1=1 --"),
        ("story-claims", "claimant=-1"),
        ("story-updates", "kind=breaking&date_from=2025-02-30"),
        ("story-updates", "actor=1e309"),
        ("story-timeline", "page=99999999999999999999999999"),
        ("story-timeline", "page=-3"),
        ("story-claims", "page=%27%3B+DROP+TABLE"),
    ],
)
def test_injected_or_huge_values_never_give_a_500(client, seeds, name, query):
    response = client.get(reverse(f"stories:{name}", args=[seeds.slug]) + f"?{query}")
    assert response.status_code == 200
    assert "<script>alert" not in response.content.decode()


@pytest.mark.parametrize("list_name", ["story-updates", "story-timeline", "story-claims"])
@pytest.mark.parametrize("query", ["date_from=0001-01-01", "date_to=9999-12-31", "date_from=0001-01-02&date_to=9999-12-30"])
def test_first_and_last_days_of_the_calendar_are_a_form_error_in_a_zone_east_of_utc(client, list_name, query):
    # Midnight on 1 January 0001 in Tokyo is before the first moment a datetime can hold in UTC.
    story = make_story(timezone="Asia/Tokyo")
    make_event(story=story, title="Shown")
    response = client.get(reverse(f"stories:{list_name}", args=[story.slug]) + f"?{query}")
    assert response.status_code == 200
    if "0001-01-02" not in query:
        assert "Enter a date from 2 January 0001 to 30 December 9999." in text_of(response)


def test_filters_never_reveal_unpublished_rows(client):
    story = make_story()
    actor = make_actor(slug="the-minister")
    published = make_event(story=story, title="Visible", is_key_event=True)
    hidden = make_event(story=story, title="Hidden draft", is_key_event=True, **DRAFT)
    for e in (published, hidden):
        EventParticipation.objects.create(event=e, actor=actor)
    make_claim(story=story, claimant=actor, text="Hidden claim", **DRAFT)
    make_update(story=story, headline="Hidden update", kind=UpdateKind.ANALYSIS, **DRAFT)
    for url in (
        timeline_url(story, "?key=on&actor=the-minister"),
        reverse("stories:story-claims", args=[story.slug]) + "?claimant=the-minister",
        reverse("stories:story-updates", args=[story.slug]) + "?kind=analysis",
    ):
        html = client.get(url).content.decode()
        assert "Hidden" not in html, url


def test_update_filters_do_not_reveal_a_link_to_a_hidden_claim_or_key_event(client):
    story = make_story()
    actor = make_actor(slug="the-minister")
    make_claim(story=story, claimant=actor, text="A public claim")  # so the minister is a choice
    make_update(story=story, headline="Another update")
    update = make_update(story=story, headline="Public update")
    update.claims.add(make_claim(story=story, claimant=actor, **DRAFT))
    update.events.add(make_event(story=story, is_key_event=True, **DRAFT))
    hidden_participation = make_event(story=story, **DRAFT)
    EventParticipation.objects.create(event=hidden_participation, actor=actor)
    update.events.add(hidden_participation)
    for query in ("?actor=the-minister", "?key=on"):
        response = client.get(reverse("stories:story-updates", args=[story.slug]) + query)
        assert response.status_code == 200
        assert "No updates match these filters." in response.content.decode(), query


def test_draft_actor_is_not_a_filter_choice(client):
    story = make_story()
    secret = make_actor(name="Secret Source", slug="secret-source", **DRAFT)
    EventParticipation.objects.create(event=make_event(story=story), actor=secret)
    response = client.get(timeline_url(story, "?actor=secret-source"))
    assert "Select a valid choice." in text_of(response)
    assert "Secret Source" not in response.content.decode()


def test_filtersets_only_narrow_the_queryset_they_are_given():
    with pytest.raises(TypeError):
        EventFilter({}, None, tz=LONDON, actors=Actor.objects.none())
    story = make_story()
    make_event(story=story, title="Draft", **DRAFT)
    visible = make_event(story=story)
    filterset = EventFilter({"key": ""}, Event.objects.published_in(story), tz=LONDON, actors=Actor.objects.none())
    assert list(filterset.qs) == [visible]


def test_update_filters_by_kind_actor_date_and_key_event():
    story = make_story()
    actor = make_actor(slug="he-lifeng")
    key_event = make_event(story=story, is_key_event=True)
    EventParticipation.objects.create(event=key_event, actor=actor)
    about_actor = make_update(story=story, headline="About He", posted_at=datetime(2025, 6, 10, 9, tzinfo=UTC))
    about_actor.events.add(key_event)
    quoted = make_update(story=story, headline="Quote", kind=UpdateKind.ANALYSIS, posted_at=datetime(2025, 6, 9, 22, 30, tzinfo=UTC))
    quoted.claims.add(make_claim(story=story, claimant=actor))
    make_update(story=story, headline="Other", posted_at=datetime(2025, 6, 11, tzinfo=UTC))
    actors = Actor.objects.published()
    qs = story.updates.model.objects.published_in(story)

    def headlines(data):
        return sorted(u.headline for u in UpdateFilter(data, qs, tz=LONDON, actors=actors).qs)

    assert headlines({"actor": "he-lifeng"}) == ["About He", "Quote"]
    assert headlines({"kind": "analysis"}) == ["Quote"]
    assert headlines({"key": "on"}) == ["About He"]
    # 22:30 UTC on June 9 is 23:30 on June 9 in London, so June 10 (London) holds only "About He".
    assert headlines({"date_from": "2025-06-10", "date_to": "2025-06-10"}) == ["About He"]


def test_claim_filter_date_range_uses_the_story_zone():
    story = make_story()
    make_claim(story=story, text="Late on the 9th", made_at=datetime(2025, 6, 9, 22, 30, tzinfo=UTC), made_precision=Precision.MINUTE)
    make_claim(story=story, text="On the 10th", made_at=datetime(2025, 6, 9, 23, 30, tzinfo=UTC), made_precision=Precision.MINUTE)
    filterset = ClaimFilter(
        {"date_from": "2025-06-10", "verification_status": VerificationStatus.UNVERIFIED, "kind": ClaimKind.ASSERTION},
        story.claims.model.objects.published_in(story), tz=LONDON, actors=Actor.objects.none(),
    )
    assert [c.text for c in filterset.qs] == ["On the 10th"]


def test_the_said_by_list_names_everyone_once_escaped_with_the_chosen_person_selected(client):
    story = make_story()
    people = [make_actor(name=f"Negotiator {n:03d}") for n in range(120)]
    people.append(make_actor(name='<b>"Bo" & Co</b>'))
    for person in people:
        make_claim(story=story, claimant=person, text=f"{person.name} said talks went well")
    chosen = people[7]
    page = client.get(reverse("stories:story-claims", kwargs={"slug": story.slug}), {"claimant": chosen.slug})
    html = page.content.decode()
    select = re.search(r'<select name="claimant"[^>]*>(.*?)</select>', html, re.S).group(1)
    options = re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select)
    assert [value for value, _, _ in options][0] == "" and len(options) == 1 + len(people)
    assert sorted(value for value, _, _ in options[1:]) == sorted(person.slug for person in people)
    assert {value for value, selected, _ in options if selected} == {chosen.slug}
    assert "&lt;b&gt;&#34;Bo&#34; &amp; Co&lt;/b&gt;" in select and "<b>" not in select
    assert text_of(page).count("said talks went well") == 1, "only the chosen person's claim is listed"
