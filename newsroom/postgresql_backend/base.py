"""Django's PostgreSQL backend, with a connection health check that costs no round trip and
timestamps read by psycopg's compiled loader.

With CONN_HEALTH_CHECKS Django sends "SELECT 1" before the first query of every request that
reuses a connection, so a reader page whose only query is the site stamp made two round trips,
and each waits for the server and then for the worker's other threads to give the interpreter
back. What the check is for — a server that restarted, a backend that was terminated, a proxy
that closed an idle connection — the server says on the socket: it sends its FATAL message and
closes, so the idle connection has something to read. Nothing to read: the connection is as
good as a "SELECT 1" would find it, and the check is done. Anything to read: Django's own check
runs, and closes the connection when it fails (go-sql-driver/mysql checks a reused connection
the same way before its first query).

Django reads every timestamptz through its own loader, a Python subclass of psycopg's pure-Python
one that then replaces the tzinfo with the connection's time zone: about 4 µs a value, and a story
page reads some 500. psycopg's compiled loader gives the same aware datetime when the session's
time zone is UTC, which Django sets on every connection (ensure_timezone) when the project's is,
in an eighth of the time.
"""

import datetime
import select

import psycopg
from django.db.backends.postgresql import base
from psycopg.adapt import Loader
from psycopg.pq import Format

_TIMESTAMPTZ = psycopg.adapters.types["timestamptz"].oid
# psycopg's own loader: the compiled one when psycopg's C implementation is installed.
_PSYCOPG_TIMESTAMPTZ_LOADER = psycopg.adapters.get_loader(_TIMESTAMPTZ, Format.TEXT)


class UTCTimestamptzLoader(Loader):
    """timestamptz → datetime in UTC, parsed by psycopg's loader for a session in UTC.

    The compiled loader cannot be subclassed, so each instance takes its bound `load`: the row
    loop calls it directly. `timezone` is what Django's cursors compare with their connection's
    to decide whether to register their own loader (they don't: it is UTC).
    """

    timezone = datetime.timezone.utc

    def __init__(self, oid, context=None):
        super().__init__(oid, context)
        self.load = _PSYCOPG_TIMESTAMPTZ_LOADER(oid, context).load

    def load(self, data):  # the instance's attribute (set above) is the one called
        raise NotImplementedError


def _has_something_to_read(connection) -> bool:
    """Whether the server has written to, or closed, an idle connection."""
    if connection.closed or connection.broken:
        return True
    try:
        socket = connection.pgconn.socket
    except base.Database.OperationalError:  # libpq has already dropped it
        return True
    poller = select.poll()
    poller.register(socket, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        if self.timezone is datetime.timezone.utc and self.timezone_name == "UTC":
            connection.adapters.register_loader(_TIMESTAMPTZ, UTCTimestamptzLoader)
        return connection

    def close_if_health_check_failed(self):
        if (
            self.connection is not None and self.health_check_enabled and not self.health_check_done
            and not self.pool and not _has_something_to_read(self.connection)
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
