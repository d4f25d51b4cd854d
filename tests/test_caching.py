"""The page cache, the poll's shared state and the stamped pages, with real caches."""

import re
import time

import pytest
from django.core.cache import caches
from django.test import override_settings
from django.urls import reverse

from stories.models import PublicationStatus
from stories.preview import preview_url
from stories.publishing import record_update_change

from .factories import make_event, make_story, make_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_cache_on(settings):
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 1


@pytest.fixture
def poll_cache_on(settings):
    settings.NEWSROOM_POLL_STATE_SECONDS = 1


def test_a_spike_of_readers_is_served_from_the_page_cache(client, page_cache_on, django_assert_num_queries):
    story = make_story()
    first = client.get(story.get_absolute_url())
    with django_assert_num_queries(0):
        again = client.get(story.get_absolute_url())
    assert again.content == first.content
    assert "max-age=1" in again.headers["Cache-Control"]


def test_an_edit_reaches_readers_within_a_second_through_the_page_cache(client, page_cache_on):
    story = make_story()
    client.get(story.get_absolute_url())
    make_update(story=story, headline="Talks break up without a deal")
    time.sleep(1.1)
    assert b"Talks break up without a deal" in client.get(story.get_absolute_url()).content


def test_a_page_that_varies_or_sets_a_cookie_is_never_served_to_another_reader(rf, page_cache_on):
    from django.http import HttpResponse

    from stories.caching import page_cache

    @page_cache
    def greeting(request):
        response = HttpResponse(f"Hello {request.headers.get('Accept-Language', '')}")
        response["Vary"] = "Accept-Language"
        return response

    @page_cache
    def welcome(request):
        response = HttpResponse("Welcome")
        response.set_cookie("reader", request.headers["X-Reader"])
        return response

    assert greeting(rf.get("/hello/", headers={"Accept-Language": "fr"})).content == b"Hello fr"
    assert greeting(rf.get("/hello/", headers={"Accept-Language": "de"})).content == b"Hello de"
    assert welcome(rf.get("/welcome/", headers={"X-Reader": "ann"})).cookies["reader"].value == "ann"
    assert welcome(rf.get("/welcome/", headers={"X-Reader": "bob"})).cookies["reader"].value == "bob"


def test_a_page_served_from_the_page_cache_keeps_its_headers_and_says_its_age(client, page_cache_on):
    story = make_story()
    first = client.get(story.get_absolute_url())
    again = client.get(story.get_absolute_url())
    head = client.head(story.get_absolute_url())
    for name in ("Content-Type", "Cache-Control", "Expires", "Content-Security-Policy", "X-Frame-Options"):
        assert again[name] == first[name], name
    assert again["Age"] in ("0", "1") and head.status_code == 200 and head["Age"] in ("0", "1")


def test_preview_of_a_draft_never_enters_the_page_cache(client, admin_client, page_cache_on):
    draft = make_story(status=PublicationStatus.DRAFT, published_at=None, title="Embargoed draft")
    link = preview_url(draft)
    preview = admin_client.get(link)
    assert b"Embargoed draft" in preview.content
    assert "no-store" in preview.headers["Cache-Control"] and "private" in preview.headers["Cache-Control"]
    assert client.get(link).status_code == 404, "an anonymous reader is not served the staff preview"
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_unchanged_polls_share_one_state_query(client, poll_cache_on, django_assert_num_queries):
    story = make_story(is_live=True)
    url = f"/stories/{story.slug}/updates/poll/?after=0"
    etag = client.get(url).headers["ETag"]
    with django_assert_num_queries(0):
        response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 304


def test_a_new_update_reaches_pollers_within_a_second(client, poll_cache_on):
    story = make_story(is_live=True)
    url = f"/stories/{story.slug}/updates/poll/?after=0"
    etag = client.get(url).headers["ETag"]
    update = make_update(story=story, headline="Deal reached")
    record_update_change(update=update)
    time.sleep(1.1)
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert [u["id"] for u in response.json()["updates"]] == [update.pk]


