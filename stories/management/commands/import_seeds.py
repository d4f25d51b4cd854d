import logging
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from stories.ingest.report import SeedError
from stories.ingest.seeds import load_seeds, read_seed_directory

log = logging.getLogger("newsroom.import")


class Command(BaseCommand):
    help = "Import the article files and editorial annotations in seeds/ (idempotent, all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("--path", type=Path, default=settings.NEWSROOM_SEEDS_DIR,
                            help="Directory of *.txt articles and *.toml annotations (default: seeds/).")
        parser.add_argument("--dry-run", action="store_true",
                            help="Report what would change, write nothing.")

    def handle(self, *args, path: Path, dry_run: bool, verbosity: int, **options):
        try:
            seeds = read_seed_directory(path, max_bytes=settings.NEWSROOM_IMPORT_MAX_BYTES)
            report = load_seeds(seeds, dry_run=dry_run)
        except SeedError as error:
            log.error("import failed", extra={"path": str(path), "file": error.file, "problem": error.problem})
            raise CommandError(f"Import failed, nothing was written. {error}") from None
        log.info("import finished", extra={
            "path": str(path), "dry_run": dry_run, "articles": len(seeds.articles),
            "rows_created": report.total("created"), "rows_updated": report.total("updated"),
            "rows_unchanged": report.total("unchanged"), "flagged_citations": report.flagged_citations,
        })
        prefix = "Dry run, nothing written. Would import" if dry_run else "Imported"
        self.stdout.write(
            f"{prefix} {len(seeds.articles)} articles and {len(seeds.annotations)} annotation files: "
            f"{report.summary()}."
        )
        if verbosity >= 1:
            for line in report.lines():
                self.stdout.write(f"  {line}")
        if report.flagged_citations:
            self.stdout.write(self.style.WARNING(
                f"{report.flagged_citations} citations no longer match their changed source and are flagged for review."
            ))
