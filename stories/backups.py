"""Online backups of the SQLite database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from django.db import connection


def backup_sqlite(output: Path, *, pages_per_step: int = 1024) -> int:
    """Copy the live SQLite database to `output` page by page; writers are never blocked for long.

    Returns the number of pages copied. The copy is written to a temporary name and renamed,
    so a failed backup never leaves a half-written file under the requested name.
    """
    connection.ensure_connection()
    partial = output.with_name(output.name + ".partial")
    partial.unlink(missing_ok=True)
    target = sqlite3.connect(partial)
    try:
        connection.connection.backup(target, pages=pages_per_step)
        target.execute("PRAGMA journal_mode=DELETE")  # a self-contained single file
        pages = target.execute("PRAGMA page_count").fetchone()[0]
        (ok,) = target.execute("PRAGMA integrity_check").fetchone()
    finally:
        target.close()
    if ok != "ok":
        partial.unlink(missing_ok=True)
        raise RuntimeError(f"backup failed its integrity check: {ok}")
    partial.rename(output)
    return pages
