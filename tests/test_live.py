"""The live-updates poll: cursor, conditional GET, what readers may and may not learn."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.db.models.sql.compiler import SQLCompiler
from django.urls import reverse
from django.utils import timezone
from django.utils.http import parse_http_date

from stories.live import set_poll_interval_override
from stories.models import Correction, PublicationStatus, Story, Update
from stories.publishing import record_update_change
from tests.factories import make_story, make_update

pytestmark = pytest.mark.django_db


def poll_url(story, after=None):
    url = reverse("stories:update-poll", kwargs={"slug": story.slug})
    return url if after is None else f"{url}?after={after}"


def publish(story, **fields):
    update = make_update(story=story, **fields)
    record_update_change(update=update)
    return update


def first_poll(client, story, after=0):
    response = client.get(poll_url(story, after))
    assert response.status_code == 200
    return response, response.json()


@pytest.fixture(autouse=True)
def _no_override():
    set_poll_interval_override(None)
    yield
    set_poll_interval_override(None)


def test_unchanged_poll_is_a_304_costing_one_query(client, django_assert_num_queries):
    story = make_story(is_live=True)
    publish(story)
    response, body = first_poll(client, story)
    with django_assert_num_queries(1):
        again = client.get(poll_url(story, body["sequence"]), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == response["ETag"]
    assert again["Cache-Control"] == "public, max-age=15"


def test_an_unchanged_poll_runs_its_query_without_building_it_again(client, monkeypatch):
    """The state query is compiled once per process: building its subqueries through the ORM cost
    about 4 ms of every poll that read it, forty times the query."""
    story = make_story(is_live=True)
    publish(story)
    response, body = first_poll(client, story)
    built = []
    real_as_sql = SQLCompiler.as_sql
    monkeypatch.setattr(SQLCompiler, "as_sql", lambda self, *a, **k: built.append(self) or real_as_sql(self, *a, **k))
    for _ in range(3):
        again = client.get(poll_url(story, body["sequence"]), HTTP_IF_NONE_MATCH=response["ETag"])
        assert again.status_code == 304
    assert built == []


def test_poll_caches_publicly_for_no_longer_than_the_interval(client):
    story = make_story(is_live=True)
    response, body = first_poll(client, story)
    assert body["poll_interval"] == 15
    assert "public" in response["Cache-Control"] and "max-age=15" in response["Cache-Control"]
    assert response["Last-Modified"]


def test_new_update_arrives_on_the_poll_right_after_it_is_published(client):
    story = make_story(is_live=True)
    response, body = first_poll(client, story)
    assert body["updates"] == []
    update = publish(story, headline="Talks resume at Lancaster House", body="Delegations are back.")

    fresh = client.get(poll_url(story, body["sequence"]), HTTP_IF_NONE_MATCH=response["ETag"])

    assert fresh.status_code == 200
    data = fresh.json()
    assert [u["id"] for u in data["updates"]] == [update.pk]
    assert data["sequence"] == update.sequence > body["sequence"]
    assert "Talks resume at Lancaster House" in data["updates"][0]["html"]
    assert f'id="update-{update.pk}"' in data["updates"][0]["html"]
    assert data["removed"] == []
    # The cursor moves on: the same update is not sent twice.
    assert client.get(poll_url(story, data["sequence"])).json()["updates"] == []


def test_corrected_update_comes_back_with_new_text_and_its_note(client):
    story = make_story(is_live=True)
    update = publish(story, body="Exports fell 43% in May.")
    response, body = first_poll(client, story)

    update.body = "Exports fell 34.5% in May."
    update.save()
    Correction.objects.create(update=update, note="An earlier version gave the fall as 43%.")
    record_update_change(update=update)

    data = client.get(poll_url(story, body["sequence"]), HTTP_IF_NONE_MATCH=response["ETag"]).json()
    [changed] = data["updates"]
    assert changed["id"] == update.pk
    assert "34.5%" in changed["html"] and "43% in May" not in changed["html"]
    assert changed["corrections"][0]["note"] == "An earlier version gave the fall as 43%."
    assert "An earlier version gave the fall as 43%." in changed["html"]


def test_unpublished_update_is_sent_as_a_removed_id_without_its_text(client):
    story = make_story(is_live=True)
    update = publish(story, headline="Wrongly published", body="Secret draft text")
    _, body = first_poll(client, story)

    update.status = PublicationStatus.DRAFT
    update.save()
    record_update_change(update=update)

    response = client.get(poll_url(story, body["sequence"]))
    assert response.json()["removed"] == [update.pk]
    assert response.json()["updates"] == []
    assert b"Secret draft text" not in response.content and b"Wrongly published" not in response.content


def test_deleted_update_is_sent_as_removed(client):
    story = make_story(is_live=True)
    update = publish(story)
    update_id = update.pk
    _, body = first_poll(client, story)

    record_update_change(update=update)
    update.delete()

    assert client.get(poll_url(story, body["sequence"])).json()["removed"] == [update_id]


def test_draft_that_was_never_published_is_not_revealed_even_by_id(client):
    story = make_story(is_live=True)
    draft = make_update(story=story, status=PublicationStatus.DRAFT, published_at=None, body="Unchecked rumour")
    record_update_change(update=draft)
    scheduled = make_update(story=story, published_at=timezone.now() + timedelta(hours=2), body="Embargoed")
    record_update_change(update=scheduled)
    scheduled.status = PublicationStatus.DRAFT
    scheduled.save()
    record_update_change(update=scheduled)

    response = client.get(poll_url(story, 0))

    assert response.json()["updates"] == [] and response.json()["removed"] == []
    assert b"Unchecked rumour" not in response.content and b"Embargoed" not in response.content


def test_scheduled_update_arrives_when_its_time_comes(client):
    story = make_story(is_live=True)
    update = make_update(story=story, published_at=timezone.now() + timedelta(hours=1), headline="At noon")
    record_update_change(update=update)
    response, body = first_poll(client, story)
    assert body["updates"] == []

    # Time passes: the publication time is reached with no write by anyone.
    saved_at = timezone.now() - timedelta(minutes=5)
    Update.objects.filter(pk=update.pk).update(published_at=timezone.now() - timedelta(seconds=1), updated_at=saved_at)

    fresh = client.get(poll_url(story, body["sequence"]), HTTP_IF_NONE_MATCH=response["ETag"])
    assert fresh.status_code == 200
    assert [u["id"] for u in fresh.json()["updates"]] == [update.pk]
    # Announced once: the next poll from the new cursor is empty.
    assert client.get(poll_url(story, fresh.json()["sequence"])).json()["updates"] == []


@pytest.mark.parametrize("cursor", ["abc", "-1", "1.5", "1e3", "99999999999999999999", "9223372036854775808", "１"])
def test_bad_cursor_is_a_400_with_a_json_error(client, cursor):
    story = make_story(is_live=True)
    response = client.get(poll_url(story), {"after": cursor})
    assert response.status_code == 400
    assert "after must be a whole number" in response.json()["error"]
    assert response["Cache-Control"] == "no-store"


def test_unknown_draft_or_scheduled_story_is_a_404(client):
    draft = make_story(status=PublicationStatus.DRAFT, published_at=None)
    scheduled = make_story(published_at=timezone.now() + timedelta(days=1))
    assert client.get(poll_url(draft, 0)).status_code == 404
    assert client.get(poll_url(scheduled, 0)).status_code == 404
    assert client.get(reverse("stories:update-poll", kwargs={"slug": "no-such-story"})).status_code == 404


def test_updates_of_a_draft_story_never_reach_the_poll(client):
    story = make_story(status=PublicationStatus.DRAFT, published_at=None)
    publish(story, body="Preview only")
    response = client.get(poll_url(story, 0))
    assert response.status_code == 404 and b"Preview only" not in response.content


def test_poll_tells_clients_to_stop_when_coverage_has_ended(client):
    ended = make_story(is_live=True, coverage_end=timezone.now() - timedelta(minutes=1))
    not_live = make_story(is_live=False)
    for story in (ended, not_live):
        response, body = first_poll(client, story)
        assert body["poll_interval"] == 0 and body["live"] is False


def test_raising_the_interval_under_load_reaches_clients_and_caches(client):
    story = make_story(is_live=True)
    response, _ = first_poll(client, story)
    set_poll_interval_override(60)
    slower = client.get(poll_url(story, 0), HTTP_IF_NONE_MATCH=response["ETag"])
    assert slower.status_code == 200, "a changed interval must not be hidden behind a 304"
    assert slower.json()["poll_interval"] == 60
    assert "max-age=60" in slower["Cache-Control"]


def test_if_modified_since_alone_gives_a_304(client):
    story = make_story(is_live=True)
    publish(story)
    response, body = first_poll(client, story)
    again = client.get(poll_url(story, body["sequence"]), HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
    assert again.status_code == 304


def _an_hour_ago(story):
    """Move every moment of the story's updates an hour back, so a save now is a later HTTP date."""
    hour = timedelta(hours=1)
    Story.objects.filter(pk=story.pk).update(updated_at=F("updated_at") - hour)
    Update.objects.filter(story=story).update(updated_at=F("updated_at") - hour, published_at=F("published_at") - hour)
    Update.history.filter(story_id=story.pk).update(history_date=F("history_date") - hour)


