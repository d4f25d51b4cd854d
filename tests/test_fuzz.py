"""No 500s on bad input: fuzzed query strings and path segments, the OpenAPI document, the importer.

DEBUG is off (pytest-django's default), so a server error would be Django's 500 page; the test
client re-raises the exception, which hypothesis then shrinks to the smallest input that breaks.
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest
import schemathesis
from django.apps import apps
from django.conf import settings as django_settings
from django.core import signals
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error, response_schema_conformance

from newsroom.wsgi import application
from stories.models import Story

pytestmark = pytest.mark.django_db

SEEDS = Path(django_settings.NEWSROOM_SEEDS_DIR)
SLUG = "us-china-trade-talks-london-2025"
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

NASTY = st.one_of(
    st.text(max_size=40),  # any unicode, NUL and lone surrogates' neighbours included
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=12).map(lambda s: s * 500),  # very long
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.sampled_from([
        "", "0", "-1", "1e309", "NaN", "inf", "9" * 30, "0x7fffffff", "2025-02-30", "2025-13-01", "0000-00-00",
        "' OR 1=1 --", "1; DROP TABLE stories_story;--", '"; SELECT pg_sleep(5); --', "%", "_", "\\",
        "\x00", "a\x00b", "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"), "../../etc/passwd",
        "<script>alert(1)</script>", "{{ 7*7 }}", "true", "on", "None", "null", "[]", "{}", " ",
    ]),
)
PARAM_NAMES = st.one_of(
    st.sampled_from([
        "q", "kind", "page", "claims_page", "events_page", "after", "actor", "claimant", "verification_status",
        "date_from", "date_to", "key", "story", "pinned", "live", "publisher", "cursor", "format", "ordering",
        "limit", "offset", "search",
    ]),
    st.text(max_size=10),
)
QUERIES = st.lists(st.tuples(PARAM_NAMES, NASTY), max_size=6)  # repeated names allowed

PUBLIC_URLS = [
    "/", "/search/", f"/stories/{SLUG}/", f"/stories/{SLUG}/updates/", f"/stories/{SLUG}/timeline/",
    f"/stories/{SLUG}/claims/", f"/stories/{SLUG}/updates/poll/", f"/stories/{SLUG}/feed/rss/",
    f"/stories/{SLUG}/feed/atom/", f"/stories/{SLUG}/events.csv", f"/stories/{SLUG}/timeline.json",
    "/feed/rss/", "/feed/atom/", "/sitemap.xml", "/robots.txt", "/actors/scott-bessent/",
    "/api/v1/", "/api/v1/stories/", "/api/v1/updates/", "/api/v1/events/", "/api/v1/claims/",
    "/api/v1/actors/", "/api/v1/sources/", f"/api/v1/stories/{SLUG}/", "/api/v1/schema/",
]
PATH_TEMPLATES = [
    "/stories/{}/", "/stories/{}/updates/", "/stories/{}/timeline/", "/stories/{}/claims/",
    "/stories/{}/updates/poll/", "/stories/{}/feed/rss/", "/stories/{}/events.csv", "/stories/{}/timeline.json",
    f"/stories/{SLUG}/updates/{{}}/", f"/stories/{SLUG}/events/{{}}/", "/claims/{}/", "/actors/{}/",
    "/sources/{}/", "/preview/{}/", "/api/v1/stories/{}/", "/api/v1/updates/{}/", "/api/v1/events/{}/",
    "/api/v1/claims/{}/", "/api/v1/actors/{}/", "/api/v1/sources/{}/", "/{}", "/api/v1/{}/",
]


@pytest.fixture
def seeds():
    call_command("import_seeds", stdout=io.StringIO())


def assert_handled(url: str, response) -> None:
    assert response.status_code < 500, (url, response.status_code)
    body = response.content.decode("utf-8", "replace")
    assert "Traceback" not in body and 'File "/' not in body, url


@given(url=st.sampled_from(PUBLIC_URLS), query=QUERIES)
@FAST
def test_fuzzed_query_strings_never_cause_a_server_error(seeds, client, url, query):
    response = client.get(url, dict_of_lists(query))
    assert_handled(url, response)


@given(template=st.sampled_from(PATH_TEMPLATES), segment=NASTY.filter(lambda s: s not in ("", ".", "..")))
@FAST
def test_fuzzed_path_segments_never_cause_a_server_error(seeds, client, template, segment):
    url = template.format(quote(segment, safe=""))
    response = client.get(url)
    assert_handled(url, response)
    assert response.status_code in (200, 301, 302, 400, 404, 405), (url, response.status_code)


@given(number=st.integers(min_value=-(10**30), max_value=10**30))
@FAST
def test_huge_and_negative_ids_are_not_found_not_errors(seeds, client, number):
    for template in ("/claims/{}/", f"/stories/{SLUG}/updates/{{}}/", "/api/v1/claims/{}/", "/api/v1/updates/{}/"):
        url = template.format(number)
        response = client.get(url)
        assert_handled(url, response)
        assert response.status_code in (200, 404), (url, response.status_code)


def dict_of_lists(pairs) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    return data


def test_an_oversized_query_string_is_handled(seeds, client):
    for url in ("/search/", f"/stories/{SLUG}/claims/", "/api/v1/claims/"):
        assert_handled(url, client.get(url, {"q": "x" * 100_000, "claimant": "é" * 10_000, "page": "9" * 5000}))


def test_writes_to_public_urls_are_refused_cleanly(seeds):
    client = Client(enforce_csrf_checks=True)
    for url in PUBLIC_URLS:
        for method in ("post", "put", "patch", "delete"):
            response = getattr(client, method)(url, data=b"\x00\xff{", content_type="application/json")
            assert_handled(url, response)
            assert response.status_code in (403, 405), (method, url, response.status_code)


# --- The API against its own OpenAPI document ----------------------------------------------------

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """Call the real WSGI app inside the test transaction, as Django's test client does.

    The WSGI handler closes the database connection at the end of each request; inside a test
    transaction that would close it for the rest of the test (PostgreSQL), so, like the test
    client, stop the request signals from closing it.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_answers_every_generated_request_as_its_schema_says(seeds, wsgi_keeps_the_test_connection, case):
    response = case.call()
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])


