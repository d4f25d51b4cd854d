import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from stories.ingest.bundles import import_bundle
from stories.ingest.report import BundleError


class Command(BaseCommand):
    help = "Import a story bundle written by export_story (idempotent, all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The JSON bundle.")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change, write nothing.")

    def handle(self, *args, file: Path, dry_run: bool, verbosity: int, **options):
        try:
            bundle = json.loads(file.read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"Could not read {file}: {error.strerror}.") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CommandError(f"{file} is not a UTF-8 JSON story bundle: {error}.") from None
        try:
            story, report = import_bundle(bundle, dry_run=dry_run, name=file.name)
        except BundleError as error:
            raise CommandError(f"Import failed, nothing was written. {file}: {str(error).rstrip('.')}.") from None
        prefix = "Dry run, nothing written. Would import" if dry_run else "Imported"
        self.stdout.write(f"{prefix} story {story.slug!r}: {report.summary()}.")
        if verbosity >= 2:
            for line in report.lines():
                self.stdout.write(f"  {line}")