def test_saving_drafts_and_scheduled_updates_does_not_move_the_polls_validators(client):
    story = make_story(is_live=True)
    publish(story)
    _an_hour_ago(story)
    response, body = first_poll(client, story)

    draft = make_update(story=story, status=PublicationStatus.DRAFT, published_at=None, headline="Drafting")
    draft.headline = "Still drafting"
    draft.save()
    make_update(story=story, published_at=timezone.now() + timedelta(hours=2), headline="Embargoed")

    again = client.get(poll_url(story, body["sequence"]))
    assert again["Last-Modified"] == response["Last-Modified"]
    assert again["ETag"] == response["ETag"]
    unchanged = client.get(poll_url(story, body["sequence"]), HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
    assert unchanged.status_code == 304


def test_last_modified_moves_when_an_update_is_published_or_taken_down_but_not_for_later_draft_edits(client):
    story = make_story(is_live=True)
    update = publish(story)
    _an_hour_ago(story)
    before, _ = first_poll(client, story)

    update.status = PublicationStatus.DRAFT
    update.save()
    record_update_change(update=update)
    taken_down, _ = first_poll(client, story)
    assert parse_http_date(taken_down["Last-Modified"]) > parse_http_date(before["Last-Modified"])

    _an_hour_ago(story)
    quiet, _ = first_poll(client, story)
    update.refresh_from_db()
    update.body = "Rewritten while nobody can see it"
    update.save()
    assert first_poll(client, story)[0]["Last-Modified"] == quiet["Last-Modified"]

    publish(story)
    assert parse_http_date(first_poll(client, story)[0]["Last-Modified"]) > parse_http_date(quiet["Last-Modified"])


def test_update_fragment_escapes_editor_text(client):
    story = make_story(is_live=True)
    publish(story, headline='<script>alert("x")</script>', body="<img src=x onerror=alert(1)>")
    html = client.get(poll_url(story, 0)).json()["updates"][0]["html"]
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_pinned_flag_and_sequence_travel_with_each_update(client):
    story = make_story(is_live=True)
    pinned = publish(story, is_pinned=True)
    [item] = client.get(poll_url(story, 0)).json()["updates"]
    assert item["pinned"] is True and item["sequence"] == pinned.sequence
    assert 'data-pinned="true"' in item["html"]


def test_a_client_far_behind_catches_up_page_by_page(client, settings):
    settings.NEWSROOM_LIVE_POLL_LIMIT = 2
    story = make_story(is_live=True)
    updates = [publish(story) for _ in range(3)]
    page = client.get(poll_url(story, 0)).json()
    assert [u["id"] for u in page["updates"]] == [updates[0].pk, updates[1].pk] and page["more"] is True
    rest = client.get(poll_url(story, page["sequence"])).json()
    assert [u["id"] for u in rest["updates"]] == [updates[2].pk] and rest["more"] is False


@pytest.mark.parametrize("size", [3, 30])
def test_changed_poll_costs_the_same_queries_however_many_updates(client, django_assert_max_num_queries, size):
    story = make_story(is_live=True)
    for n in range(size):
        update = publish(story)
        Correction.objects.create(update=update, note=f"Fixed {n}")
        record_update_change(update=update)
    # State, the story, changes, hidden ids, deletions, the links the story page reads with each
    # update (claims, events, corrections), and the stamp: the same whatever the size. (On
    # PostgreSQL the session prepares those statements on first use, once: asked before counting.)
    client.get(poll_url(story, story.update_sequence))
    client.get(poll_url(story, 0))
    with django_assert_max_num_queries(9):
        response = client.get(poll_url(story, 0))
    assert len(response.json()["updates"]) == size


def test_poll_accepts_only_get(client):
    story = make_story(is_live=True)
    assert client.post(poll_url(story, 0)).status_code == 405


# --- The client (static/js/live.js) in a real browser ---------------------------------------------

BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


@pytest.fixture
def browser_page(live_server, monkeypatch):
    playwright_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the ORM calls in between are plain sync code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=BROWSER_ARGS)
        page = browser.new_page()
        yield page
        browser.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_open_page_shows_new_corrected_and_removed_updates_without_reload(browser_page, live_server, settings):
    settings.NEWSROOM_LIVE_POLL_INTERVAL = 1
    page = browser_page
    story = make_story(is_live=True)
    pinned = publish(story, headline="Pinned: what we know", is_pinned=True)
    page.goto(f"{live_server.url}{story.get_absolute_url()}")
    page.wait_for_selector('#updates[data-live-state="polling"]')
    notice = page.locator(".updates-notice")

    fresh = publish(story, headline="Bessent: talks going well", body="Day two begins.")
    notice.wait_for(state="visible", timeout=10000)
    assert notice.inner_text() == "1 new update"
    assert page.locator(f"#update-{fresh.pk}").count() == 0, "nothing is inserted under the reader"

    notice.click()
    page.wait_for_selector(f"#update-{fresh.pk}")
    order = page.eval_on_selector_all("#updates article", "els => els.map(e => e.dataset.updateId)")
    assert order == [str(pinned.pk), str(fresh.pk)], "pinned stays on top"
    assert "New" in page.locator(f"#update-{fresh.pk} .update-new-badge").inner_text()
    assert notice.is_hidden()

    fresh.body = "Day two begins at 10:00."
    fresh.save()
    Correction.objects.create(update=fresh, note="An earlier version gave no time.")
    record_update_change(update=fresh)
    page.wait_for_selector(f"#update-{fresh.pk} .correction", timeout=10000)
    assert "Day two begins at 10:00." in page.locator(f"#update-{fresh.pk}").inner_text()
    assert page.locator("#updates article").count() == 2, "a correction changes the post in place"

    pinned.status = PublicationStatus.DRAFT
    pinned.save()
    record_update_change(update=pinned)
    page.wait_for_selector(f"#update-{pinned.pk}", state="detached", timeout=10000)

    later = publish(story, headline="Delegations break for lunch")
    page.reload()
    page.wait_for_selector(f"#update-{later.pk}")
    assert page.locator(f"#update-{later.pk} .update-new-badge").inner_text() == "New since your last visit"
    assert page.locator(f"#update-{fresh.pk} .update-new-badge").count() == 0

    story.is_live = False
    story.save()
    page.wait_for_selector('#updates[data-live-state="ended"]', timeout=10000)