def test_polls_for_made_up_stories_cannot_fill_the_workers_memory(client, poll_cache_on, monkeypatch):
    from stories.caching import moment_memo

    monkeypatch.setattr(moment_memo, "max_entries", 40)
    for number in range(moment_memo.max_entries + 25):
        assert client.get(f"/stories/no-such-story-{number}/updates/poll/").status_code == 404
    assert 0 < len(moment_memo) <= moment_memo.max_entries


def _redis_reachable() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


# The backend production uses with REDIS_URL (newsroom/settings.py).
REDIS_CACHES = {"default": {"BACKEND": "newsroom.redis_cache.RedisCache",
                            "LOCATION": "redis://127.0.0.1:6379/14", "KEY_PREFIX": "newsroom-test"}}


@pytest.mark.skipif(not _redis_reachable(), reason="needs Redis on 127.0.0.1:6379")
def test_with_redis_rendered_pages_are_shared_by_every_worker(client):
    import redis

    with override_settings(CACHES=REDIS_CACHES):
        caches["default"].clear()
        story = make_story(title="Shared across workers")
        client.get(story.get_absolute_url())
        # Another worker is another process: all it shares with this one is Redis.
        keys = redis.Redis.from_url("redis://127.0.0.1:6379/14").keys("newsroom-test:*stamped-page*")
        assert keys, "the rendered page is stored in Redis"
        caches["default"].clear()


@pytest.mark.skipif(not _redis_reachable(), reason="needs Redis on 127.0.0.1:6379")
def test_with_redis_a_worker_repeats_a_page_it_served_without_asking_redis(client, django_assert_num_queries):
    import redis

    stored = redis.Redis.from_url("redis://127.0.0.1:6379/14")
    with override_settings(CACHES=REDIS_CACHES):
        caches["default"].clear()
        story = make_story(title="Served from the worker")
        first = client.get(story.get_absolute_url())
        caches["default"].clear()  # Redis forgets; the worker still has the page at this stamp
        with django_assert_num_queries(1):
            again = client.get(story.get_absolute_url())
        assert again.content == first.content
        assert not stored.keys("newsroom-test:*stamped-page*"), "nothing was re-rendered into Redis"
        caches["default"].clear()


@pytest.fixture
def sent(monkeypatch) -> list[bytes]:
    """Every packet redis-py sends to the server (one per round trip), as the test goes."""
    import redis.connection

    packets = []
    send = redis.connection.AbstractConnection.send_packed_command

    def counting_send(connection, command, check_health=True):
        packets.append(b"".join(command) if isinstance(command, list) else command)
        return send(connection, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counting_send)
    return packets


@pytest.mark.skipif(not _redis_reachable(), reason="needs Redis on 127.0.0.1:6379")
def test_with_redis_a_page_rendered_afresh_stores_its_fragments_in_one_round_trip(client, settings, sent):
    """The first reader after an edit renders every section of the story page; the sections go to
    Redis together, not one round trip each, and the next reader gets them all from there."""
    from .factories import make_claim

    settings.NEWSROOM_STAMPED_PAGES = False
    story = make_story()
    make_claim(story=story, text="Exports fell 34.5% in May")
    make_event(story)
    make_update(story=story)
    with override_settings(CACHES=REDIS_CACHES):
        caches["default"].clear()
        sent.clear()
        first = client.get(story.get_absolute_url())
        writes = [packet for packet in sent if b":fragment:" in packet and b"SET" in packet]
        assert len(writes) == 1, f"{len(writes)} round trips stored the page's fragments"
        for section in (b"story-updates", b"story-aside", b"story-timeline", b"story-claims", b"story-sources"):
            assert section in writes[0], section
        sent.clear()
        again = client.get(story.get_absolute_url())
        assert again.content == first.content
        assert not [packet for packet in sent if b"SET" in packet and b":fragment:" in packet], "nothing rendered again"
        caches["default"].clear()


