"""The PostgreSQL backend: a request on a kept connection sends its own query first, a connection
the server has closed is still replaced before the request uses it, and timestamps come back as
Django's loader gives them, in a fraction of its time."""

import datetime
import select
import time

import psycopg
import pytest
from django.db import close_old_connections, connection
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.conf import settings
from django.test import Client, override_settings

from tests.factories import make_story

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend only"),
    pytest.mark.django_db(transaction=True),  # real sessions, outside any test transaction
]


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def terminate(pid: int) -> None:
    """End a session from another one, as a server restart or an administrator does."""
    params = connection.get_connection_params()
    with psycopg.connect(**{key: value for key, value in params.items() if key != "cursor_factory"},
                         autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    poller = select.poll()
    poller.register(connection.connection.pgconn.socket, select.POLLIN)
    deadline = time.monotonic() + 5
    while not poller.poll(50) and time.monotonic() < deadline:
        pass


def test_a_request_on_a_connection_the_server_ended_is_answered_on_a_new_one():
    story = make_story()
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] and connection.settings_dict["CONN_MAX_AGE"]
    ended = backend_pid()
    terminate(ended)
    close_old_connections()  # what Django does as each request starts
    response = Client().get(story.get_absolute_url())
    assert response.status_code == 200
    assert story.title in response.content.decode()
    assert backend_pid() != ended


@override_settings(NEWSROOM_PAGE_CACHE_SECONDS=0)  # every request asks the database for the stamp
def test_a_request_on_a_healthy_kept_connection_sends_no_select_1_first(tmp_path):
    story = make_story()
    Client().get(story.get_absolute_url())
    kept = backend_pid()
    trace = tmp_path / "protocol.log"
    close_old_connections()
    with trace.open("w") as log:
        connection.connection.pgconn.trace(log.fileno())
        try:
            assert Client().get(story.get_absolute_url()).status_code == 200
        finally:
            connection.connection.pgconn.untrace()
    sent = [line for line in trace.read_text().splitlines() if line.split("\t")[1:2] == ["F"]]
    assert backend_pid() == kept
    assert sent, "the request reached the database"
    assert not [line for line in sent if "SELECT 1" in line]


STORED = [
    "2025-06-09 10:00:00+00", "2025-06-09 10:00:00.123456+00", "2025-06-09 23:59:59.999999-11",
    "2025-03-30 01:30:00+01", "2025-10-26 02:30:00+02:00", "2025-06-10 04:30:00+05:30",
    "0001-01-01 00:00:00+00", "9999-12-31 23:59:59.999999+00", "2024-02-29 12:00:00+14",
]


def read_timestamps(cursor) -> list:
    cursor.execute("SELECT v::timestamptz FROM unnest(%s::text[]) AS v", [STORED])
    return [value for (value,) in cursor.fetchall()]


@pytest.mark.skipif(not settings.USE_TZ, reason="the project stores aware datetimes")
def test_timestamps_come_back_as_django_reads_them_aware_in_utc():
    with connection.cursor() as cursor:
        ours = read_timestamps(cursor)
    register_tzloader(connection.timezone, connection.connection)  # Django's own, for comparison
    try:
        with connection.cursor() as cursor:
            djangos = read_timestamps(cursor)
    finally:
        connection.close()
    assert ours == djangos
    assert all(value.tzinfo is datetime.timezone.utc for value in ours)
    assert ours[5] == datetime.datetime(2025, 6, 9, 23, 0, tzinfo=datetime.timezone.utc)


@pytest.mark.skipif(psycopg.pq.__impl__ == "python", reason="psycopg's compiled implementation only")
def test_a_page_of_timestamps_is_read_in_a_fraction_of_djangos_time():
    sql = "SELECT now() - i * interval '1 minute', now(), now() FROM generate_series(1, 3000) AS i"

    def fastest_read() -> float:
        times = []
        for _ in range(5):
            with connection.cursor() as cursor:
                start = time.perf_counter()
                cursor.execute(sql)
                cursor.fetchall()
                times.append(time.perf_counter() - start)
        return min(times)

    ours = fastest_read()
    register_tzloader(connection.timezone, connection.connection)
    try:
        djangos = fastest_read()
    finally:
        connection.close()
    assert ours < djangos / 3, f"{ours * 1e3:.1f} ms against Django's loader's {djangos * 1e3:.1f} ms"
