"""One benchmark configuration's setup, run in its own process with the configuration's environment.

    python bench/prepare.py --events N        migrate, build the synthetic story, print the endpoint
                                              list with SQL queries per request as JSON
    python bench/prepare.py --import-articles N   time importing N synthetic articles
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.templatetags.static import static  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench.synthetic import write_articles  # noqa: E402
from tests.factories import build_story  # noqa: E402
from stories.caching import clear_every_cache  # noqa: E402
from stories.ingest.seeds import load_seeds, read_seed_directory  # noqa: E402
from stories.models import Actor, Claim, Event, Source, Story, Update  # noqa: E402


def endpoints(story: Story) -> list[dict]:
    """The measured URLs, with any request headers (a current or stale ETag for the poll)."""
    update = Update.objects.published().filter(story=story).order_by("-posted_at").first()
    actor = Actor.objects.published().filter(claims__story=story).order_by("pk").first()
    claim = Claim.objects.published().filter(story=story).order_by("pk").first()
    event = Event.objects.published().filter(story=story).order_by("-occurred_at", "-pk").first()
    source = Source.objects.published().filter(citations__claim__story=story).order_by("pk").first()
    rows = [
        {"name": "static file (whitenoise)", "url": static("css/site.css")},
        {"name": "minimal Django view (/healthz)", "url": reverse("healthz"), "floor": True},
        {"name": "story page", "url": story.get_absolute_url()},
        {"name": "update permalink", "url": update.get_absolute_url()},
        {"name": "actor page", "url": actor.get_absolute_url()},
        {"name": "claim page", "url": claim.get_absolute_url()},
        {"name": "event page", "url": event.get_absolute_url()},
        {"name": "source page", "url": source.get_absolute_url()},
    ]
    rows.append({"name": "filtered claim list",
                 "url": reverse("stories:story-claims", kwargs={"slug": story.slug})
                 + "?verification_status=corroborated&kind=direct_quote"})
    rows.append({"name": "JSON API claim list", "url": reverse("api:claim-list") + f"?story={story.slug}"})
    poll = reverse("stories:update-poll", kwargs={"slug": story.slug})
    url = f"{poll}?after={story.update_sequence}"
    etag = Client().get(url).headers["ETag"]
    rows.append({"name": "updates poll, current ETag (304)", "url": url, "headers": {"If-None-Match": etag}})
    rows.append({"name": "updates poll, stale ETag (200)", "url": f"{poll}?after={max(story.update_sequence - 1, 0)}",
                 "headers": {"If-None-Match": '"stale"'}})
    return rows


def count_queries(rows: list[dict]) -> None:
    """SQL queries per request: on a cold render (caches emptied) and once rendered (warm)."""
    client = Client()
    for row in rows:
        counts = []
        clear_every_cache()
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(row["url"], headers=row.get("headers"))
            counts.append(len(queries))
        row["status"] = response.status_code
        row["queries"] = "/".join(map(str, counts))


def render_ms(url: str, *, cold: bool, times: int = 15) -> float:
    """Median time to render `url` in process with no whole-page cache: with every cache emptied
    first (cold, the worst case), or with the fragments the previous render left (warm)."""
    client = Client()
    timings = []
    with override_settings(NEWSROOM_STAMPED_PAGES=False, NEWSROOM_PAGE_CACHE_SECONDS=0):
        clear_every_cache()
        client.get(url)
        for _ in range(times):
            if cold:
                clear_every_cache()
            started = time.perf_counter()
            assert client.get(url).status_code == 200
            timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


RENDERED_EACH_TIME = ("story page", "update permalink", "actor page", "claim page", "event page", "source page")


def settle(database) -> None:
    """Statistics up to date and, on PostgreSQL, the freshly written rows vacuumed now, so that
    autovacuum does not wake up on them in the middle of a measurement (it did, at N = 10,000)."""
    with database.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if database.vendor == "postgresql" else "ANALYZE")


def prepare(events: int) -> dict:
    call_command("migrate", verbosity=0)
    story = build_story(events)
    settle(connection)
    rows = endpoints(story)
    count_queries(rows)
    rendered = [
        {**row, "name": f"{row['name']}, rendered each time"} for row in rows if row["name"] in RENDERED_EACH_TIME
    ]
    with override_settings(NEWSROOM_STAMPED_PAGES=False):
        count_queries(rendered)
    empty = [{**row, "name": f"{row['name'].removesuffix(', rendered each time')}, every cache empty",
              "queries": row["queries"].split("/")[0]} for row in rendered]
    return {"events": events, "endpoints": rows, "rendered_each_time": rendered, "every_cache_empty": empty,
            "cold_story_ms": render_ms(story.get_absolute_url(), cold=True),
            "warm_story_ms": render_ms(story.get_absolute_url(), cold=False)}


def time_import(count: int, batches: int = 4) -> dict:
    """Import the real seeds, then `count` synthetic articles in equal batches, timing each batch.

    Batches go into the same growing database, so a steady articles/s across them shows the
    import has no quadratic step.
    """
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    load_seeds(read_seed_directory(settings.NEWSROOM_SEEDS_DIR, max_bytes=settings.NEWSROOM_IMPORT_MAX_BYTES))
    seeds_seconds = time.perf_counter() - started
    per_batch = count // batches
    rates = []
    with tempfile.TemporaryDirectory() as directory:
        write_articles(Path(directory) / "all", count)
        files = sorted((Path(directory) / "all").iterdir())
        for batch in range(batches):
            batch_dir = Path(directory) / f"batch-{batch}"
            batch_dir.mkdir()
            for file in files[batch * per_batch:(batch + 1) * per_batch]:
                file.rename(batch_dir / file.name)
            started = time.perf_counter()
            load_seeds(read_seed_directory(batch_dir, max_bytes=settings.NEWSROOM_IMPORT_MAX_BYTES))
            rates.append(per_batch / (time.perf_counter() - started))
    return {"seeds_seconds": seeds_seconds, "articles": per_batch * batches, "batch_rates": rates}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int)
    parser.add_argument("--import-articles", type=int)
    args = parser.parse_args()
    result = prepare(args.events) if args.events else time_import(args.import_articles)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
