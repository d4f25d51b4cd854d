"""The recommended gunicorn worker (newsroom.serving.ThreadWorker), on a real server and real sockets:
connections that have not sent their request yet never hold the threads that answer requests."""

from __future__ import annotations

import http.client
import json
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


def test_a_django_worker_compiles_every_template_and_freezes_what_it_loaded_before_its_first_request(tmp_path):
    """A worker serving Newsroom imports the URLconf and compiles the reader templates while it
    starts, so the first readers after a restart don't wait for them, and freezes all it loaded
    (the collector's full collections then skip it), and has the collector wait for 10,000 new
    objects rather than 700 (about one story page). Read from inside the worker once it has loaded
    the application (gunicorn's post_worker_init hook), before any request."""
    report = tmp_path / "worker.json"
    config = tmp_path / "gunicorn_config.py"
    config.write_text(
        "import gc, json\n"
        "def post_worker_init(worker):\n"
        "    from django.template import engines\n"
        "    from django.urls import get_resolver\n"
        "    environment = engines['jinja2'].env\n"
        "    compiled = [name for name in environment.list_templates()\n"
        "                if any(key[1] == name for key in environment.cache._mapping)]\n"
        f"    open({str(report)!r}, 'w').write(json.dumps({{\n"
        "        'frozen': gc.get_freeze_count(), 'threshold': gc.get_threshold(),\n"
        "        'templates': environment.list_templates(),\n"
        "        'compiled': compiled, 'urlconf_loaded': 'url_patterns' in get_resolver().__dict__}))\n"
    )
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "newsroom.wsgi", "--config", str(config), "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--worker-class", "newsroom.serving.ThreadWorker", "--threads", "2",
         "--keep-alive", "0", "--log-level", "warning"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "newsroom.settings",
             "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}"},
    )
    try:
        deadline = time.monotonic() + 30
        while not report.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
        assert report.exists(), process.stdout.read().decode()[-2000:] if process.poll() is not None else "no report"
        time.sleep(0.2)
        found = json.loads(report.read_text())
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert found["urlconf_loaded"]
    assert "stories/story_detail.html" in found["templates"]
    assert sorted(found["compiled"]) == sorted(found["templates"])
    assert found["frozen"] > 50_000
    assert found["threshold"] == [10_000, 10, 10]
