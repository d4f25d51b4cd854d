"""The story, claim and event pages' compiled reads show exactly what the published QuerySets
show: the same rows, the same links, the same badges, nothing a reader may not see."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stories import page_data
from stories.caching import clear_every_cache
from stories.markup import cited_publication, fragment_key
from stories.stamps import site_stamp
from stories.models import (
    Actor, Citation, Claim, ClaimKind, ClaimStatusChange, Correction, Event, EventParticipation, Outcome, ReviewState,
    Source, Story, Update, VerificationStatus, backing_citations,
)

from .factories import cite, draft, make_actor, make_claim, make_event, make_source, make_story, make_update, published

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(editor):
    """A story with something of every kind readers may and may not see."""
    story = make_story(title="London talks")
    other, hidden_story = make_story(title="Geneva truce"), make_story(title="Unpublished", **draft())
    soon = timezone.now() + timedelta(hours=2)
    wire = make_source(title="Wire copy", publisher="Wire", content_group="wire-1",
                       source_published_at=timezone.now() - timedelta(days=1))
    copy = make_source(title="Wire copy again", publisher="Other paper", content_group="wire-1",
                       source_published_at=timezone.now() - timedelta(days=2))
    undated = make_source(title="Undated", publisher="")
    unpublished = make_source(title="Not yet out", **draft())
    speaker = make_actor(name="Scott Bessent")
    hidden_speaker = make_actor(name="Not out yet", **draft())
    claims = []
    for i, status in enumerate(VerificationStatus.values * 2):
        claim = make_claim(
            story, text=f"Claim {i} “talks are going well”", verification_status=status,
            claimant=[speaker, hidden_speaker, None][i % 3],
            kind=ClaimKind.STATISTIC if i % 4 == 0 else ClaimKind.DIRECT_QUOTE,
            stat_measure="Exports" if i % 4 == 0 else "", stat_value=i if i % 4 == 0 else None, stat_unit="percent",
            made_at=timezone.now() - timedelta(hours=i), made_precision="hour",
        )
        cite(undated, "talks are going well", claim=claim)
        if i % 2 or status == VerificationStatus.CORROBORATED:
            cite(wire, "talks are going well", claim=claim, confirmed_by=editor)
            cite(copy, "talks are going well", claim=claim, confirmed_by=editor)
        if i % 3 == 0:
            cite(unpublished, "talks are going well", claim=claim)
        if i % 5 == 0:
            cite(wire, "Exports fell 34.5% in May", claim=claim, relation="contradicts")
        claims.append(claim)
    make_claim(story, text="Draft claim", **draft())
    make_claim(story, text="Scheduled claim", **published(published_at=soon))
    make_claim(story, text="Candidate claim", review_state=ReviewState.CANDIDATE, **draft())
    events = []
    for i in range(30):
        event = make_event(story, title=f"Event {i}", is_key_event=i % 4 == 0,
                           occurred_at=timezone.now() - timedelta(days=30 - i))
        cite([wire, copy, undated][i % 3], "talks are going well", event=event)
        events.append(event)
    make_event(story, title="Draft event", **draft())
    stale = cite(wire, "Exports fell 34.5% in May", event=events[-1])
    type(stale).objects.filter(pk=stale.pk).update(is_stale=True)
    elsewhere = make_claim(other, text="Said in Geneva")
    cite(wire, "talks are going well", claim=elsewhere)
    unseen = make_claim(hidden_story, text="In a draft story")
    pinned = make_update(story, headline="Pinned", is_pinned=True, posted_at=timezone.now() - timedelta(days=3))
    pinned.claims.add(claims[1], claims[2], elsewhere, unseen, Claim.objects.get(text="Draft claim"))
    pinned.events.add(events[0], Event.objects.get(title="Draft event"))
    Correction.objects.create(update=pinned, note="An earlier version misnamed the venue.")
    for i in range(6):
        update = make_update(story, headline=f"Update {i}", posted_at=timezone.now() - timedelta(hours=i))
        update.claims.add(claims[i])
        update.events.add(events[i])
    make_update(story, headline="Draft update", **draft())
    make_update(story, headline="Scheduled update", **published(published_at=soon))
    return story


def badges(rows):
    return [(row.pk, row.backing, cited_publication(row) if isinstance(row, Claim) else None) for row in rows]


def test_latest_updates_are_the_published_updates_with_their_visible_links(story):
    expected = list(Update.objects.published_in(story).pinned_first().for_list()[:page_data.UPDATES_ON_STORY_PAGE])
    shown = page_data.latest_updates(story)
    assert [u.pk for u in shown] == [u.pk for u in expected]
    assert shown[0].headline == "Pinned"
    for mine, theirs in zip(shown, expected, strict=True):
        assert [c.pk for c in mine.linked_claims] == [c.pk for c in theirs.linked_claims]
        assert [e.pk for e in mine.linked_events] == [e.pk for e in theirs.linked_events]
        assert [c.note for c in mine.shown_corrections] == [c.note for c in theirs.shown_corrections]
        assert mine.backing == theirs.backing
        assert badges(mine.linked_claims) == badges(theirs.linked_claims)
        assert {c.story.title for c in mine.linked_claims} <= {"London talks", "Geneva truce"}
    texts = {c.text for c in shown[0].linked_claims}
    assert "Said in Geneva" in texts and "In a draft story" not in texts and "Draft claim" not in texts


def test_the_timeline_window_is_the_latest_and_the_key_published_events(story):
    events = Event.objects.published_in(story)
    newest = list(events.order_by("-occurred_at", "-pk"))
    key_events = [e for e in newest if e.is_key_event][:page_data.KEY_EVENTS_ON_STORY_PAGE]
    wanted = {e.pk for e in newest[:page_data.LATEST_EVENTS_ON_STORY_PAGE]} | {e.pk for e in key_events}
    shown = page_data.timeline_window(story)
    assert [e.pk for e in shown] == [e.pk for e in events.filter(pk__in=wanted).order_by("occurred_at", "pk")]
    orm = {e.pk: e for e in events.filter(pk__in=wanted).for_timeline()}
    assert [(e.pk, e.backing) for e in shown] == [(e.pk, orm[e.pk].backing) for e in shown]


def test_claims_and_figures_carry_the_counts_badges_and_speakers_readers_see(story):
    counts = page_data.story_counts(story)
    published = Claim.objects.published_in(story)
    assert counts.claims_by_status == {
        status: published.filter(verification_status=status).count()
        for status in VerificationStatus.values if published.filter(verification_status=status).exists()
    }
    assert counts.update_count == Update.objects.published_in(story).count() == 7
    assert counts.event_count == Event.objects.published_in(story).count() == 30
    groups, figures = page_data.claims_shown(story, counts.claims_by_status)
    orm = {c.pk: c for c in published.for_list()}
    for group in groups:
        assert group.count == counts.claims_by_status[group.status]
        newest = published.filter(verification_status=group.status).order_by(*page_data.NEWEST_FIRST)
        assert [c.pk for c in group.claims] == [c.pk for c in newest[:page_data.CLAIMS_PER_STATUS_ON_STORY_PAGE]]
    shown = [c for group in groups for c in group.claims] + [c for group in figures for c in group.claims]
    assert badges(shown) == badges([orm[c.pk] for c in shown])
    assert {c.visible_claimant.name if c.visible_claimant else None for c in shown} == {"Scott Bessent", None}
    confirmed = [c for c in shown if c.backing.is_confirmed]
    assert confirmed and all(c.backing.confirmed_by == 1 for c in confirmed)  # two copies of one wire story
    figure_pks = [c.pk for group in figures for c in group.claims]
    assert figure_pks == [c.pk for c in published.filter(kind=ClaimKind.STATISTIC).order_by("stat_measure", "made_at", "pk")]


def test_actors_and_sources_are_the_published_ones_the_story_rests_on(story):
    assert [a.pk for a in page_data.actors_shown(story)] == [a.pk for a in page_data.story_actors(story)]
    assert [a.name for a in page_data.actors_shown(story)] == ["Scott Bessent"]
    sources = page_data.sources_shown(story)
    assert [s.pk for s in sources] == [s.pk for s in page_data.story_sources(story)]
    assert [s.title for s in sources] == ["Wire copy", "Wire copy again", "Undated"]
    assert "text" in sources[0].get_deferred_fields()


def test_a_staff_preview_of_a_draft_story_shows_its_published_rows():
    story = make_story(**draft())
    make_update(story, headline="Ready")
    make_update(story, headline="Still a draft", **draft())
    assert [u.headline for u in page_data.latest_updates(story)] == ["Ready"]


def test_the_story_page_reads_cost_the_same_few_queries_however_much_they_show(story):
    with CaptureQueriesContext(connection) as queries:
        page_data.latest_updates(story)
        counts = page_data.story_counts(story)
        page_data.timeline_window(story)
        page_data.claims_shown(story, counts.claims_by_status)
        page_data.actors_shown(story)
        page_data.sources_shown(story)
    # Updates 4 (+1 for claims of other stories), counts 2, timeline 2, claims 5, actors 1, sources 1.
    assert len(queries) <= 17, [q["sql"][:80] for q in queries]


def test_badges_from_plain_rows_follow_the_same_citation_rules(story):
    claim = Claim.objects.published_in(story).filter(verification_status=VerificationStatus.CORROBORATED).first()
    page_data.attach_backing(claims=[claim], now=timezone.now())
    rows = backing_citations(claim)
    orm = list(Claim.objects.published_in(story).for_list().get(pk=claim.pk).backing_citations)
    assert [(c.pk, c.confirmed_support, c.counts_as_reporting, c.source.pk) for c in rows] == [
        (c.pk, c.confirmed_support, c.counts_as_reporting, c.source.pk) for c in orm
    ]


def test_the_story_header_counts_an_update_that_came_out_after_the_first_reader():
    story = make_story()
    page_data.story_page_row(slug=story.slug)
    soon = timezone.now() + timedelta(minutes=5)
    update = make_update(story, posted_at=soon, **published(published_at=soon))
    assert page_data.story_page_row(slug=story.slug).last_updated == story.published_at
    later = page_data.story_page_row(slug=story.slug, now=soon + timedelta(seconds=1))
    assert later.last_updated == update.posted_at


def test_no_story_page_row_for_a_draft_or_unknown_story():
    from django.http import Http404

    hidden = make_story(**draft())
    for slug in (hidden.slug, "no-such-story"):
        with pytest.raises(Http404):
            page_data.story_page_row(slug=slug)


# --- The story page's queries sent together ------------------------------------------------------

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL sessions only")
RENDERED_EACH_TIME = override_settings(NEWSROOM_STAMPED_PAGES=False, NEWSROOM_PAGE_CACHE_SECONDS=0)


def _render(client, story, *, cached: bool = False):
    if not cached:
        clear_every_cache()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode(), [query["sql"] for query in queries]


@postgresql_only
def test_the_story_page_reads_the_same_with_its_queries_sent_together_in_half_the_round_trips(story, client):
    with RENDERED_EACH_TIME:
        _render(client, story)  # the session prepares the page's statements
        together, trips = _render(client, story)
        pooled = connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS", False)
        connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] = True  # no prepared statements: one at a time
        try:
            one_at_a_time, statements = _render(client, story)
        finally:
            connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] = pooled
    assert together == one_at_a_time
    assert "Update 0" in together and "Event 29" in together and "Scott Bessent" in together
    assert len(statements) >= 16
    assert len(trips) <= len(statements) // 2, trips
    # The stamp; the story; every section's first queries, its counts' tallies among them; what
    # those found asks next; the other stories the updates link to; the backing of what they link.
    assert len(trips) <= 6, trips


def test_a_story_page_whose_sections_are_cached_asks_nothing_of_their_queries(story, client):
    with RENDERED_EACH_TIME:
        first, _ = _render(client, story)
        again, queries = _render(client, story, cached=True)
    assert again == first
    # The content stamp and the story's own row; no section's query, sent ahead or asked.
    assert len(queries) <= 2, queries


def test_a_story_page_with_one_section_evicted_reads_that_section_alone(story, client):
    with RENDERED_EACH_TIME:
        first, _ = _render(client, story)
        cache.delete(fragment_key(site_stamp(), "story-sources", story))
        again, queries = _render(client, story, cached=True)
    assert again == first
    assert "Wire copy" in again.split('id="sources"', 1)[1]
    # The stamp, the story's row and the sources list: no other section's queries.
    assert len(queries) <= 3, queries


# --- A claim's and an event's pages --------------------------------------------------------------


@pytest.fixture
def linked(story):
    """The story's first figure, at an event, with contradictions, a status history and updates,
    and forecasts an event bore out; each list with rows readers may and may not see."""
    claims = Claim.objects.published_in(story)
    figure = claims.filter(kind=ClaimKind.STATISTIC, claimant__name="Scott Bessent").order_by("pk").first()
    events = list(Event.objects.published_in(story).order_by("pk"))
    figure.event = events[3]
    figure.save()
    figure.contradicts.add(
        *claims.exclude(pk=figure.pk).order_by("pk")[:2], Claim.objects.get(text="Said in Geneva"),
        Claim.objects.get(text="Draft claim"), Claim.objects.get(text="In a draft story"),
    )
    ClaimStatusChange.objects.create(claim=figure, from_status="unreviewed", to_status="unverified", note="Checked")
    ClaimStatusChange.objects.create(claim=figure, from_status="unverified", to_status="corroborated")
    for headline, fields in (("Reported", {}), ("Draft report", draft())):
        make_update(story, headline=headline, **fields).claims.add(figure)
    speaker, hidden_speaker = make_actor(name="Jamieson Greer"), make_actor(name="Not out either", **draft())
    for i, fields in enumerate(({}, {}, draft())):
        forecast = make_claim(story, text=f"Forecast {i}", kind=ClaimKind.FORECAST, outcome=Outcome.FULFILLED,
                              outcome_event=events[3], claimant=[speaker, hidden_speaker, None][i], **fields)
        cite(Citation.objects.filter(claim__story=story).first().source, "talks are going well", claim=forecast)
    make_claim(story, text="Borne out by a draft", kind=ClaimKind.FORECAST, outcome=Outcome.FULFILLED,
               outcome_event=Event.objects.get(title="Draft event"))
    make_claim(story, text="Said at the event", event=events[3], claimant=speaker)
    make_claim(story, text="Draft said at the event", event=events[3], **draft())
    EventParticipation.objects.create(event=events[3], actor=speaker, role="Lead negotiator")
    EventParticipation.objects.create(event=events[3], actor=hidden_speaker)
    return figure, events[3]


def test_a_claim_page_shows_the_claims_readers_may_see_with_their_badges_and_speakers(linked):
    figure, event = linked
    page = page_data.claim_page(Claim.objects.select_related("claimant", "story").get(pk=figure.pk))
    orm = Claim.objects.published().for_list()
    expected = list(orm.filter(pk__in=figure.contradicts.values("pk")))
    assert [c.pk for c in page.contradictions] == [c.pk for c in expected]
    assert {c.text for c in page.contradictions} >= {"Said in Geneva"}
    assert not {c.text for c in page.contradictions} & {"Draft claim", "In a draft story"}
    assert badges(page.contradictions) == badges(expected)
    assert [c.story.title for c in page.contradictions] == [c.story.title for c in expected]
    assert [c.visible_claimant for c in page.contradictions] == [c.visible_claimant for c in expected]
    competing = list(
        Claim.objects.published_in(figure.story).filter(kind=ClaimKind.STATISTIC, stat_measure="Exports")
        .exclude(pk=figure.pk).for_list()[:page_data.COMPETING_FIGURES]
    )
    assert competing and [c.pk for c in page.competing] == [c.pk for c in competing]
    assert badges(page.competing) == badges(competing)
    assert page.claim.backing == orm.get(pk=figure.pk).backing


def test_a_claim_page_quotes_its_backing_citations_in_context_and_links_what_readers_may_see(linked):
    figure, event = linked
    page = page_data.claim_page(Claim.objects.select_related("claimant", "story").get(pk=figure.pk))
    quoted = list(Citation.objects.backing().in_context().filter(claim=figure))
    assert [(c.pk, c.source.title, c.text_before, c.excerpt, c.text_after) for c in page.citations] == [
        (c.pk, c.source.title, c.text_before, c.excerpt, c.text_after) for c in quoted
    ]
    assert "Not yet out" not in {c.source.title for c in page.citations}
    assert [(s.from_status, s.to_status, s.note) for s in page.status_changes] == [
        ("unreviewed", "unverified", "Checked"), ("unverified", "corroborated", ""),
    ]
    assert page.event == event and page.event.story == figure.story
    assert page.outcome_event is None
    forecasts = Claim.objects.select_related("claimant", "story")
    assert page_data.claim_page(forecasts.get(text="Forecast 0")).outcome_event == event
    assert page_data.claim_page(forecasts.get(text="Borne out by a draft")).outcome_event is None
    reported = list(Update.objects.published().filter(claims=figure).order_by("-posted_at", "-pk"))
    assert [u.headline for u in page.updates] == [u.headline for u in reported]
    assert "Reported" in [u.headline for u in page.updates] and "Draft report" not in [u.headline for u in page.updates]
    assert [u.get_absolute_url() for u in page.updates] == [u.get_absolute_url() for u in reported]


def test_an_event_page_shows_who_took_part_what_was_said_and_what_it_bore_out_as_readers_may_see(linked):
    _, event = linked
    page = page_data.event_page(Event.objects.select_related("story").get(pk=event.pk))
    assert [(p.actor.name, p.role) for p in page.participations] == [("Jamieson Greer", "Lead negotiator")]
    orm = Claim.objects.published().for_list()
    outcomes, made = list(orm.filter(outcome_event=event)), list(orm.filter(event=event))
    assert [c.text for c in page.outcomes] == ["Forecast 0", "Forecast 1"] == [c.text for c in outcomes]
    assert badges(page.outcomes) == badges(outcomes)
    assert [c.visible_claimant for c in page.outcomes] == [c.visible_claimant for c in outcomes]
    assert [c.pk for c in page.claims_made] == [c.pk for c in made]
    assert "Draft said at the event" not in {c.text for c in page.claims_made}
    quoted = list(Citation.objects.backing().in_context().filter(event=event))
    assert [(c.pk, c.text_before, c.text_after) for c in page.citations] == [
        (c.pk, c.text_before, c.text_after) for c in quoted
    ]
    assert page.event.backing == Event.objects.for_timeline().get(pk=event.pk).backing
    assert [u.pk for u in page.updates] == list(
        Update.objects.published().filter(events=event).order_by("-posted_at", "-pk").values_list("pk", flat=True)
    )


def test_a_claim_and_an_event_page_each_read_their_lists_in_two_round_trips(linked, client):
    figure, event = linked
    for read in range(2):  # on PostgreSQL the session prepares each statement on its first use
        with CaptureQueriesContext(connection) as claim_queries:
            page_data.claim_page(Claim.objects.select_related("claimant", "story").get(pk=figure.pk))
        with CaptureQueriesContext(connection) as event_queries:
            page_data.event_page(Event.objects.select_related("story").get(pk=event.pk))
    if connection.vendor == "postgresql":
        # The claim's row; its lists; the backing of their claims; the other story a contradiction is of.
        assert len(claim_queries) <= 4, [q["sql"] for q in claim_queries]
        assert len(event_queries) <= 3, [q["sql"] for q in event_queries]
    else:
        assert len(claim_queries) <= 10 and len(event_queries) <= 8


@pytest.fixture
def prolific(story):
    """An actor with five pages of claims over two stories (some undated, some not for readers),
    two pages of events, members, and a claim that contradicts another speaker's."""
    actor = make_actor(name="Howard Lutnick")
    other_story = Story.objects.get(title="Geneva truce")
    for i in range(130):
        undated = i % 7 == 0
        make_claim([story, other_story][i % 2], claimant=actor, text=f"Lutnick {i}",
                   made_at=None if undated else timezone.now() - timedelta(hours=i % 50),
                   made_precision="" if undated else "hour")
    make_claim(story, claimant=actor, text="Lutnick draft", **draft())
    soon = timezone.now() + timedelta(hours=1)
    make_claim(story, claimant=actor, text="Lutnick scheduled", **published(published_at=soon))
    make_claim(Story.objects.get(title="Unpublished"), claimant=actor, text="Lutnick in a draft story")
    for i in range(6):
        make_event(other_story, title=f"Geneva round {i}")
    for event in Event.objects.published().filter(story__in=[story, other_story]):
        EventParticipation.objects.create(event=event, actor=actor)
    EventParticipation.objects.create(event=Event.objects.get(title="Draft event"), actor=actor)
    for name, fields in (("Commerce Department", {}), ("Census Bureau", {}), ("Draft bureau", draft())):
        make_actor(name=name, affiliation=actor, **fields)
    mine = Claim.objects.get(text="Lutnick 3")
    mine.contradicts.add(Claim.objects.get(text="Said in Geneva"), Claim.objects.get(text="Lutnick 5"))
    return actor


