"""Exports: events as CSV and TimelineJS, and the story bundle that moves a story between instances."""

import csv
import io
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from stories.dates import Precision, parse_moment
from stories.models import (
    Actor,
    Claim,
    ClaimStatusChange,
    Correction,
    Event,
    ImportRecord,
    PublicationStatus,
    Source,
    Story,
    Update,
)
from stories.publishing import record_update_change
from tests.factories import cite, make_event, make_story, make_update

pytestmark = pytest.mark.django_db
PROJECT = Path(settings.BASE_DIR)
SLUG = "us-china-trade-talks-london-2025"


@pytest.fixture
def seeded():
    call_command("import_seeds", stdout=io.StringIO())
    story = Story.objects.get(slug=SLUG)
    # What editors add after the import: updates (one corrected, one draft) and an event of their own.
    update = make_update(story=story, headline="Talks reconvene", body="Day two.", is_pinned=True)
    Correction.objects.create(update=update, note="An earlier version said day three.")
    record_update_change(update=update)
    make_update(story=story, headline="Unchecked", status=PublicationStatus.DRAFT, published_at=None)
    event = make_event(story=story, title="Lunch break", precision=Precision.MINUTE,
                       occurred_at=timezone.now() - timedelta(hours=2))
    source = Source.objects.get(imported_from__startswith="2025-06-10")
    cite(source, "reconvened at Lancaster House", event=event, relation="supports")
    update.events.add(event)
    claim = Claim.objects.filter(story=story, status_changes__isnull=False).first()
    ClaimStatusChange.objects.create(claim=claim, from_status=claim.verification_status,
                                     to_status=claim.verification_status, note="Re-checked", prompted_by_update=update)
    return story


def wipe_database():
    """Empty every table the bundle fills, as on a fresh instance."""
    Claim.objects.all().delete()
    Story.objects.all().delete()
    Source.objects.all().delete()
    Actor.objects.all().delete()
    ImportRecord.objects.all().delete()


def export(slug=SLUG) -> dict:
    out = io.StringIO()
    call_command("export_story", slug, stdout=out)
    return json.loads(out.getvalue())


