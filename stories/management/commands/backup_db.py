from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from stories.backups import backup_sqlite


class Command(BaseCommand):
    help = (
        "Back up the SQLite database to FILE while the server keeps running (SQLite online backup API). "
        "On PostgreSQL use pg_dump instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("output", type=Path, help="Where to write the copy (must not exist).")

    def handle(self, *args, output: Path, **options):
        if connection.vendor != "sqlite":
            raise CommandError(
                f"backup_db copies SQLite databases; this one is {connection.vendor}: use pg_dump."
            )
        if output.exists():
            raise CommandError(f"{output} already exists; choose a new file so no backup is overwritten.")
        if not output.parent.is_dir():
            raise CommandError(f"{output.parent} is not a directory.")
        pages = backup_sqlite(output)
        self.stdout.write(f"Backed up {pages:,} pages to {output}.")