@pytest.mark.parametrize("asked", [None, "1", "2", "5", "999", "-3", "x"])
def test_an_actor_page_lists_the_page_asked_for_of_what_readers_may_see(prolific, asked):
    from django.core.paginator import Paginator

    page = page_data.actor_page(prolific, claims_page=asked, events_page=asked)
    claims = Claim.objects.published().filter(claimant=prolific).order_by(*page_data.NEWEST_FIRST).for_list()
    expected = Paginator(claims, page_data.ACTOR_LIST_PAGE).get_page(asked)
    assert page.claims.paginator.count == 130 and page.claims.number == expected.number
    assert [c.pk for c in page.claims] == [c.pk for c in expected]
    assert badges(page.claims) == badges(expected)
    assert [c.story.title for c in page.claims] == [c.story.title for c in expected]
    assert all(c.visible_claimant == prolific for c in page.claims)
    events = Event.objects.published().filter(actors=prolific).order_by("occurred_at", "pk")
    expected_events = Paginator(events, page_data.ACTOR_LIST_PAGE).get_page(asked)
    assert page.events.paginator.count == 36 and page.events.number == expected_events.number
    assert [(e.pk, e.get_absolute_url()) for e in page.events] == [
        (e.pk, e.get_absolute_url()) for e in expected_events
    ]
    assert [m.name for m in page.members] == ["Census Bureau", "Commerce Department"]
    # Each pair once, by the first claim's time and then the keys (the Geneva claim is the older).
    assert [(a.text, b.text) for a, b in page.contradictions] == [
        ("Lutnick 3", "Said in Geneva"), ("Lutnick 3", "Lutnick 5"),
    ]
    assert all(claim.backing is not None for pair in page.contradictions for claim in pair)