def import_file(tmp_path, bundle, name="bundle.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(bundle), encoding="utf-8")
    out = io.StringIO()
    call_command("import_story", str(path), stdout=out)
    return out.getvalue()


def assert_same_bundle(first: dict, second: dict) -> None:
    """Field by field, naming the first difference."""
    assert first.keys() == second.keys()
    assert first["story"] == second["story"]
    for section in ("actors", "sources", "events", "claims", "updates"):
        assert len(first[section]) == len(second[section]), section
        for a, b in zip(first[section], second[section], strict=True):
            for field in a:
                assert a[field] == b[field], f"{section} {a.get('slug') or a.get('key')}: {field} differs"
    assert first == second


# --- CSV and TimelineJS ----------------------------------------------------------------------------


def test_events_csv_has_published_events_at_their_precision(client, seeded):
    hidden = make_event(story=seeded, title="Secret meeting", status=PublicationStatus.DRAFT, published_at=None)
    response = client.get(reverse("stories:story-events-csv", kwargs={"slug": SLUG}))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == Event.objects.published().filter(story=seeded).count()
    assert hidden.title not in response.content.decode()
    geneva = next(row for row in rows if "Geneva" in row["title"] and row["precision"] == "month")
    assert geneva["start"] == "2025-05" and geneva["when"].startswith("May 2025")


def test_events_csv_names_each_events_published_people_and_follows_an_edit(client, settings):
    from stories.models import EventParticipation
    from tests.factories import make_actor

    settings.NEWSROOM_STAMPED_PAGES = True
    story = make_story()
    talks, dinner = make_event(story=story, title="Talks"), make_event(story=story, title="Dinner")
    for name, event in (("Wang Wentao", talks), ("Howard Lutnick", talks), ("Jamieson Greer", dinner)):
        EventParticipation.objects.create(event=event, actor=make_actor(name=name))
    hidden = make_actor(name="Unnamed official", status=PublicationStatus.DRAFT, published_at=None)
    EventParticipation.objects.create(event=talks, actor=hidden)
    url = reverse("stories:story-events-csv", kwargs={"slug": story.slug})

    def actors() -> dict[str, str]:
        return {row["title"]: row["actors"] for row in csv.DictReader(io.StringIO(client.get(url).content.decode()))}

    assert actors() == {"Talks": "Howard Lutnick; Wang Wentao", "Dinner": "Jamieson Greer"}
    hidden.status, hidden.published_at = PublicationStatus.PUBLISHED, timezone.now()
    hidden.save()
    assert actors()["Talks"] == "Howard Lutnick; Unnamed official; Wang Wentao", "the kept download moved on"
    assert client.get(url)["Content-Disposition"] == f'attachment; filename="{story.slug}-events.csv"'


def test_events_csv_keeps_formulas_as_text(client):
    story = make_story()
    make_event(story=story, title="=HYPERLINK(\"http://evil\")")
    body = client.get(reverse("stories:story-events-csv", kwargs={"slug": story.slug})).content.decode()
    assert next(csv.DictReader(io.StringIO(body)))["title"] == "'=HYPERLINK(\"http://evil\")"


def test_timelinejs_dates_name_only_the_known_parts(client):
    story = make_story(timezone="Europe/London")
    month, _ = parse_moment("2025-05", story.tzinfo)
    minute, _ = parse_moment("2025-06-10T10:30", story.tzinfo)
    make_event(story=story, title="Geneva <truce>", occurred_at=month, precision=Precision.MONTH)
    make_event(story=story, title="Day two", occurred_at=minute, precision=Precision.MINUTE)
    make_event(story=story, title="Draft", status=PublicationStatus.DRAFT, published_at=None)
    data = client.get(reverse("stories:story-timeline-json", kwargs={"slug": story.slug})).json()
    assert [e["start_date"] for e in data["events"]] == [
        {"year": "2025", "month": "5", "display_date": "May 2025"},
        {"year": "2025", "month": "6", "day": "10", "hour": "10", "minute": "30",
         "display_date": "June 10, 2025, 10:30 BST"},
    ]
    assert data["events"][0]["text"]["headline"] == "Geneva &lt;truce&gt;"


def test_exports_of_a_draft_story_are_404(client):
    story = make_story(status=PublicationStatus.DRAFT, published_at=None)
    assert client.get(reverse("stories:story-events-csv", kwargs={"slug": story.slug})).status_code == 404
    assert client.get(reverse("stories:story-timeline-json", kwargs={"slug": story.slug})).status_code == 404


# --- The bundle ----------------------------------------------------------------------------------


def test_bundle_round_trip_is_lossless(tmp_path, seeded):
    first = export()
    assert {len(first[s]) > 0 for s in ("actors", "sources", "events", "claims", "updates")} == {True}
    assert any(u["corrections"] for u in first["updates"])
    assert any(u["status"] == "draft" for u in first["updates"])
    assert all(s["sha256"] and s["text"] for s in first["sources"])
    wipe_database()
    assert not Story.objects.exists()

    import_file(tmp_path, first)

    assert_same_bundle(first, export())


def test_importing_twice_or_into_the_origin_creates_nothing(tmp_path, seeded):
    bundle = export()
    counts = {model: model.objects.count() for model in (Story, Event, Claim, Update, Source, Actor, Correction)}
    # Rows that had no natural key take their export key the first time (an update, not a copy).
    assert " 0 created, 3 updated," in import_file(tmp_path, bundle)
    assert " 0 created, 0 updated," in import_file(tmp_path, bundle)
    assert {model: model.objects.count() for model in counts} == counts
    assert export() == bundle


def test_status_steps_from_a_bundle_are_shown_as_imported_from_it_not_as_checks(tmp_path, seeded):
    bundle = export()
    wipe_database()
    import_file(tmp_path, bundle, name="london.json")
    steps = ClaimStatusChange.objects.all()
    assert steps
    assert {(s.via, s.imported_from, s.changed_by) for s in steps} == {
        ("import", "the story bundle london.json", None),
    }


def test_dry_run_writes_nothing(tmp_path, seeded):
    bundle = export()
    wipe_database()
    path = tmp_path / "b.json"
    path.write_text(json.dumps(bundle))
    out = io.StringIO()
    call_command("import_story", str(path), "--dry-run", stdout=out)
    assert out.getvalue().startswith("Dry run, nothing written.")
    assert not Story.objects.exists()


@pytest.mark.parametrize("spoil, message", [
    (lambda b: b["sources"][0].update(text=b["sources"][0]["text"][:-40]), "does not match its sha256"),
    (lambda b: b["claims"][0]["citations"][0].update(start=b["claims"][0]["citations"][0]["start"] + 1), "excerpt"),
    (lambda b: b["events"][0].update(precision="fortnight"), "precision"),
    (lambda b: b["events"][0].update(occurred_at="2025-06-09T10:00:00"), "occurred_at"),
    (lambda b: b["claims"][0].update(claimant="nobody-at-all"), "nobody-at-all"),
    (lambda b: b.update(format="something-else"), "not a newsroom-story-bundle"),
    (lambda b: b["updates"][0].pop("headline"), "missing headline"),
    # Lengths and ranges: the same message on SQLite (which would store them) and PostgreSQL.
    (lambda b: b["story"].update(title="T" * 10_000), "title is 10,000 characters, over its limit of 300"),
    (lambda b: b["updates"][0].update(key="k" * 300), "seed_key is 300 characters, over its limit of 200"),
    (lambda b: b["actors"][0]["aliases"].append("A" * 201), "alias is 201 characters, over its limit of 200"),
    (lambda b: b["events"][0]["participations"].append({"actor": b["actors"][0]["slug"], "role": "r" * 201}),
     "role is 201 characters, over its limit of 200"),
    (lambda b: b["claims"][0]["citations"][0].update(end=2**40), "end 1099511627776 is outside"),
    (lambda b: b["updates"][0].update(body="Day two\x00"), "body contains a NUL character"),
])
def test_bad_bundle_stops_with_a_clear_error_and_writes_nothing(tmp_path, seeded, spoil, message):
    bundle = export()
    wipe_database()
    spoil(bundle)
    with pytest.raises(CommandError, match="nothing was written") as error:
        import_file(tmp_path, bundle)
    assert message in str(error.value)
    assert not Story.objects.exists() and not Source.objects.exists() and not Actor.objects.exists()


def test_unreadable_file_is_a_command_error(tmp_path):
    not_json = tmp_path / "x.json"
    not_json.write_text("{not json")
    with pytest.raises(CommandError, match="not a UTF-8 JSON story bundle"):
        call_command("import_story", str(not_json))
    with pytest.raises(CommandError, match="Could not read"):
        call_command("import_story", str(tmp_path / "missing.json"))
    with pytest.raises(CommandError, match="No story has the slug"):
        call_command("export_story", "no-such-story")


# --- Across database engines --------------------------------------------------------------------


def _other_database_url(tmp_path) -> str:
    """SQLite when the suite runs on PostgreSQL, and PostgreSQL (if reachable) when it runs on SQLite."""
    if connection.vendor == "postgresql":
        return f"sqlite:///{tmp_path / 'other.sqlite3'}"
    psycopg = pytest.importorskip("psycopg")
    server = os.environ.get("NEWSROOM_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    name = f"newsroom_roundtrip_{os.getpid()}"
    try:
        with psycopg.connect(server, autocommit=True, connect_timeout=3) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL is not reachable for the cross-engine round trip: {error}")
    return server.rsplit("/", 1)[0] + f"/{name}"


def _manage(database_url, *args):
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_LOG_LEVEL": "WARNING"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        # --skip-checks: this test is about the data, not about every check of the project.
        [sys.executable, "manage.py", *args, "--skip-checks"], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_bundle_moves_between_sqlite_and_postgresql_losslessly(tmp_path, seeded):
    first = export()
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(first), encoding="utf-8")
    other = _other_database_url(tmp_path)
    try:
        _manage(other, "migrate", "--noinput", "-v0")
        _manage(other, "import_story", str(path))
        again = tmp_path / "again.json"
        _manage(other, "export_story", SLUG, "--output", str(again), "-v0")
        assert_same_bundle(first, json.loads(again.read_text(encoding="utf-8")))
        assert "0 created, 0 updated" in _manage(other, "import_story", str(again))
    finally:
        if other.startswith("postgres"):
            import psycopg

            server, name = other.rsplit("/", 1)
            with psycopg.connect(server + "/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