# --- The importer: random bytes and broken files write nothing -----------------------------------


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in apps.get_app_config("stories").get_models()}


def run_import(path: Path) -> bool:
    """True if the import succeeded; False if it was refused with a CommandError (anything else fails)."""
    try:
        call_command("import_seeds", path=path, stdout=io.StringIO())
    except CommandError as refused:
        assert str(refused).startswith("Import failed, nothing was written.")
        return False
    return True


@given(data=st.binary(max_size=2_000))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_random_bytes_as_an_article_are_imported_or_refused_never_half_written(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("random-article")
    (folder / "random.txt").write_bytes(data)
    before = row_counts()
    if run_import(folder):
        assert Story.objects.count() == before["Story"]  # an article alone is a source, never a story
    else:
        assert row_counts() == before


@given(data=st.binary(max_size=2_000), keep=st.integers(min_value=0, max_value=20_000))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_corrupted_annotation_file_is_refused_and_writes_nothing(tmp_path_factory, data, keep):
    folder = tmp_path_factory.mktemp("corrupt")
    shutil.copytree(SEEDS, folder, dirs_exist_ok=True)
    annotation = folder / "london-trade-talks.toml"
    good = annotation.read_bytes()
    corrupted = good[:keep] + data + good[keep + len(data):]
    annotation.write_bytes(corrupted)
    before = row_counts()
    if not run_import(folder):
        assert row_counts() == before


def test_the_foundation_issues_bad_files_are_each_refused_with_nothing_written(tmp_path):
    from .factories import BAD_ANNOTATIONS, BAD_ARTICLES, broken_annotation

    call_command("import_seeds", stdout=io.StringIO())
    for case, (content, message) in BAD_ARTICLES.items():
        folder = tmp_path / f"article-{len(list(tmp_path.iterdir()))}"
        shutil.copytree(SEEDS, folder)
        (folder / "zz-bad.txt").write_bytes(content)
        before = row_counts()
        with pytest.raises(CommandError, match=re.escape(message)):
            call_command("import_seeds", path=folder, stdout=io.StringIO())
        assert row_counts() == before, case
    for case, (content, message) in BAD_ANNOTATIONS.items():
        folder = tmp_path / f"annotation-{len(list(tmp_path.iterdir()))}"
        shutil.copytree(SEEDS, folder)
        (folder / "london-trade-talks.toml").write_text(content or broken_annotation(case), encoding="utf-8")
        before = row_counts()
        with pytest.raises(CommandError, match=re.escape(message)):
            call_command("import_seeds", path=folder, stdout=io.StringIO())
        assert row_counts() == before, case
