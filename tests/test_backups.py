import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite online backup")
def test_backup_of_a_live_database_holds_every_row_written_before_it(tmp_path):
    """A real file database, a writer process running during the backup, then a restore check."""
    db = tmp_path / "live.sqlite3"
    env = {"DATABASE_URL": f"sqlite:///{db}", "DJANGO_DEBUG": "1", "PATH": "/usr/bin:/bin"}
    run = lambda *a: subprocess.run([sys.executable, "manage.py", *a], cwd=ROOT, env=env,  # noqa: E731
                                    capture_output=True, text=True, timeout=300)
    assert run("migrate", "-v0").returncode == 0
    assert run("import_seeds").returncode == 0

    stop = threading.Event()

    def keep_writing():
        writer = sqlite3.connect(db, timeout=20)
        n = 0
        while not stop.is_set():
            with writer:
                writer.execute("INSERT INTO django_session (session_key, session_data, expire_date) "
                               "VALUES (?, 'x', '2100-01-01')", (f"load-{n}",))
            n += 1
        writer.close()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    time.sleep(0.2)
    backup = tmp_path / "backup.sqlite3"
    result = run("backup_db", str(backup))
    stop.set()
    writer.join()
    assert result.returncode == 0, result.stderr
    assert "Backed up" in result.stdout

    copy = sqlite3.connect(backup)
    live = sqlite3.connect(db)
    for table in ("stories_story", "stories_claim", "stories_citation", "stories_event", "stories_source"):
        query = f"SELECT * FROM {table} ORDER BY id"
        assert copy.execute(query).fetchall() == live.execute(query).fetchall(), table
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT count(*) FROM django_session").fetchone()[0] > 0


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite online backup")
def test_backup_refuses_to_overwrite_an_existing_file(tmp_path):
    existing = tmp_path / "backup.sqlite3"
    existing.write_text("an older backup")
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup_db", str(existing))
    assert existing.read_text() == "an older backup"


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor == "sqlite", reason="only PostgreSQL refuses")
def test_backup_on_postgresql_points_to_pg_dump(tmp_path):
    with pytest.raises(CommandError, match="pg_dump"):
        call_command("backup_db", str(tmp_path / "x"))
