"""Indexes in the order readers see claims and sources, newest first with undated ones last, for
PostgreSQL only.

PostgreSQL reads a descending index with NULLs first, so `made_at DESC NULLS LAST` (claims) and
`source_published_at DESC NULLS LAST` (sources) could not use the indexes SQLite walks for the
same order: at 10,000 events it sorted each status's 2,000 claims to keep three, and every
source of the site to list 31. SQLite refuses NULLS LAST in an index and needs none: its NULLs
already sort first, so its descending walks end with them. Hence plain SQL, on PostgreSQL alone.
"""

from django.db import migrations

INDEXES = {
    "claim_story_newest_pg_idx": (
        "stories_claim",
        "story_id, status, review_state, verification_status, made_at DESC NULLS LAST, id DESC, published_at",
    ),
    "source_listed_order_pg_idx": ("stories_source", "source_published_at DESC NULLS LAST, title, id"),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, (table, columns) in INDEXES.items():
            schema_editor.execute(f'CREATE INDEX IF NOT EXISTS {name} ON "{table}" ({columns})')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("stories", "0017_actors_listed_people_first")]

    operations = [migrations.RunPython(create, drop)]
