"""Django's PostgreSQL backend, with a connection health check that costs no round trip.

With CONN_HEALTH_CHECKS Django sends "SELECT 1" before the first query of every request that
reuses a connection, so a reader page whose only query is the site stamp made two round trips,
and each waits for the server and then for the worker's other threads to give the interpreter
back. What the check is for — a server that restarted, a backend that was terminated, a proxy
that closed an idle connection — the server says on the socket: it sends its FATAL message and
closes, so the idle connection has something to read. Nothing to read: the connection is as
good as a "SELECT 1" would find it, and the check is done. Anything to read: Django's own check
runs, and closes the connection when it fails (go-sql-driver/mysql checks a reused connection
the same way before its first query).
"""

import select

from django.db.backends.postgresql import base


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
    def close_if_health_check_failed(self):
        if (
            self.connection is not None and self.health_check_enabled and not self.health_check_done
            and not self.pool and not _has_something_to_read(self.connection)
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
