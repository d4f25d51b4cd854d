"""Nothing unpublished reaches a reader: not by page, feed, sitemap, API, search, filter or poll,
not by guessing ids or slugs, not in counts or JSON-LD, and not after an editor's preview.

One world holds a draft, a scheduled and (for claims) a candidate and a rejected object of every
kind, published content on hidden stories, and published content that points at hidden rows.
Every hidden text field carries a marker; the walk asserts no marker appears anywhere, hidden
objects are 404, and lists and counts match exactly what is published.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from stories.models import (
    Actor,
    ActorAlias,
    ActorKind,
    Claim,
    ClaimKind,
    ClaimStatusChange,
    Correction,
    Event,
    EventParticipation,
    Outcome,
    PublicationStatus,
    ReviewState,
    Source,
    Story,
    Update,
    VerificationStatus,
)
from stories.preview import preview_url

from .factories import cite, make_actor, make_claim, make_event, make_source, make_staff, make_story, make_update

pytestmark = pytest.mark.django_db

MARK = "zqxleak"
NOWHERE = "no-such-thing-here"


def marker(*parts: str) -> str:
    """A unique, searchable word: zqxleak + kind + state + field (letters only, one token)."""
    return MARK + "".join(re.sub(r"[^a-z0-9]", "", p.lower()) for p in parts)


def hidden_state(state: str) -> dict:
    if state == "scheduled":
        return {"status": PublicationStatus.PUBLISHED, "published_at": timezone.now() + timedelta(days=2)}
    return {"status": PublicationStatus.DRAFT, "published_at": None}


class World:
    """Published rows readers may see, and hidden rows they must never see, by kind."""

    def __init__(self):
        self.visible: dict[str, list] = {k: [] for k in ("story", "update", "event", "claim", "actor", "source")}
        self.hidden: dict[str, list] = {k: [] for k in self.visible}
        self.markers: list[str] = []

    def m(self, *parts: str) -> str:
        word = marker(*parts)
        self.markers.append(word)
        return word

    def text(self, *parts: str) -> str:
        return f"{self.m(*parts)} words around it"


def build_world() -> World:
    w = World()
    story = make_story(title="Talks in London", slug="open-story", standfirst="Talks go on.", is_live=True)
    w.open_story = story
    w.visible["story"].append(story)
    w.visible["story"].append(make_story(title="Another story", slug="other-story"))
    for n in range(21):
        w.visible["update"].append(make_update(story, headline=f"Visible update {n}", body="Talks went on."))
    for n in range(13):
        w.visible["event"].append(make_event(story, title=f"Visible event {n}"))
    for n in range(6):
        w.visible["claim"].append(make_claim(story, text=f"Visible claim {n}"))
    speaker = make_actor(name="Visible Speaker", slug="visible-speaker")
    w.visible["actor"].append(speaker)
    public_source = make_source(title="Visible source", slug="visible-source")
    w.visible["source"].append(public_source)

    for state in ("draft", "scheduled"):
        hide = hidden_state(state)
        # Stories, each carrying published content of every kind.
        hidden_story = make_story(
            slug=f"hush-story-{state}", title=w.text("story", state, "title"),
            standfirst=w.text("story", state, "standfirst"),
            key_developments=w.text("story", state, "keydev") + "\n" + w.text("story", state, "keydev2"),
            lead_image_alt=w.text("story", state, "alt"), lead_image_credit=w.text("story", state, "credit"),
            is_live=True, **hide,
        )
        w.hidden["story"].append(hidden_story)
        w.hidden["update"].append(make_update(
            hidden_story, headline=w.text("onstory", state, "headline"), body=w.text("onstory", state, "body"),
            sequence=3,
        ))
        w.hidden["event"].append(make_event(
            hidden_story, title=w.text("onstory", state, "eventtitle"), description=w.text("onstory", state, "desc"),
        ))
        w.hidden["claim"].append(make_claim(
            hidden_story, text=w.text("onstory", state, "claimtext"),
            verification_status=VerificationStatus.CORROBORATED,
        ))

        # Actors, with aliases, affiliated to by a published actor and named on published rows.
        actor = make_actor(
            slug=f"hush-actor-{state}", name=w.text("actor", state, "name"),
            role_title=w.text("actor", state, "role"), bio=w.text("actor", state, "bio"),
            photo_alt=w.text("actor", state, "photoalt"), photo_credit=w.text("actor", state, "credit"),
            kind=ActorKind.GOVERNMENT_BODY, **hide,
        )
        ActorAlias.objects.create(actor=actor, alias=w.text("actor", state, "alias"))
        w.hidden["actor"].append(actor)
        w.visible["actor"].append(make_actor(name=f"Member of hidden {state}", affiliation=actor))

        # Sources, and published claims and events citing them.
        source = make_source(
            slug=f"hush-source-{state}", title=w.text("source", state, "title"),
            publisher=w.text("source", state, "publisher"), author=w.text("source", state, "author"),
            url=f"https://example.org/{marker('source', state, 'url')}",
            content_group=w.text("source", state, "group"),
            text=f"Before. {w.text('source', state, 'text')}. After.", **hide,
        )
        w.markers.append(marker("source", state, "url"))
        w.hidden["source"].append(source)

        # Updates, events and claims on the open story.
        update = make_update(
            story, headline=w.text("update", state, "headline"), body=w.text("update", state, "body"),
            image_alt=w.text("update", state, "alt"), image_credit=w.text("update", state, "credit"),
            sequence=5, **hide,
        )
        Correction.objects.create(update=update, note=w.text("update", state, "correction"))
        w.hidden["update"].append(update)
        event = make_event(
            story, title=w.text("event", state, "title"), description=w.text("event", state, "desc"),
            place=w.text("event", state, "place"), is_key_event=True, **hide,
        )
        EventParticipation.objects.create(event=event, actor=speaker, role=w.text("event", state, "role"))
        w.hidden["event"].append(event)
        claim = make_claim(
            story, text=w.text("claim", state, "text"), verification_note=w.text("claim", state, "note"),
            claimant_description=w.text("claim", state, "described"), **hide,
        )
        ClaimStatusChange.objects.create(
            claim=claim, from_status=VerificationStatus.UNREVIEWED, to_status=VerificationStatus.UNVERIFIED,
            note=w.text("claim", state, "statusnote"),
        )
        w.hidden["claim"].append(claim)

        # Published rows that point at the hidden ones.
        told = make_claim(story, text=f"Visible claim by hidden {state} actor", claimant=actor,
                          kind=ClaimKind.FORECAST, verification_status=VerificationStatus.CORROBORATED,
                          event=event, outcome=Outcome.FULFILLED, outcome_event=event)
        told.contradicts.add(claim)
        # On the visible speaker's page the pair is shown side by side: the other speaker is hidden.
        countered = make_claim(story, text=f"Visible claim countering hidden {state} actor", claimant=speaker)
        told.contradicts.add(countered)
        w.visible["claim"].append(countered)
        cite(source, marker("source", state, "text"), claim=told)
        w.visible["claim"].append(told)
        at_event = make_event(story, title=f"Visible event with hidden {state} actor")
        EventParticipation.objects.create(event=at_event, actor=actor, role=w.text("participation", state, "role"))
        cite(source, marker("source", state, "text"), event=at_event)
        w.visible["event"].append(at_event)
        linking = make_update(story, headline=f"Visible update linking hidden {state} rows")
        linking.claims.add(claim)
        linking.events.add(event)
        w.visible["update"].append(linking)

    # Claims the importer extracted: awaiting review, and rejected (both with and without a story).
    for state, review in (("candidate", ReviewState.CANDIDATE), ("rejected", ReviewState.REJECTED)):
        for on_story in (story, None):
            where = "onstory" if on_story else "nostory"
            w.hidden["claim"].append(Claim.objects.create(
                story=on_story, text=w.text("claim", state, where, "text"), review_state=review,
                kind=ClaimKind.ASSERTION, claimant_description=w.text("claim", state, where, "described"),
                verification_status=VerificationStatus.UNVERIFIED, status=PublicationStatus.DRAFT,
            ))
    # What readers see moves the poll cursor past the hidden updates' sequence numbers.
    Story.objects.filter(pk=story.pk).update(update_sequence=9)
    story.refresh_from_db()
    return w


@pytest.fixture
def world() -> World:
    return build_world()


def assert_no_marker(url: str, response) -> None:
    body = response.content.decode("utf-8", "replace").lower()
    found = re.findall(MARK + r"[a-z0-9]*", body)
    assert not found, f"{url} shows hidden text: {sorted(set(found))[:5]}"


# --- Every public route, enumerated from the URL resolver ----------------------------------------


def public_routes() -> list[tuple[str, str, list[str]]]:
    """(url name, route text, parameter names) for every named route outside admin."""
    routes = []

    def walk(patterns, prefix: str, namespace: str):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin" or pattern.app_name == "admin":
                    continue
                ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                params = list(pattern.pattern.regex.groupindex)
                if "format" in params:
                    continue  # DRF's ".json" suffix variants: the same view as the plain route
                routes.append((namespace + pattern.name, prefix + str(pattern.pattern), params))

    walk(get_resolver().url_patterns, "", "")
    return routes


def candidate_kwargs(world: World, name: str, route: str, params: list[str]) -> list[dict]:
    """Every value a guesser would try: all slugs (hidden included) and pks 1..max+3."""
    stories = [s.slug for s in world.visible["story"] + world.hidden["story"]] + [NOWHERE]
    model_of = {
        "update": Update, "event": Event, "claim": Claim, "actor": Actor, "source": Source, "story": Story,
    }
    kind = next((k for k in model_of if k in name.split(":")[-1]), None)
    if not params:
        return [{}]
    if params == ["token"]:
        return [{"token": "not-a-token"}]
    if params == ["slug"]:
        if kind in ("actor", "source"):
            return [{"slug": o.slug} for o in world.visible[kind] + world.hidden[kind]] + [{"slug": NOWHERE}]
        return [{"slug": s} for s in stories]
    if params == ["pk"]:
        top = model_of[kind].objects.order_by("-pk").values_list("pk", flat=True).first()
        return [{"pk": pk} for pk in range(1, top + 4)]
    if sorted(params) == ["pk", "slug"]:
        top = model_of[kind].objects.order_by("-pk").values_list("pk", flat=True).first()
        return [{"slug": s, "pk": pk} for s in stories for pk in range(1, top + 4)]
    raise AssertionError(f"no guesses for {name} ({route}) with {params}: teach this test the new route")


def expected_status(world: World, name: str, kwargs: dict) -> int | None:
    """200 for what readers may see, 404 for everything else; None where either is fine."""
    short = name.split(":")[-1]
    if "token" in kwargs:
        return 404
    if "pk" in kwargs or "slug" in kwargs:
        for kind in ("update", "event", "claim", "actor", "source"):
            if short == f"{kind}-detail":
                visible = world.visible[kind]
                if "pk" in kwargs:
                    match = [o for o in visible if o.pk == kwargs["pk"]]
                    if match and "slug" in kwargs and kind in ("update", "event"):
                        match = [o for o in match if o.story.slug == kwargs["slug"]]
                    return 200 if match else 404
                return 200 if any(o.slug == kwargs["slug"] for o in visible) else 404
        visible_slugs = {s.slug for s in world.visible["story"]}
        return 200 if kwargs.get("slug") in visible_slugs else 404
    return None


def test_every_public_route_with_every_guessed_id_and_slug_shows_no_hidden_row(client, world):
    routes = public_routes()
    names = {name for name, _, _ in routes}
    # The enumeration must see the routes this test knows, so a moved route cannot slip past it.
    assert {
        "stories:home", "stories:search", "stories:story-detail", "stories:story-updates",
        "stories:story-timeline", "stories:story-claims", "stories:update-detail", "stories:event-detail",
        "stories:actor-detail", "stories:claim-detail", "stories:source-detail", "stories:preview",
        "stories:update-poll", "stories:story-feed-rss", "stories:story-feed-atom", "stories:story-events-csv",
        "stories:story-timeline-json", "stories:feed-rss", "stories:feed-atom", "sitemap", "robots-txt",
        "api:story-list", "api:story-detail", "api:update-list", "api:update-detail", "api:event-list",
        "api:event-detail", "api:claim-list", "api:claim-detail", "api:actor-list", "api:actor-detail",
        "api:source-list", "api:source-detail", "api:schema", "api:api-root",
    } <= names, sorted(names)
    visited = 0
    for name, route, params in routes:
        for kwargs in candidate_kwargs(world, name, route, params):
            url = reverse(name, kwargs=kwargs)
            if name == "stories:update-poll":
                url += "?after=0"
            response = client.get(url)
            visited += 1
            assert response.status_code < 500, url
            want = expected_status(world, name, kwargs)
            if want is not None:
                assert response.status_code == want, f"{url}: {response.status_code}, expected {want}"
            assert_no_marker(url, response)
    assert visited > 400


# --- Lists and counts match exactly what is published --------------------------------------------


def api_items(client: Client, url: str) -> list[dict]:
    items = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_marker(url, response)
        body = response.json()
        items += body["results"]
        url = body.get("next")
    return items


@pytest.mark.parametrize("kind, key", [
    ("story", "slug"), ("update", "id"), ("event", "id"), ("claim", "id"), ("actor", "slug"), ("source", "slug"),
])
def test_api_lists_hold_exactly_the_published_rows(client, world, kind, key):
    listed = [item[key] for item in api_items(client, reverse(f"api:{kind}-list"))]
    assert sorted(listed, key=str) == sorted((getattr(o, key if key != "id" else "pk") for o in world.visible[kind]), key=str)
    for obj in world.hidden[kind]:
        lookup = obj.slug if key == "slug" else obj.pk
        assert client.get(reverse(f"api:{kind}-detail", args=[lookup])).status_code == 404


def test_api_filters_treat_a_hidden_story_or_actor_like_one_that_does_not_exist(client, world):
    for kind in ("update", "event", "claim"):
        for hidden in world.hidden["story"]:
            assert client.get(reverse(f"api:{kind}-list"), {"story": hidden.slug}).json()["results"] == []
    for kind, param in (("update", "actor"), ("event", "actor"), ("claim", "claimant")):
        for hidden in world.hidden["actor"]:
            shown = client.get(reverse(f"api:{kind}-list"), {param: hidden.slug})
            unknown = client.get(reverse(f"api:{kind}-list"), {param: NOWHERE})
            assert shown.status_code == unknown.status_code
            assert shown.content.decode().replace(hidden.slug, "X") == unknown.content.decode().replace(NOWHERE, "X")


def test_story_page_counts_only_published_updates_events_and_claims(client, world):
    page = client.get(world.open_story.get_absolute_url()).content.decode()
    assert f"Show all {len(world.visible['update'])} updates" in page
    assert f"({len(world.visible['event'])} events)" in page
    unverified = [c for c in world.visible["claim"] if c.verification_status == VerificationStatus.UNVERIFIED]
    assert f"All {len(unverified)} unverified claims" in page
    assert re.search(r'claim-group__count">%d<' % len(unverified), page)


def test_reader_filters_treat_a_hidden_actor_like_one_that_does_not_exist(client, world):
    story = world.open_story
    for view, param in (("story-updates", "actor"), ("story-timeline", "actor"), ("story-claims", "claimant")):
        url = reverse(f"stories:{view}", args=[story.slug])
        unknown = client.get(url, {param: NOWHERE}).content.decode().replace(NOWHERE, "X")
        for hidden in world.hidden["actor"]:
            shown = client.get(url, {param: hidden.slug})
            assert shown.status_code == 200
            assert shown.content.decode().replace(hidden.slug, "X") == unknown, (view, hidden.slug)
        for params in ({"verification_status": "unverified"}, {"page": "2"}, {"kind": "forecast"}, {"key": "on"}):
            assert_no_marker(url, client.get(url, params))


def test_searching_for_hidden_words_finds_nothing(client, world):
    control = MARK + "nevertypedanywhere"

    def page_for(query: str, **extra) -> str:
        response = client.get(reverse("stories:search"), {"q": query, **extra})
        assert response.status_code == 200
        return response.content.decode().replace(query, "Q")

    for kind in ("", "story", "update", "claim", "actor"):
        expected = page_for(control, kind=kind)
        # Every word across all kinds; within one kind, the words of rows of that kind.
        words = world.markers if not kind else [w for w in world.markers if w.startswith(MARK + kind)]
        for word in words:
            assert page_for(word, kind=kind) == expected, f"search for {word} (kind={kind!r}) differs"


def test_poll_from_the_start_reveals_no_hidden_update_or_its_id(client, world):
    response = client.get(reverse("stories:update-poll", args=[world.open_story.slug]) + "?after=0")
    assert response.status_code == 200
    assert_no_marker("poll", response)
    body = response.json()
    hidden_ids = {u.pk for u in world.hidden["update"]}
    assert not hidden_ids & {u["id"] for u in body["updates"]}
    assert not hidden_ids & set(body["removed"])
    for story in world.hidden["story"]:
        assert client.get(reverse("stories:update-poll", args=[story.slug]) + "?after=0").status_code == 404


def test_sitemap_lists_exactly_the_published_pages(client, world):
    response = client.get(reverse("sitemap"))
    listed = set(re.findall(r"<loc>http://testserver([^<]+)</loc>", response.content.decode()))
    expected = {o.get_absolute_url() for kind in world.visible for o in world.visible[kind]}
    assert listed == expected


def test_feeds_and_exports_hold_only_published_rows(client, world):
    story = world.open_story
    for name in ("story-feed-rss", "story-feed-atom"):
        body = client.get(reverse(f"stories:{name}", args=[story.slug])).content.decode()
        for update in world.hidden["update"]:
            assert update.get_absolute_url() not in body
        assert body.count("Visible update") == min(len(world.visible["update"]), 50)
    for name in ("feed-rss", "feed-atom"):
        body = client.get(reverse(f"stories:{name}")).content.decode()
        assert {s.get_absolute_url() for s in world.visible["story"]} <= set(re.findall(r"/stories/[^/<\"]+/", body))
        for hidden in world.hidden["story"]:
            assert hidden.get_absolute_url() not in body
    csv_rows = client.get(reverse("stories:story-events-csv", args=[story.slug])).content.decode().strip().splitlines()
    assert len(csv_rows) == 1 + len(world.visible["event"])
    timeline = client.get(reverse("stories:story-timeline-json", args=[story.slug])).json()
    assert len(timeline["events"]) == len(world.visible["event"])


def test_structured_data_names_no_hidden_actor(client, world):
    """JSON-LD on claim and actor pages: a hidden claimant or affiliation is not named."""
    for claim in world.visible["claim"]:
        assert_no_marker(claim.get_absolute_url(), client.get(claim.get_absolute_url()))
    for actor in world.visible["actor"]:
        assert_no_marker(actor.get_absolute_url(), client.get(actor.get_absolute_url()))


# --- A staff preview leaves nothing behind for readers -------------------------------------------


def test_after_a_staff_preview_readers_still_see_no_draft_text(world):
    editor = Client()
    editor.force_login(make_staff("Editor"))
    reader = Client()
    story = world.open_story
    # Readers load the pages first, so anything the preview wrote to a shared cache would be served next.
    reader.get(story.get_absolute_url())
    for obj in world.hidden["story"] + world.hidden["update"] + world.hidden["event"] + world.hidden["actor"] + \
            world.hidden["source"] + [c for c in world.hidden["claim"] if c.story_id]:
        response = editor.get(preview_url(obj))
        assert response.status_code == 200, obj
        assert MARK in response.content.decode().lower()  # the editor does see the draft
        assert "no-store" in response.headers.get("Cache-Control", "")
    for url in [
        story.get_absolute_url(), reverse("stories:story-updates", args=[story.slug]),
        reverse("stories:story-timeline", args=[story.slug]), reverse("stories:story-claims", args=[story.slug]),
        reverse("stories:update-poll", args=[story.slug]) + "?after=0", reverse("stories:home"),
        reverse("stories:feed-atom"), reverse("stories:story-feed-atom", args=[story.slug]),
        *[o.get_absolute_url() for kind in ("update", "event", "claim", "actor", "source") for o in world.visible[kind]],
    ]:
        response = reader.get(url)
        assert response.status_code == 200, url
        assert_no_marker(url, response)
    for obj in world.hidden["story"] + world.hidden["update"]:
        assert reader.get(obj.get_absolute_url()).status_code == 404
