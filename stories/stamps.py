"""What changed: the one definition of "something readers may see is different now".

Every cache keyed on content — whole pages, story-page sections, per-object fragments, API
answers, the poll's update HTML — keys on `site_stamp()`, which has two parts:

- **A version the database moves itself.** A trigger on every table of the app (and on the user
  table, whose names readers see in bylines) bumps it on every insert, update, delete and
  truncate, whatever made the write: a form, `QuerySet.update()`, `bulk_create`, a
  many-to-many link, a deletion, a bundle import, raw SQL in a shell. No Python code has to
  remember to do it, so no write path can miss it. The triggers are installed by a migration
  and again after every `migrate` (`post_migrate`), so a model added later, or a table that
  SQLite rebuilt while altering it, is covered without anyone remembering to.
- **The next moment scheduled content comes out**, so an item whose publication time passes
  counts as a change although nothing was written.

The version is a committed row, so a reader never sees a version without the writes that moved
it: a page rendered under version N shows at least N's writes. On PostgreSQL each database
session bumps its own slot row (backend pid modulo `SLOTS`) and the version is their sum, so
concurrent editors do not queue on a single row lock, and the sum still moves at every commit.

The table is not a Django model on purpose: `flush` (tests, `manage.py flush`) empties every
model table, and a version that went back to zero would hand out pages cached before it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from .compiled import can_prepare, execute_prepared

VERSION_TABLE = "stories_content_version"
TRIGGER = "stories_content_changed"
SLOTS = 64


# --- Installing the triggers ------------------------------------------------------------------


def tracked_tables() -> list[str]:
    """Every table whose rows readers could see, directly or through what they feed: all of the
    app's tables (models, history, many-to-many links) and the user table (bylines)."""
    config = apps.get_app_config("stories")
    models = [m for m in config.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy]
    models.append(apps.get_model(settings.AUTH_USER_MODEL))
    return sorted({model._meta.db_table for model in models})


def install_change_tracking(connection) -> None:
    """Create the version table and a trigger on every tracked table that lacks one (idempotent)."""
    existing = set(connection.introspection.table_names())
    tables = [table for table in tracked_tables() if table in existing]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _install_postgresql(cursor, tables)
        elif connection.vendor == "sqlite":
            _install_sqlite(cursor, tables)
        else:
            raise NotImplementedError(f"Change tracking has no triggers for {connection.vendor}.")


def _install_sqlite(cursor, tables: list[str]) -> None:
    cursor.execute(f'CREATE TABLE IF NOT EXISTS "{VERSION_TABLE}" (slot integer PRIMARY KEY, n integer NOT NULL)')
    cursor.execute(f'INSERT OR IGNORE INTO "{VERSION_TABLE}" (slot, n) VALUES (0, 0)')
    # SQLite has only row-level triggers; one write transaction at a time, so one row.
    for table in tables:
        for operation in ("INSERT", "UPDATE", "DELETE"):
            cursor.execute(
                f'CREATE TRIGGER IF NOT EXISTS "{TRIGGER}_{table}_{operation.lower()}" AFTER {operation} '
                f'ON "{table}" BEGIN UPDATE "{VERSION_TABLE}" SET n = n + 1 WHERE slot = 0; END'
            )


def _install_postgresql(cursor, tables: list[str]) -> None:
    cursor.execute(f'CREATE TABLE IF NOT EXISTS "{VERSION_TABLE}" (slot integer PRIMARY KEY, n bigint NOT NULL)')
    cursor.execute(f"""
        CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO "{VERSION_TABLE}" (slot, n) VALUES (pg_backend_pid() % {SLOTS}, 1)
            ON CONFLICT (slot) DO UPDATE SET n = "{VERSION_TABLE}".n + 1;
            RETURN NULL;
        END $$
    """)
    cursor.execute(
        "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE t.tgname = %s AND pg_table_is_visible(c.oid)", [TRIGGER],
    )
    installed = {row[0] for row in cursor.fetchall()}
    for table in tables:
        if table not in installed:
            cursor.execute(
                f'CREATE OR REPLACE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
                f'ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}()'
            )


def remove_change_tracking(connection) -> None:
    """Drop the triggers and the version table (the migration's reverse)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in connection.introspection.table_names():
                cursor.execute(f'DROP TRIGGER IF EXISTS {TRIGGER} ON "{table}"')
            cursor.execute(f"DROP FUNCTION IF EXISTS {TRIGGER}()")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", [f"{TRIGGER}_%"])
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
        cursor.execute(f'DROP TABLE IF EXISTS "{VERSION_TABLE}"')


def install_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """post_migrate: cover tables created (or rebuilt by SQLite) since the triggers were made."""
    connection = connections[using]
    if VERSION_TABLE in connection.introspection.table_names():
        install_change_tracking(connection)


# --- Reading the stamp ------------------------------------------------------------------------


_SENTINEL = datetime(1901, 1, 1, tzinfo=UTC)
# Per database vendor: the stamp's SQL, its parameters, and which of them are "now".
_compiled: dict[str, tuple[str, list, list[int]]] = {}
PREPARED_STAMP = "newsroom_site_stamp"


def _publishable_models() -> list:
    from .models import Publishable

    config = apps.get_app_config("stories")
    return [model for model in config.get_models() if issubclass(model, Publishable)]


def _stamp_sql(connection) -> tuple[str, list, list[int]]:
    """The stamp's SQL, compiled once per database: compiling it costs more than running it.
    Also returns the positions of the parameters that take `now` on each call."""
    parts = []
    for model in _publishable_models():
        queryset = model.objects.scheduled(now=_SENTINEL).order_by("published_at").values("published_at")[:1]
        parts.append(queryset.query.sql_with_params())
    selects = [f'(SELECT sum(n) FROM "{VERSION_TABLE}")'] + [f"({sql})" for sql, _ in parts]
    params = [param for _, part_params in parts for param in part_params]
    sentinel = connection.ops.adapt_datetimefield_value(_SENTINEL)
    now_at = [position for position, param in enumerate(params) if param == sentinel]
    return "SELECT " + ", ".join(selects), params, now_at


def site_stamp() -> str:
    """Changes whenever anything readers can see anywhere changes: one query.

    The database's change version, and the next moment scheduled content comes out (so it
    counts as changed once it is due).
    """
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor not in _compiled:
        _compiled[connection.vendor] = _stamp_sql(connection)
    sql, params, now_at = _compiled[connection.vendor]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    call_params = list(params)
    for position in now_at:
        call_params[position] = now
    with connection.cursor() as cursor:
        if can_prepare(connection):
            # Planning the stamp's subqueries on every call cost most of the query (pgbench:
            # 0.8 ms planned each time, 0.1 ms prepared).
            execute_prepared(connection, cursor, PREPARED_STAMP, sql, call_params, now_at)
        else:
            cursor.execute(sql, call_params)
        version, *next_due = cursor.fetchone()
    due = min((str(moment) for moment in next_due if moment is not None), default="")
    return f"{version}|{due}"


def request_stamp(request) -> str:
    """site_stamp(), read once per request and shared by every cache the request consults."""
    stamp = getattr(request, "_newsroom_stamp", None) if request is not None else None
    if stamp is None:
        stamp = site_stamp()
        if request is not None:
            request._newsroom_stamp = stamp
    return stamp