def test_an_actor_page_reads_its_lists_in_two_round_trips_on_postgresql(prolific):
    for _ in range(2):  # the session prepares each statement on its first use
        with CaptureQueriesContext(connection) as queries:
            page_data.actor_page(prolific, claims_page="2")
    if connection.vendor == "postgresql":
        assert len(queries) <= 2, [q["sql"] for q in queries]


def test_an_update_page_shows_the_claims_and_events_it_links_that_readers_may_see_with_their_speakers(story):
    pinned = Update.objects.select_related("story").get(headline="Pinned")
    pinned.claims.add(Claim.objects.filter(claimant__name="Scott Bessent").first())
    shown = page_data.update_page(pinned)
    with CaptureQueriesContext(connection) as queries:
        speakers = [c.visible_claimant.name if c.visible_claimant else None for c in shown.linked_claims]
    assert "Scott Bessent" in speakers and not queries
    expected = Update.objects.for_list().get(pk=pinned.pk)
    assert [c.pk for c in shown.linked_claims] == [c.pk for c in expected.linked_claims]
    assert {c.text for c in shown.linked_claims} >= {"Said in Geneva"}
    assert not {c.text for c in shown.linked_claims} & {"Draft claim", "In a draft story"}
    assert badges(shown.linked_claims) == badges(expected.linked_claims)
    assert [c.visible_claimant for c in shown.linked_claims] == [c.visible_claimant for c in expected.linked_claims]
    assert [e.title for e in shown.linked_events] == [e.title for e in expected.linked_events] == ["Event 0"]
    assert [c.note for c in shown.shown_corrections] == ["An earlier version misnamed the venue."]
    assert shown.backing == expected.backing


