"""What the database does for a query, for tests that a page's cost does not grow with the site."""

import json

from django.db import connection


def rows_through_plan(plan) -> int:
    """The rows every node of an `EXPLAIN (ANALYZE, FORMAT JSON)` plan handled, all loops counted:
    those it passed on and those it read and filtered out."""
    plan = json.loads(plan) if isinstance(plan, str) else plan
    nodes, rows = [plan[0]["Plan"]], 0
    while nodes:
        node = nodes.pop()
        handled = node["Actual Rows"] + node.get("Rows Removed by Filter", 0) + node.get("Rows Removed by Index Recheck", 0)
        rows += handled * node["Actual Loops"]
        nodes.extend(node.get("Plans", []))
    return rows


def gather_statistics_as_autovacuum_would() -> None:
    """PostgreSQL analyses a table soon after many rows arrive; SQLite only when told (here: never)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
