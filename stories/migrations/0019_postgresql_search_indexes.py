"""Text indexes for search on PostgreSQL only.

Search built each row's weighted text vector on every query: at 10,000 events a search read and
parsed every update, event, claim and source text, 580–670 ms of server time. A GIN index on the
same expression (`stories.search.search_vector`) lets PostgreSQL find the matching rows first;
it uses the index only while the query's expression is the very same, which
tests/test_search.py holds for every kind. A claim's own fields are indexed; its claimant's name
comes from another table (stories/search.py). SQLite searches by substring and gets none.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

# (model, index name, field -> weight), as stories.search.KINDS weighs them.
INDEXES = [
    ("Story", "story_search_idx", {"title": "A", "standfirst": "B", "key_developments": "C"}),
    ("Update", "update_search_idx", {"headline": "A", "body": "B"}),
    ("Claim", "claim_search_idx", {"text": "A", "claimant_description": "C", "verification_note": "D"}),
    ("Event", "event_search_idx", {"title": "A", "place": "B", "description": "C"}),
    ("Actor", "actor_search_idx", {"name": "A", "role_title": "B", "bio": "C"}),
    ("Source", "source_search_idx", {"title": "A", "publisher": "B", "text": "D"}),
]


def _index(name: str, fields: dict[str, str]) -> GinIndex:
    vector = None
    for field, weight in fields.items():
        part = SearchVector(field, weight=weight, config="english")
        vector = part if vector is None else vector + part
    return GinIndex(vector, name=name)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for model, name, fields in INDEXES:
            schema_editor.add_index(apps.get_model("stories", model), _index(name, fields))


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for _, name, _ in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("stories", "0018_postgresql_newest_first_indexes")]

    operations = [migrations.RunPython(create, drop)]
