"""The read-only API: published rows only, the pages' filters, cursors, ETags, GET only, and an
OpenAPI document that validates and that every response conforms to."""

import copy
import io
from datetime import timedelta

import pytest
import yaml
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate as validate_spec

from stories.caching import clear_every_cache
from stories.models import (
    Claim,
    ClaimStatusChange,
    Event,
    PublicationStatus,
    Source,
    Story,
    VerificationStatus,
)
from tests.factories import build_story, cite, make_actor, make_claim, make_event, make_source, make_story, make_update
from tests.plans import gather_statistics_as_autovacuum_would, rows_through_plan

pytestmark = pytest.mark.django_db
DRAFT = {"status": PublicationStatus.DRAFT, "published_at": None}
RESOURCES = ["stories", "updates", "events", "actors", "claims", "sources"]


def get(client, url, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200, response.content
    return response.json()


def results(client, url):
    return get(client, url)["results"]


@pytest.fixture
def seeded():
    call_command("import_seeds", stdout=io.StringIO())
    return Story.objects.get(slug="us-china-trade-talks-london-2025")


def test_lists_hold_only_published_rows(client):
    story = make_story(title="Out")
    draft_story = make_story(title="Draft story", **DRAFT)
    make_update(story=story, headline="Visible")
    make_update(story=story, headline="Draft", **DRAFT)
    make_update(story=story, headline="Scheduled", published_at=timezone.now() + timedelta(hours=1))
    make_update(story=draft_story, headline="On a draft story")
    make_event(story=story, title="Visible event")
    make_event(story=draft_story, title="Hidden event")
    make_claim(story=story, text="Visible claim")
    make_claim(story=story, text="Draft claim", **DRAFT)
    make_actor(name="Visible actor")
    make_actor(name="Draft actor", **DRAFT)
    make_source(title="Visible source")
    make_source(title="Draft source", **DRAFT)

    assert [s["title"] for s in results(client, "/api/v1/stories/")] == ["Out"]
    assert [u["headline"] for u in results(client, "/api/v1/updates/")] == ["Visible"]
    assert [e["title"] for e in results(client, "/api/v1/events/")] == ["Visible event"]
    assert [c["text"] for c in results(client, "/api/v1/claims/")] == ["Visible claim"]
    assert [a["name"] for a in results(client, "/api/v1/actors/")] == ["Visible actor"]
    assert [s["title"] for s in results(client, "/api/v1/sources/")] == ["Visible source"]


def test_draft_detail_is_a_404(client):
    draft_story = make_story(**DRAFT)
    draft_actor = make_actor(**DRAFT)
    hidden_claim = make_claim(**DRAFT)
    assert client.get(f"/api/v1/stories/{draft_story.slug}/").status_code == 404
    assert client.get(f"/api/v1/actors/{draft_actor.slug}/").status_code == 404
    assert client.get(f"/api/v1/claims/{hidden_claim.pk}/").status_code == 404


def test_claim_shows_citations_of_published_sources_and_its_status_history(client):
    claim = make_claim(verification_status=VerificationStatus.DISPUTED)
    public = make_source(text="He said talks are going well today.")
    private = make_source(text="Leaked: talks are going well indeed.", **DRAFT)
    cite(public, "talks are going well", claim=claim)
    cite(private, "talks are going well", claim=claim)
    ClaimStatusChange.objects.create(claim=claim, from_status="unverified", to_status="disputed", note="Beijing denies it.")
    data = get(client, f"/api/v1/claims/{claim.pk}/")
    assert data["citations"] == [{"source": public.slug, "excerpt": "talks are going well", "start": 8, "end": 28,
                                  "relation": "reports", "relation_confirmed": False}]
    assert [(c["from_status"], c["to_status"], c["note"]) for c in data["status_history"]] == [
        ("unverified", "disputed", "Beijing denies it.")
    ]


def test_draft_claimant_is_not_named(client):
    claim = make_claim(claimant=make_actor(**DRAFT))
    assert get(client, f"/api/v1/claims/{claim.pk}/")["claimant"] is None


def test_source_text_is_in_the_detail_not_the_list(client):
    source = make_source()
    assert "text" not in results(client, "/api/v1/sources/")[0]
    assert get(client, f"/api/v1/sources/{source.slug}/")["text"] == source.text


def test_filters_match_the_public_pages(client, seeded):
    slug = seeded.slug
    key_events = results(client, f"/api/v1/events/?story={slug}&key=true")
    assert key_events and all(e["is_key_event"] for e in key_events)
    assert len(key_events) == Event.objects.published().filter(story=seeded, is_key_event=True).count()
    bessent = results(client, "/api/v1/claims/?claimant=donald-trump&page_size=200")
    expected = Claim.objects.published().filter(claimant__slug="donald-trump").count()
    assert expected and len(bessent) == expected
    involving = results(client, "/api/v1/events/?actor=he-lifeng")
    assert involving and all(any(p["actor"] == "he-lifeng" for p in e["participants"]) for e in involving)
    assert all(a["kind"] == "person" for a in results(client, "/api/v1/actors/?kind=person"))
    assert results(client, "/api/v1/stories/?live=false") == []
    assert client.get("/api/v1/updates/?actor=he-lifeng&kind=news").status_code == 200


def test_update_filters_see_only_the_claims_and_events_readers_see(client):
    story = make_story()
    actor = make_actor(slug="the-minister")
    update = make_update(story=story, headline="Public update")
    update.claims.add(make_claim(story=story, claimant=actor, **DRAFT))
    update.events.add(make_event(story=story, is_key_event=True, **DRAFT))
    assert results(client, "/api/v1/updates/?actor=the-minister") == []
    assert results(client, "/api/v1/updates/?key=true") == []
    # The same links, once readers can see them, do match.
    Claim.objects.update(status=PublicationStatus.PUBLISHED, published_at=timezone.now() - timedelta(hours=1))
    Event.objects.update(status=PublicationStatus.PUBLISHED, published_at=timezone.now() - timedelta(hours=1))
    assert [u["id"] for u in results(client, "/api/v1/updates/?actor=the-minister")] == [update.pk]
    assert [u["id"] for u in results(client, "/api/v1/updates/?key=true")] == [update.pk]


def test_bad_filter_is_a_400_not_a_500(client):
    assert client.get("/api/v1/events/?date_from=not-a-date").status_code == 400
    assert client.get("/api/v1/claims/?verification_status=made-up").status_code == 400


@pytest.mark.parametrize("resource", ["updates", "events", "claims"])
@pytest.mark.parametrize("query", ["date_to=9999-12-31", "date_from=0001-01-01"])
def test_a_date_at_the_end_of_the_calendar_is_a_400_naming_the_range(client, resource, query):
    response = client.get(f"/api/v1/{resource}/?{query}")
    assert response.status_code == 400
    assert "Enter a date from 2 January 0001 to 30 December 9999." in response.content.decode()


@pytest.mark.parametrize("version", ["1.0.0\nX-Injected: yes", "1.0.0\x00", "2.0.0"])
def test_schema_for_an_unknown_version_is_a_400(client, version):
    response = client.get("/api/v1/schema/", {"version": version})
    assert response.status_code == 400
    assert "X-Injected" not in response.headers


def test_schema_for_its_own_version_is_served(client):
    assert client.get("/api/v1/schema/", {"version": "1.0.0"}).status_code == 200
    assert client.get("/api/v1/schema/").status_code == 200


def test_cursor_pages_cover_everything_once(client, seeded):
    seen, url = [], "/api/v1/claims/?page_size=5"
    while url:
        page = get(client, url)
        seen += [c["id"] for c in page["results"]]
        url = page["next"]
    assert len(seen) == len(set(seen)) == Claim.objects.published().count()
    assert client.get("/api/v1/claims/?cursor=garbage").status_code == 404


def test_unchanged_resource_is_a_304(client):
    make_story()
    first = client.get("/api/v1/stories/")
    again = client.get("/api/v1/stories/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    make_story()
    assert client.get("/api/v1/stories/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_api_is_read_only(client, method):
    story = make_story()
    assert getattr(client, method)("/api/v1/stories/", content_type="application/json").status_code == 405
    assert getattr(client, method)(f"/api/v1/stories/{story.slug}/", content_type="application/json").status_code == 405
    assert Story.objects.filter(pk=story.pk).exists()


def _grow(size):
    for _ in range(size):
        story = make_story()
        actor = make_actor()
        source = make_source()
        event = make_event(story=story)
        event.actors.add(actor)
        claim = make_claim(story=story, claimant=actor)
        cite(source, "Exports fell", claim=claim)
        cite(source, "Exports fell", event=event)
        ClaimStatusChange.objects.create(claim=claim, from_status="unverified", to_status="corroborated")
        make_update(story=story)


@pytest.mark.parametrize("size", [2, 20])
@pytest.mark.parametrize("resource", RESOURCES)
def test_list_query_count_is_fixed(client, django_assert_max_num_queries, resource, size):
    _grow(size)
    with django_assert_max_num_queries(5):
        assert len(results(client, f"/api/v1/{resource}/")) == size


# --- OpenAPI -----------------------------------------------------------------------------------


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_openapi_document_validates(spec):
    validate_spec(spec)
    assert {path.split("/")[3] for path in spec["paths"]} >= set(RESOURCES)
    for path, operations in spec["paths"].items():
        assert set(operations) <= {"get", "parameters"}, f"{path} offers more than GET"


def test_schema_generation_has_no_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def _closed(spec):
    """The spec's component schemas with undeclared properties forbidden, so extra fields fail too."""
    components = copy.deepcopy(spec["components"])
    for schema in components["schemas"].values():
        if "properties" in schema:
            schema["additionalProperties"] = False
    return components


def _conforms(spec, components, path, instance):
    schema = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    errors = list(OAS30Validator({**schema, "components": components}).iter_errors(instance))
    assert not errors, f"{path}: {errors[0].message} at {list(errors[0].absolute_path)}"


def test_every_endpoint_response_conforms_to_the_document(client, spec, seeded):
    components = _closed(spec)
    claim = Claim.objects.published().filter(citations__isnull=False, status_changes__isnull=False).first()
    make_update(story=seeded, headline="Talks open")
    details = {
        "stories": seeded.slug,
        "updates": seeded.updates.first().pk,
        "events": Event.objects.published().first().pk,
        "actors": "scott-bessent",
        "claims": claim.pk,
        "sources": Source.objects.published().first().slug,
    }
    checked = 0
    for path in spec["paths"]:
        if not path.startswith("/api/v1/") or path == "/api/v1/schema/":
            continue
        resource = path.split("/")[3]
        if "{" in path:
            url = path.replace(path[path.index("{"):path.index("}") + 1], str(details[resource]))
        else:
            url = path + "?page_size=3"
        _conforms(spec, components, path, get(client, url))
        checked += 1
    assert checked == 2 * len(RESOURCES)


@pytest.mark.parametrize("kind", ["stories", "actors", "sources"])
@pytest.mark.parametrize("slug", ["%00", "a%00b", "%C3%A9t%C3%A9", "a.b"])
def test_a_slug_no_row_can_have_is_a_404_not_a_server_error(client, kind, slug):
    """PostgreSQL refuses a NUL byte in a text parameter (DataError): found by the path fuzzer."""
    assert client.get(f"/api/v1/{kind}/{slug}/").status_code == 404


# --- Pages cost the same at any size --------------------------------------------------------------


def _work_of_list_query(client, url: str, table: str) -> int:
    """How much the database does for the page's list query: on PostgreSQL the rows every plan
    node handles (EXPLAIN ANALYZE), on SQLite the virtual machine steps to run it to the end."""
    clear_every_cache()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    sql = next(q["sql"] for q in queries.captured_queries if q["sql"].startswith(f'SELECT "{table}".') and "LIMIT" in q["sql"])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
            return rows_through_plan(cursor.fetchone()[0])
        steps = [0]

        def count() -> int:
            steps[0] += 1
            return 0

        raw = connection.connection
        raw.set_progress_handler(count, 1)
        try:
            cursor.execute(sql)
            cursor.fetchall()
        finally:
            raw.set_progress_handler(None, 1)
        return steps[0]


@pytest.mark.parametrize("resource, table", [
    ("claims", "stories_claim"), ("events", "stories_event"), ("updates", "stories_update"),
])
def test_a_page_of_a_big_story_costs_the_database_what_a_page_of_a_small_one_does(client, resource, table):
    build_story(60, slug="small")
    gather_statistics_as_autovacuum_would()
    across_small_site = _work_of_list_query(client, f"/api/v1/{resource}/", table)
    build_story(900, slug="big")
    gather_statistics_as_autovacuum_would()
    small = _work_of_list_query(client, f"/api/v1/{resource}/?story=small", table)
    big = _work_of_list_query(client, f"/api/v1/{resource}/?story=big", table)
    across_big_site = _work_of_list_query(client, f"/api/v1/{resource}/", table)
    # Each page holds 50 rows whichever the story; sorting the big story's rows for it did 15 times the work.
    assert big < 1.5 * small
    assert across_big_site < 1.5 * across_small_site
