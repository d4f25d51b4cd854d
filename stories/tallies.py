"""How many updates, events and claims readers can see in a story, without counting them.

The story page offers "Show all 10,000 updates" and heads each group of claims with its size.
Counting those rows on every render grew with the story: 7 ms of a 23 ms page at 10,000 events,
and every first reader after an edit paid it. The database keeps the counts instead. A trigger
on each of the three tables adds one to a story's tally when a row becomes published (a claim:
published and accepted) and takes one away when it stops being so or moves to another story,
whatever made the write: a form, `QuerySet.update()`, `bulk_create`, a deletion, a cascade, raw
SQL, a truncate. No Python path has to remember it.

Readers see a published row only once its publication time has come, so a count is the tally
less the story's rows still scheduled: `scheduled()`, the publishing rule's other half, over the
few future rows only (the `*_story_scheduled_idx` indexes).

On PostgreSQL each database session adds to its own slot (backend pid modulo `SLOTS`), as the
content stamp does, so editors publishing at once never queue on one row; a tally is the sum.
The triggers are installed by a migration and again, with every tally counted afresh, after every
`migrate`: SQLite drops a table's triggers when a migration rebuilds it, and nothing a migration
wrote meanwhile can leave a count wrong.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import F, Value
from django.utils import timezone

from .compiled import CompiledQuery, CompiledSQL
from .models import Claim, Event, PublicationStatus, ReviewState, Story, Update, VerificationStatus

TABLE = "stories_story_tally"
TRIGGER = "stories_tally"
SLOTS = 64


@dataclass(frozen=True)
class Tallied:
    """One table whose published rows are tallied per story, and per `bucket` column if any."""

    kind: str
    model: type
    bucket: str = ""
    extra_condition: str = ""

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    def counted(self, row: str) -> str:
        """SQL: the row (NEW or OLD) counts towards its story's tally."""
        condition = f"{row}.story_id IS NOT NULL AND {row}.status = '{PublicationStatus.PUBLISHED.value}'"
        return condition + (f" AND {row}.{self.extra_condition}" if self.extra_condition else "")

    def bucket_of(self, row: str) -> str:
        return f"{row}.{self.bucket}" if self.bucket else "''"

    def watched_columns(self) -> list[str]:
        columns = ["story_id", "status", self.bucket, self.extra_condition.split(" ")[0]]
        return [column for column in columns if column]


TALLIED = [
    Tallied("update", Update),
    Tallied("event", Event),
    Tallied("claim", Claim, bucket="verification_status",
            extra_condition=f"review_state = '{ReviewState.ACCEPTED.value}'"),
]


# --- Installing ---------------------------------------------------------------------------------


