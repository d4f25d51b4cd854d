"""The SQLite backend's quicker conversions give exactly what Django's give: the same SQL for
every placeholder, the same aware datetimes for every stored shape."""

import sqlite3
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import Max
from django.db.backends.sqlite3.base import SQLiteCursorWrapper as DjangoCursor

from newsroom.sqlite_backend.base import SQLiteCursorWrapper
from stories.models import Story
from tests.factories import make_story

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite backend only")

QUERIES = [
    ("SELECT %s, %s", None),
    ('SELECT "a" FROM "t" WHERE "b" IN (%s, %s, %s) AND "c" = %s LIMIT 5', None),
    ("SELECT '%%s', %s", None),  # a literal "%s" next to a placeholder
    ("SELECT '100%%', %s WHERE 'x' LIKE '%%x%%'", None),
    ("SELECT %s", None),
    ("SELECT 'no parameters'", None),
    ("SELECT %(first)s, %(second)s", ["first", "second"]),
    ("SELECT '%%', %(first)s", ["first"]),
]


@pytest.mark.parametrize("query, names", QUERIES)
def test_placeholders_are_converted_as_django_converts_them(query, names):
    database = sqlite3.connect(":memory:")
    try:
        ours = database.cursor(factory=SQLiteCursorWrapper).convert_query(query, param_names=names)
        djangos = database.cursor(factory=DjangoCursor).convert_query(query, param_names=names)
    finally:
        database.close()
    assert ours == djangos


@pytest.mark.django_db
def test_queries_with_literal_percent_signs_return_what_they_say():
    with connection.cursor() as cursor:
        cursor.execute("SELECT '%%s', %s, '100%%'", [7])
        assert cursor.fetchone() == ("%s", 7, "100%")
        cursor.execute("SELECT %s || '%%'", ["50"])
        assert cursor.fetchone() == ("50%",)


@pytest.mark.django_db
def test_the_project_runs_on_the_quicker_backend_and_searches_for_percent_signs():
    assert isinstance(connection.cursor().cursor, SQLiteCursorWrapper)
    make_story(title="Tariffs cut by 50% on rare earths")
    make_story(title="Tariffs cut by 50 points")
    assert [story.title for story in Story.objects.filter(title__contains="50%")] == [
        "Tariffs cut by 50% on rare earths"
    ]


@pytest.mark.django_db
def test_datetimes_read_back_aware_in_utc_to_the_microsecond():
    moment = datetime(2025, 6, 10, 9, 30, 15, 123456, tzinfo=ZoneInfo("Europe/London"))
    story = make_story(title="Talks resume")
    Story.objects.filter(pk=story.pk).update(coverage_start=moment)
    read = Story.objects.values_list("coverage_start", "created_at").get(pk=story.pk)
    assert read[0] == moment and read[0].tzinfo is UTC
    assert read[1].tzinfo is UTC
    # A computed datetime has no declared type and still goes through Django's converter.
    assert Story.objects.filter(pk=story.pk).aggregate(newest=Max("coverage_start"))["newest"] == moment


@pytest.mark.django_db
@pytest.mark.parametrize("written, expected", [
    ("2025-06-10 08:30:15.123456", datetime(2025, 6, 10, 8, 30, 15, 123456, tzinfo=UTC)),
    ("2025-06-10 08:30:15", datetime(2025, 6, 10, 8, 30, 15, tzinfo=UTC)),
    ("2025-06-10T08:30:15", datetime(2025, 6, 10, 8, 30, 15, tzinfo=UTC)),
    ("2025-06-10 10:30:15+02:00", datetime(2025, 6, 10, 8, 30, 15, tzinfo=UTC)),
    ("2025-06-10T08:30:15Z", datetime(2025, 6, 10, 8, 30, 15, tzinfo=UTC)),
    ("2025-06-10", datetime(2025, 6, 10, tzinfo=UTC)),
])
def test_datetimes_written_by_other_tools_read_as_django_reads_them(written, expected):
    # Another program (a script, the sqlite3 shell) may write datetimes in other shapes.
    story = make_story(title="Talks resume")
    with connection.cursor() as cursor:
        cursor.execute('UPDATE "stories_story" SET "coverage_start" = %s WHERE "id" = %s', [written, story.pk])
    assert Story.objects.values_list("coverage_start", flat=True).get(pk=story.pk) == expected