def test_a_source_page_highlights_the_citations_of_claims_and_events_readers_may_see(story):
    wire = Source.objects.get(title="Wire copy")
    cite(wire, "talks are going well", claim=Claim.objects.get(text="Draft claim"))
    cite(wire, "talks are going well", event=Event.objects.get(title="Draft event"))
    shown = page_data.source_citations(wire)
    expected = list(Citation.objects.filter(source=wire).shown_on_source().order_by("start", "pk"))
    assert [c.pk for c in shown] == [c.pk for c in expected] and len(shown) > 10
    with CaptureQueriesContext(connection) as queries:
        read = [
            (c.claim.get_absolute_url(), c.claim.text, c.claim.kind, c.claim.verification_status) if c.claim_id
            else (c.event.get_absolute_url(), c.event.title) for c in shown
        ]
    assert not queries
    assert read == [
        (c.claim.get_absolute_url(), c.claim.text, c.claim.kind, c.claim.verification_status) if c.claim_id
        else (c.event.get_absolute_url(), c.event.title) for c in expected
    ]
    assert not {"Draft claim", "Draft event"} & {text for _, text, *rest in read}


def _values(row) -> dict | None:
    if row is None:
        return None
    return {field.attname: getattr(row, field.attname) for field in type(row)._meta.concrete_fields}