def install_tallies(connection) -> None:
    """Create the tally table and the triggers (idempotent), then count every tally afresh."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _install_postgresql(cursor)
        elif connection.vendor == "sqlite":
            _install_sqlite(cursor)
        else:
            raise NotImplementedError(f"Tallies have no triggers for {connection.vendor}.")
        recount(cursor)


def recount(cursor) -> None:
    """Replace every tally with a fresh count of the rows."""
    cursor.execute(f'DELETE FROM "{TABLE}"')
    for tallied in TALLIED:
        cursor.execute(
            f'INSERT INTO "{TABLE}" (story_id, kind, bucket, slot, n) '
            f"SELECT r.story_id, %s, {tallied.bucket_of('r')}, 0, COUNT(*) FROM \"{tallied.table}\" r "
            f"WHERE {tallied.counted('r')} GROUP BY r.story_id{', r.' + tallied.bucket if tallied.bucket else ''}",
            [tallied.kind],
        )


def _create_table(cursor, n_type: str) -> None:
    cursor.execute(
        f'CREATE TABLE IF NOT EXISTS "{TABLE}" (story_id bigint NOT NULL, kind varchar(10) NOT NULL, '
        f"bucket varchar(20) NOT NULL, slot integer NOT NULL, n {n_type} NOT NULL, "
        f"PRIMARY KEY (story_id, kind, bucket, slot))"
    )


def _install_sqlite(cursor) -> None:
    _create_table(cursor, "integer")
    # One writer at a time, so one slot. A decrement only updates: the row it takes from was made
    # by the increment (a flush that empties the tally first leaves nothing to take from).
    for tallied in TALLIED:
        add = (
            f'INSERT INTO "{TABLE}" (story_id, kind, bucket, slot, n) '
            f"VALUES (NEW.story_id, '{tallied.kind}', {tallied.bucket_of('NEW')}, 0, 1) "
            f"ON CONFLICT (story_id, kind, bucket, slot) DO UPDATE SET n = n + 1"
        )
        take = (
            f'UPDATE "{TABLE}" SET n = n - 1 WHERE story_id = OLD.story_id AND kind = \'{tallied.kind}\' '
            f"AND bucket = {tallied.bucket_of('OLD')} AND slot = 0"
        )
        same = (
            f"({tallied.counted('OLD')} AND {tallied.counted('NEW')} AND OLD.story_id = NEW.story_id "
            f"AND {tallied.bucket_of('OLD')} = {tallied.bucket_of('NEW')})"
        )
        columns = ", ".join(tallied.watched_columns())
        for name, event, when, action in (
            ("insert", "INSERT", tallied.counted("NEW"), add),
            ("delete", "DELETE", tallied.counted("OLD"), take),
            ("update_out", f"UPDATE OF {columns}", f"{tallied.counted('OLD')} AND NOT {same}", take),
            ("update_in", f"UPDATE OF {columns}", f"{tallied.counted('NEW')} AND NOT {same}", add),
        ):
            cursor.execute(
                f'CREATE TRIGGER IF NOT EXISTS "{TRIGGER}_{tallied.table}_{name}" AFTER {event} ON "{tallied.table}" '
                f"FOR EACH ROW WHEN {when} BEGIN {action}; END"
            )


def _install_postgresql(cursor) -> None:
    _create_table(cursor, "bigint")
    for tallied in TALLIED:
        function = f"{TRIGGER}_{tallied.kind}"

        def change(row: str, by: int) -> str:
            return (
                f'INSERT INTO "{TABLE}" (story_id, kind, bucket, slot, n) '
                f"VALUES ({row}.story_id, '{tallied.kind}', {tallied.bucket_of(row)}, pg_backend_pid() % {SLOTS}, {by}) "
                f'ON CONFLICT (story_id, kind, bucket, slot) DO UPDATE SET n = "{TABLE}".n + ({by});'
            )

        cursor.execute(f"""
            CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                was boolean := TG_OP IN ('UPDATE', 'DELETE') AND ({tallied.counted('OLD')});
                is_now boolean := TG_OP IN ('INSERT', 'UPDATE') AND ({tallied.counted('NEW')});
            BEGIN
                IF TG_OP = 'UPDATE' AND was AND is_now AND OLD.story_id = NEW.story_id
                   AND {tallied.bucket_of('OLD')} = {tallied.bucket_of('NEW')} THEN
                    RETURN NULL;
                END IF;
                IF was THEN {change('OLD', -1)} END IF;
                IF is_now THEN {change('NEW', 1)} END IF;
                RETURN NULL;
            END $$
        """)
        cursor.execute(f"""
            CREATE OR REPLACE FUNCTION {function}_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                DELETE FROM "{TABLE}" WHERE kind = '{tallied.kind}';
                RETURN NULL;
            END $$
        """)
        columns = ", ".join(tallied.watched_columns())
        cursor.execute(
            f'CREATE OR REPLACE TRIGGER {function} AFTER INSERT OR DELETE OR UPDATE OF {columns} '
            f'ON "{tallied.table}" FOR EACH ROW EXECUTE FUNCTION {function}()'
        )
        cursor.execute(
            f'CREATE OR REPLACE TRIGGER {function}_truncated AFTER TRUNCATE '
            f'ON "{tallied.table}" FOR EACH STATEMENT EXECUTE FUNCTION {function}_truncated()'
        )


def remove_tallies(connection) -> None:
    """Drop the triggers and the tally table (the migration's reverse)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for tallied in TALLIED:
                function = f"{TRIGGER}_{tallied.kind}"
                cursor.execute(f'DROP TRIGGER IF EXISTS {function} ON "{tallied.table}"')
                cursor.execute(f'DROP TRIGGER IF EXISTS {function}_truncated ON "{tallied.table}"')
                cursor.execute(f"DROP FUNCTION IF EXISTS {function}()")
                cursor.execute(f"DROP FUNCTION IF EXISTS {function}_truncated()")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", [f"{TRIGGER}_%"])
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
        cursor.execute(f'DROP TABLE IF EXISTS "{TABLE}"')


def install_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """post_migrate: triggers on tables a migration created or rebuilt, and every tally recounted."""
    connection = connections[using]
    if TABLE in connection.introspection.table_names():
        install_tallies(connection)


# --- Reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoryCounts:
    update_count: int
    event_count: int
    claims_by_status: dict


def _scheduled(now):
    # Every row of the site scheduled for later (few: an index range over the future only),
    # sorted out by story, and for claims by review state, here. With any other condition in the
    # SQL, SQLite without statistics chose that condition's index and read every row it matched.
    def rows(model, bucket="", accepted=""):
        return (
            model.objects.scheduled(now=now).order_by()
            .annotate(
                kind_name=Value(model._meta.model_name),
                bucket_name=F(bucket) if bucket else Value(""),
                accepted_name=F(accepted) if accepted else Value(ReviewState.ACCEPTED.value),
            )
            .values_list("story_id", "kind_name", "bucket_name", "accepted_name")
        )

    return rows(Update).union(rows(Event), rows(Claim, "verification_status", "review_state"), all=True)


_SCHEDULED = CompiledQuery(_scheduled, now=datetime)
_NAMES = ["update", "event", *VerificationStatus.values]


_TALLIES = CompiledSQL(
    f'SELECT kind, bucket, SUM(n) FROM "{TABLE}" WHERE story_id = %(story)s GROUP BY kind, bucket', story=int,
)


def story_counts_calls(story: Story, *, now: datetime) -> list[tuple[CompiledQuery, dict]]:
    """story_counts()'s compiled queries and their values, for a page that sends its queries
    ahead (compiled.sending_ahead)."""
    return [(_TALLIES, {"story": story.pk}), (_SCHEDULED, {"now": now})]


def story_counts(story: Story, *, now: datetime | None = None, using: str = DEFAULT_DB_ALIAS) -> StoryCounts:
    """How many updates, events and claims (by verification status) readers can see in `story`
    now: two queries, whatever the story's size."""
    now = now or timezone.now()
    tallies = {
        (kind if kind != "claim" else bucket): int(n) for kind, bucket, n in _TALLIES.rows(story=story.pk, using=using)
    }
    later = Counter(
        (kind if kind != "claim" else bucket)
        for story_id, kind, bucket, review_state in _SCHEDULED.rows(now=now, using=using)
        if story_id == story.pk and review_state == ReviewState.ACCEPTED
    )
    counts = {name: tallies.get(name, 0) - later[name] for name in _NAMES}
    return StoryCounts(
        update_count=counts["update"],
        event_count=counts["event"],
        claims_by_status={status: n for status in VerificationStatus.values if (n := counts[status]) > 0},
    )
