"""Score the quote and speaker finder against a brat-annotated folder (e.g. PolNeAR's dev split).

Needs no database: it reads the folder, runs ``find_quotes`` on every article and prints a
table.  See ``stories.extraction.evaluation`` for what counts as a quote and a right speaker.
"""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stories.extraction.brat import load_folder
from stories.extraction.evaluation import evaluate, table


class Command(BaseCommand):
    help = "Score quote spans and speakers against brat standoff annotations in PATH."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="folder of .txt files with .ann annotations")
        parser.add_argument("--limit", type=int, default=None, help="score only the first N articles")
        parser.add_argument("--errors", type=int, default=0, metavar="K", help="also list K wrong speakers")

    def handle(self, *args: object, path: Path, limit: int | None, errors: int, **options: object) -> None:
        if not path.is_dir():
            raise CommandError(f"{path} is not a folder; pass one holding .txt files and their .ann annotations.")
        report = evaluate(load_folder(path, limit=limit))
        if report.articles == 0:
            raise CommandError(f"No annotated articles under {path}: each .txt needs a .ann beside it "
                               "(or in ../attributions/, as PolNeAR lays them out).")
        width = max(len(name) for name, _ in table(report))
        for name, value in table(report):
            self.stdout.write(f"{name:<{width}}  {value:>14}")
        for miss in report.misses[:errors]:
            self.stdout.write(f"\n[{miss.error}] {miss.article}\n  quote:    {miss.quote[:100]}\n"
                              f"  found:    {miss.found}\n  expected: {miss.expected}\n  context:  {miss.context}")
