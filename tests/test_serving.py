"""The recommended gunicorn worker (newsroom.serving.ThreadWorker), on a real server and real sockets:
connections that have not sent their request yet never hold the threads that answer requests."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def app(environ, start_response):
    """The smallest WSGI application: the worker, not Django, is under test here. /compute keeps a
    thread computing for a second, as an admin form being rendered does; /round-trips waits on
    twenty short round trips, as a page's queries do."""
    if environ["PATH_INFO"] == "/compute":
        until = time.monotonic() + 1.0
        while time.monotonic() < until:
            sum(range(1000))
    elif environ["PATH_INFO"] == "/round-trips":
        for _ in range(20):
            time.sleep(0.0005)
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


def free_port() -> int:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return listener.getsockname()[1]


@pytest.fixture
def server():
    """gunicorn, one worker with two threads, no keep-alive, serving `app` above."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tests.test_serving:app", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--worker-class", "newsroom.serving.ThreadWorker", "--threads", "2",
         "--keep-alive", "0", "--log-level", "warning"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env={**os.environ, "NEWSROOM_REQUEST_WAIT_SECONDS": "2"},
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if get(port)[0] == 200:
                break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail(f"gunicorn did not start: {process.stdout.read().decode()[-2000:]}")
    yield port
    process.terminate()
    process.wait(timeout=10)


def get(port: int, path: str = "/") -> tuple[int, float]:
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status, time.monotonic() - started
    finally:
        connection.close()


def test_connections_that_have_not_sent_a_request_leave_the_threads_free(server):
    """Four idle connections against two threads: stock gunicorn 24+ kept both threads waiting on
    them for five seconds before answering anyone else."""
    idle = [socket.create_connection(("127.0.0.1", server)) for _ in range(4)]
    try:
        time.sleep(0.2)
        status, seconds = get(server)
        assert status == 200 and seconds < 1.0, seconds
        # An idle connection that sends its request later is answered then.
        idle[0].sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        idle[0].settimeout(5)
        assert idle[0].recv(1024).startswith(b"HTTP/1.1 200")
    finally:
        for connection in idle:
            connection.close()


def test_a_connection_that_never_sends_a_request_is_closed_after_the_request_wait(server):
    silent = socket.create_connection(("127.0.0.1", server))
    silent.settimeout(10)
    started = time.monotonic()
    try:
        assert silent.recv(1024) == b""  # closed by the server, nothing sent
    finally:
        silent.close()
    assert 1.5 < time.monotonic() - started < 5


def test_a_quick_request_is_not_held_up_by_a_thread_that_computes(server):
    """Each of the quick request's twenty round trips ends with a wait for the interpreter, held by
    the computing thread: up to 5 ms each at Python's default switch interval (160-220 ms in all
    here), 1 ms with the worker's (40-50 ms)."""
    computing = threading.Thread(target=get, args=(server, "/compute"))
    computing.start()
    try:
        time.sleep(0.2)
        timings = [get(server, "/round-trips") for _ in range(3)]
    finally:
        computing.join()
    assert all(status == 200 for status, _ in timings)
    assert sorted(seconds for _, seconds in timings)[1] < 0.1, timings
