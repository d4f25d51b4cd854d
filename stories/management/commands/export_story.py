import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from stories.ingest.bundles import export_bundle
from stories.models import Story


class Command(BaseCommand):
    help = "Write a story, drafts included, with its sources, actors, events, claims and updates as one JSON bundle."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The story's slug.")
        parser.add_argument("--output", type=Path, help="File to write (default: standard output).")

    def handle(self, *args, slug: str, output: Path | None, verbosity: int, **options):
        story = Story.objects.filter(slug=slug).first()
        if story is None:
            raise CommandError(f"No story has the slug {slug!r}.")
        bundle = export_bundle(story)
        text = json.dumps(bundle, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        if output is None:
            self.stdout.write(text, ending="")
            return
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Could not write {output}: {error.strerror}.") from None
        if verbosity >= 1:
            self.stdout.write(
                f"Exported {slug!r} to {output}: {len(bundle['sources'])} sources, {len(bundle['actors'])} actors, "
                f"{len(bundle['events'])} events, {len(bundle['claims'])} claims, {len(bundle['updates'])} updates."
            )