@pytest.mark.skipif(not _redis_reachable(), reason="needs Redis on 127.0.0.1:6379")
def test_with_redis_a_list_of_updates_asks_for_all_their_fragments_in_one_round_trip(client, settings, sent):
    """The story page, the updates list and the live poll each show several updates, each a cached
    fragment: asked one at a time, a page rendered afresh made a Redis round trip per update."""
    settings.NEWSROOM_STAMPED_PAGES = False
    story = make_story()
    for n in range(6):
        record_update_change(update=make_update(story=story, headline=f"Talks resume, day {n}"))
    pages = {
        "story page": story.get_absolute_url(),
        "updates list": reverse("stories:story-updates", kwargs={"slug": story.slug}),
        "live poll": reverse("stories:update-poll", kwargs={"slug": story.slug}) + "?after=0",
    }
    with override_settings(CACHES=REDIS_CACHES):
        for name, url in pages.items():
            caches["default"].clear()
            sent.clear()
            response = client.get(url)
            assert response.status_code == 200
            assert b"Talks resume, day 5" in response.content, name
            update_reads = [packet for packet in sent if b"GET" in packet and b":fragment:update:" in packet]
            assert len(update_reads) == 1, f"{name}: {len(update_reads)} round trips asked for update fragments"
        caches["default"].clear()


@pytest.mark.skipif(not _redis_reachable(), reason="needs Redis on 127.0.0.1:6379")
def test_with_redis_the_threads_of_a_worker_share_one_client_and_each_reads_its_own_values():
    from concurrent.futures import ThreadPoolExecutor

    with override_settings(CACHES=REDIS_CACHES):
        cache = caches["default"]
        cache.clear()

        def work(thread: int) -> list:
            read = []
            for n in range(40):
                cache.set(f"thread-{thread}-{n}", {"thread": thread, "n": n})
                read.append(cache.get(f"thread-{thread}-{n}"))
            cache.set_many({f"many-{thread}-{n}": n for n in range(5)})
            read.append(cache.get_many([f"many-{thread}-{n}" for n in range(5)]))
            return read

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(work, range(8)))
        for thread, read in enumerate(results):
            assert read[:-1] == [{"thread": thread, "n": n} for n in range(40)]
            assert read[-1] == {f"many-{thread}-{n}": n for n in range(5)}
        assert cache.add("counter", 1)
        assert cache.incr("counter") == 2 and cache.get("counter") == 2
        clients = [cache._cache.get_client(write=write) for write in (True, False) for _ in range(3)]
        assert all(client is clients[0] for client in clients), "a new Redis client was built for an operation"
        cache.clear()


def test_a_render_that_fails_stores_none_of_its_fragments_and_one_that_succeeds_stores_them_all():
    from django.template import engines

    from stories.markup import fragment_key

    template = engines["jinja2"].from_string(
        '{% call cached_fragment("first", 1) %}one{% endcall %}'
        '{% call cached_fragment("second", 2) %}two{% endcall %}{{ then() }}'
    )
    cache = caches["default"]

    def fail():
        raise RuntimeError("the render broke after its fragments")

    with pytest.raises(RuntimeError):
        template.render({"stamp": "s1", "then": fail})
    assert cache.get(fragment_key("s1", "first", 1)) is None
    assert cache.get(fragment_key("s1", "second", 2)) is None
    assert template.render({"stamp": "s1", "then": lambda: "!"}) == "onetwo!"
    assert cache.get(fragment_key("s1", "first", 1)) == "one"
    assert cache.get(fragment_key("s1", "second", 2)) == "two"


def test_every_reader_page_costs_one_query_once_rendered(client, django_assert_num_queries):
    from .factories import cite, make_actor, make_claim, make_source

    story = make_story()
    actor = make_actor()
    source = make_source()
    claim = make_claim(story=story, claimant=actor)
    cite(source, "talks are going well", claim=claim)
    event = make_event(story)
    update = make_update(story=story)
    for url in ("/", story.get_absolute_url(), update.get_absolute_url(), event.get_absolute_url(),
                claim.get_absolute_url(), actor.get_absolute_url(), source.get_absolute_url(),
                f"/stories/{story.slug}/claims/?verification_status=unverified"):
        cold = client.get(url)
        with django_assert_num_queries(1):
            warm = client.get(url)
        assert warm.status_code == 200 and warm.content == cold.content, url


