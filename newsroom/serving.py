"""How gunicorn serves Newsroom: gunicorn's threaded worker, with idle connections kept off its threads.

Since gunicorn 24 the threaded worker hands a newly accepted connection straight to a pool
thread, which then waits up to five seconds for the request to arrive (upstream pull requests
3519 and 3635). A browser that opens a connection ahead of its request, a slow client, or a
burst of readers arriving at once thus holds all of a worker's few threads while they do
nothing: with 200 live readers, one poll in a hundred waited a second and a half behind
connections that had not yet said a word, on a server that was otherwise idle.

This worker does what gunicorn did until version 23: a new connection waits in the worker's
event loop, like a kept-alive one, and reaches a thread only once its request has arrived. It
uses gunicorn's own path for deferring such a connection, so the rest of the worker is unchanged.
A connection that has sent nothing after REQUEST_WAIT seconds (or the keep-alive timeout, if
longer) is closed.

With idle connections off the threads, a few threads per worker let a slow request (an editor's
save) share the worker with quick ones (polls), and without keep-alive every request is a new
connection, so no worker is left holding a client's connections while another sits idle. See the
README's "Serving" for the measurements.

    gunicorn newsroom.wsgi --worker-class newsroom.serving.ThreadWorker --workers 2 --threads 4 --keep-alive 0
"""

from __future__ import annotations

import errno
import gc
import os
import sys
import time
from concurrent.futures import Future

from gunicorn.workers import gthread


# Seconds a new connection may take to send its request, as a web server allows for the headers.
REQUEST_WAIT = float(os.environ.get("NEWSROOM_REQUEST_WAIT_SECONDS", "10"))
# Milliseconds a thread that computes keeps the interpreter while another waits for it. Python's 5
# suits one long job; here a poll whose query has just returned waits behind an editor's admin
# form being rendered, once per round trip. bench/load.py, 200 readers and 6 editors: polls p50
# 19-25 -> 10-12 ms, p99 290-380 -> 180-290 ms, saves p50 160-190 -> 80-145 ms, more saves done.
SWITCH_INTERVAL_MS = float(os.environ.get("NEWSROOM_SWITCH_INTERVAL_MS", "1"))
# New container objects between runs of Python's collector over the young generation (its default: 700).
YOUNG_OBJECTS_BEFORE_COLLECTING = 10_000


class ThreadWorker(gthread.ThreadWorker):
    def init_process(self) -> None:
        sys.setswitchinterval(SWITCH_INTERVAL_MS / 1000)
        super().init_process()

    def load_wsgi(self) -> None:
        super().load_wsgi()
        from django.apps import apps

        if apps.ready:  # a Django application (not the tests' bare WSGI one)
            load_what_every_request_needs()
        # All of that lives as long as the worker. Frozen, Python's collector no longer walks its
        # ~115,000 objects at each full collection (gc.freeze's documented use): those took
        # 0.2-0.27 ms of each story page rendered with every cache empty, on average.
        gc.collect()
        gc.freeze()
        # A page allocates thousands of objects and frees nearly all by reference counting when it
        # is sent; at Python's default of 700 the collector walked the young ones about once per
        # story page. Counted under callgrind (story page, every cache empty, 30 requests after a
        # warm-up): 30.84 -> 30.45 million instructions a page; 50,000 did no better.
        gc.set_threshold(YOUNG_OBJECTS_BEFORE_COLLECTING, *gc.get_threshold()[1:])

    def accept(self, listener) -> None:
        try:
            client, address = listener.accept()
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        connection = gthread.TConn(self.cfg, client, address, listener.getsockname())
        # What a pool thread reports when a connection had nothing to read: the worker then
        # waits for the request in its event loop and hands it to a thread once it is there.
        waiting = Future()
        waiting.set_result(gthread._DEFER)
        self.finish_request(connection, waiting)
        # Every connection waiting here gets the same allowance, so they stay in expiry order.
        connection.timeout = time.monotonic() + max(self.cfg.keepalive, REQUEST_WAIT)


def load_what_every_request_needs() -> None:
    """Import the URLconf and compile the templates, which Django otherwise does on first use:
    then the first readers after a restart don't wait for them, and they are frozen with the rest."""
    from django.template import engines
    from django.urls import get_resolver

    get_resolver().url_patterns
    for engine in engines.all():
        environment = getattr(engine, "env", None)  # Jinja2's; Django's engine compiles on use
        if environment is not None:
            for name in environment.list_templates():
                environment.get_template(name)
