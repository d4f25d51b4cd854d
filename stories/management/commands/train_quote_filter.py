"""Learn the quote filter's weights from a brat-annotated folder (PolNeAR's data/train).

Writes ``stories/extraction/quote_filter.json`` (or ``--output``); the same folder always gives
the same file.  Needs no database.
"""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stories.extraction import quote_filter
from stories.extraction.brat import load_folder
from stories.extraction.evaluation import train_quote_filter


class Command(BaseCommand):
    help = "Train the scare-quote filter of find_quotes on brat standoff annotations in PATH."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="folder of .txt files with .ann annotations (PolNeAR data/train)")
        parser.add_argument("--output", type=Path, default=quote_filter.WEIGHTS_FILE, help="where to write the weights")

    def handle(self, *args: object, path: Path, output: Path, **options: object) -> None:
        if not path.is_dir():
            raise CommandError(f"{path} is not a folder; pass one holding .txt files and their .ann annotations.")
        articles = list(load_folder(path))
        if not articles:
            raise CommandError(f"No annotated articles under {path}.")
        weights = train_quote_filter(articles)
        quote_filter.save(weights, output)
        self.stdout.write(f"{len(articles)} articles, {len(weights)} weights -> {output}")