def test_with_stamped_pages_off_each_request_renders_the_same_page_afresh(client, settings):
    from .factories import make_claim

    settings.NEWSROOM_STAMPED_PAGES = False
    story = make_story()
    claim = make_claim(story=story, text="Exports fell 34.5% in May")
    make_update(story=story)
    for url in (story.get_absolute_url(), claim.get_absolute_url()):
        first = client.get(url)
        settings.NEWSROOM_STAMPED_PAGES = True
        stamped = client.get(url)
        settings.NEWSROOM_STAMPED_PAGES = False
        assert first.content == stamped.content, url
    claim.text = "Exports fell 34.7% in May"
    claim.save()
    assert "34.7%" in client.get(claim.get_absolute_url()).content.decode()


def test_with_whole_page_caches_off_a_reader_page_read_again_asks_only_for_the_stamp(
    client, settings, django_assert_num_queries
):
    """The row a page is about is kept under the stamp, like its fragments: a second reader costs
    one query, and an edit or an unpublishing still shows on the next request."""
    from .factories import cite, make_actor, make_claim, make_source

    settings.NEWSROOM_STAMPED_PAGES = False
    story = make_story()
    actor = make_actor()
    source = make_source()
    claim = make_claim(story=story, claimant=actor, text="Exports fell 34.5% in May")
    cite(source, "talks are going well", claim=claim)
    event = make_event(story)
    update = make_update(story=story)
    for url in (story.get_absolute_url(), update.get_absolute_url(), event.get_absolute_url(),
                claim.get_absolute_url(), actor.get_absolute_url(), source.get_absolute_url()):
        cold = client.get(url)
        with django_assert_num_queries(1):
            warm = client.get(url)
        assert warm.status_code == 200 and warm.content == cold.content, url
    claim.text = "Exports fell 34.7% in May"
    claim.save()
    assert "34.7%" in client.get(claim.get_absolute_url()).content.decode()
    claim.status = PublicationStatus.DRAFT
    claim.save()
    assert client.get(claim.get_absolute_url()).status_code == 404


def test_a_stamped_page_changes_as_soon_as_its_content_does(client):
    story = make_story()
    claim_text = "Exports fell 34.5% in May"
    from .factories import make_claim

    claim = make_claim(story=story, text=claim_text)
    assert claim_text in client.get(claim.get_absolute_url()).content.decode()
    claim.text = "Exports fell 34.7% in May"
    claim.save()
    assert "34.7%" in client.get(claim.get_absolute_url()).content.decode()


def test_api_answers_come_from_the_stamped_cache_with_their_etag(client, django_assert_num_queries):
    story = make_story()
    make_update(story=story)
    url = "/api/v1/updates/"
    cold = client.get(url, headers={"Accept": "application/json"})
    with django_assert_num_queries(1):
        warm = client.get(url, headers={"Accept": "application/json"})
    assert warm.content == cold.content and warm.headers["ETag"] == cold.headers["ETag"]
    assert warm.headers["Content-Type"] == "application/json"
    with django_assert_num_queries(1):
        unchanged = client.get(url, headers={"Accept": "application/json", "If-None-Match": cold.headers["ETag"]})
    assert unchanged.status_code == 304



def test_pollers_at_the_same_cursor_share_one_answer(client, poll_cache_on, django_assert_num_queries):
    story = make_story(is_live=True)
    update = make_update(story=story, headline="Deal reached")
    record_update_change(update=update)
    url = f"/stories/{story.slug}/updates/poll/?after=0"
    first = client.get(url, headers={"If-None-Match": '"stale"'})
    with django_assert_num_queries(0):
        second = client.get(url, headers={"If-None-Match": '"stale"'})
    assert second.json() == first.json()
    assert [u["id"] for u in second.json()["updates"]] == [update.pk]


def test_static_addresses_follow_a_changed_static_url(client, settings):
    """Static addresses are asked of the storage once per path: the answer must still follow what
    STATIC_URL says when it changes."""
    settings.NEWSROOM_STAMPED_PAGES = False
    story = make_story()
    stylesheet = re.compile(r'<link rel="stylesheet" href="([^"]+)"')
    assert stylesheet.search(client.get(story.get_absolute_url()).content.decode())[1].startswith("/static/")
    settings.STATIC_URL = "/assets/"
    assert stylesheet.search(client.get(story.get_absolute_url()).content.decode())[1].startswith("/assets/")
