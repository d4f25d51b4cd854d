"""The PostgreSQL backend's health check: a request on a kept connection sends its own query first,
and a connection the server has closed is still replaced before the request uses it."""

import select
import time

import psycopg
import pytest
from django.db import close_old_connections, connection
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