def test_the_row_a_detail_page_is_about_is_the_published_one_with_what_select_related_joins(story, editor):
    from django.http import Http404

    geneva = Story.objects.get(title="Geneva truce")
    parent = make_actor(name="US Commerce Department", affiliation=make_actor(name="United States"))
    lutnick = make_actor(name="Howard Lutnick", affiliation=parent)
    claim = Claim.objects.filter(claimant__name="Scott Bessent").first()
    event = Event.objects.published_in(story).first()
    update = Update.objects.get(headline="Pinned")
    Update.objects.filter(pk=update.pk).update(author=editor)
    wire = Source.objects.get(title="Wire copy")
    pairs = [
        (page_data.claim_row(pk=claim.pk), Claim.objects.select_related("claimant", "story").get(pk=claim.pk),
         ["claimant", "story"]),
        (page_data.event_row(slug=story.slug, pk=event.pk), Event.objects.select_related("story").get(pk=event.pk),
         ["story"]),
        (page_data.update_row(slug=story.slug, pk=update.pk),
         Update.objects.select_related("story", "author").get(pk=update.pk), ["story", "author"]),
        (page_data.actor_row(slug=lutnick.slug),
         Actor.objects.select_related("affiliation__affiliation__affiliation").get(pk=lutnick.pk), ["affiliation"]),
        (page_data.source_row(slug=wire.slug), wire, []),
    ]
    with CaptureQueriesContext(connection) as queries:
        for mine, theirs, related in pairs:
            assert _values(mine) == _values(theirs)
            for name in related:
                assert _values(getattr(mine, name)) == _values(getattr(theirs, name))
        assert page_data.update_row(slug=story.slug, pk=update.pk).author.first_name == editor.first_name
        chain = page_data.actor_row(slug=lutnick.slug).affiliation
        assert (chain.name, chain.affiliation.name, chain.affiliation.affiliation) == (
            "US Commerce Department", "United States", None)
    assert len(queries) == 2  # the update and the actor asked again; nothing read lazily
    hidden = [
        lambda: page_data.claim_row(pk=Claim.objects.get(text="Draft claim").pk),
        lambda: page_data.claim_row(pk=Claim.objects.get(text="Scheduled claim").pk),
        lambda: page_data.claim_row(pk=Claim.objects.get(text="In a draft story").pk),
        lambda: page_data.event_row(slug=story.slug, pk=Event.objects.get(title="Draft event").pk),
        lambda: page_data.event_row(slug=geneva.slug, pk=event.pk),
        lambda: page_data.update_row(slug=story.slug, pk=Update.objects.get(headline="Draft update").pk),
        lambda: page_data.update_row(slug=story.slug, pk=Update.objects.get(headline="Scheduled update").pk),
        lambda: page_data.actor_row(slug=Actor.objects.get(name="Not out yet").slug),
        lambda: page_data.source_row(slug=Source.objects.get(title="Not yet out").slug),
        lambda: page_data.source_row(slug="no-such-source"),
    ]
    for read in hidden:
        with pytest.raises(Http404):
            read()
