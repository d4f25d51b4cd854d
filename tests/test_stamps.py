"""What changed: the content stamp that every content-keyed cache uses moves on every write
readers could see, whatever path made it."""

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from stories import stamps
from stories.caching import clear_every_cache
from stories.merging import merge_actors
from stories.models import (
    CitationProposal,
    Claim,
    ClaimStatusChange,
    Correction,
    Event,
    PublicationStatus,
    Rendition,
    Source,
    SourceRevision,
    Story,
    Update,
)
from stories.stamps import site_stamp
from tests.factories import form_data, make_actor, make_event, make_story, make_update

pytestmark = pytest.mark.django_db
SLUG = "us-china-trade-talks-london-2025"


def story_page(client, slug=SLUG) -> str:
    response = client.get(reverse("stories:story-detail", kwargs={"slug": slug}))
    assert response.status_code == 200
    return response.content.decode()


def test_importing_a_bundle_that_only_links_an_update_to_a_claim_shows_the_link(client, settings, tmp_path):
    settings.NEWSROOM_STAMPED_PAGES = False
    call_command("import_seeds", stdout=io.StringIO())
    story = Story.objects.get(slug=SLUG)
    update = Update.objects.published().filter(story=story).pinned_first().first()  # on the story page
    claim = (
        Claim.objects.published().filter(story=story).exclude(updates=update)
        .exclude(natural_key=None).order_by("pk").first()
    )
    claim_url = claim.get_absolute_url()
    assert f'href="{claim_url}"' not in story_page(client).split(f'id="update-{update.pk}"')[1].split("</article>")[0]

    out = io.StringIO()
    call_command("export_story", SLUG, stdout=out)
    bundle = json.loads(out.getvalue())
    entry = next(u for u in bundle["updates"] if u["key"] == update.seed_key)
    claim_key = next(c["key"] for c in bundle["claims"] if c["text"] == claim.text)
    entry["claims"] = [*entry.get("claims", []), claim_key]
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    call_command("import_story", str(path), stdout=io.StringIO())

    assert update.claims.filter(pk=claim.pk).exists()
    section = story_page(client).split(f'id="update-{update.pk}"')[1].split("</article>")[0]
    assert f'href="{claim_url}"' in section
    assert claim.status == PublicationStatus.PUBLISHED


# --- The stamp itself ---------------------------------------------------------------------------


def test_stamp_moves_when_scheduled_content_comes_due():
    story = make_story()
    event = make_event(story, published_at=timezone.now() + timedelta(hours=1))
    scheduled = site_stamp()
    # Time passing is simulated by moving the publication time without the trigger's help:
    # the stamp must still tell that the item is now due.
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{stamps.VERSION_TABLE}" SET n = n - 1')
        Event.objects.filter(pk=event.pk).update(published_at=timezone.now() - timedelta(seconds=1))
    assert site_stamp() != scheduled


@pytest.mark.django_db(transaction=True)  # a real reconnect, outside any test transaction
def test_site_stamp_keeps_working_after_the_database_connection_is_replaced():
    make_story()
    before = site_stamp()
    connection.close()  # CONN_MAX_AGE expiry or a failed health check: a new database session
    assert site_stamp() == before
    make_update(story=Story.objects.get())
    assert site_stamp() != before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL sessions only")
@pytest.mark.parametrize("setting, value", [
    ("DISABLE_SERVER_SIDE_CURSORS", True),  # behind a transaction pooler: the session is not ours
    ("CONN_MAX_AGE", 0),  # a session per request: a statement would be prepared and never reused
])
@pytest.mark.django_db(transaction=True)
def test_a_session_that_cannot_keep_statements_prepares_nothing(setting, value, django_assert_num_queries):
    story = make_story()
    saved = connection.settings_dict[setting]
    connection.settings_dict[setting] = value
    try:
        connection.close()
        with django_assert_num_queries(1) as captured:
            site_stamp()
        clear_every_cache()
        with override_settings(NEWSROOM_STAMPED_PAGES=False, NEWSROOM_PAGE_CACHE_SECONDS=0):
            with CaptureQueriesContext(connection) as page:
                assert Client().get(story.get_absolute_url()).status_code == 200
    finally:
        connection.settings_dict[setting] = saved
    assert "PREPARE" not in captured.captured_queries[0]["sql"].upper()
    assert len(page.captured_queries) > 5  # the story page's compiled reads ran
    assert not [query for query in page.captured_queries if query["sql"].upper().startswith(("PREPARE", "EXECUTE"))]


@pytest.mark.django_db(transaction=True)
def test_a_flush_never_takes_the_stamp_back_to_a_value_pages_were_cached_under():
    make_story()
    before = site_stamp()
    call_command("flush", "--noinput", verbosity=0)
    make_story()
    assert site_stamp() != before


# --- The contract: every table, every path ------------------------------------------------------


@pytest.fixture
def world(db):
    """The London story as imported, plus a row in every table the import leaves empty."""
    call_command("import_seeds", stdout=io.StringIO())
    story = Story.objects.get(slug=SLUG)
    editor = get_user_model().objects.create_user("contract-editor", first_name="Casey")
    update = make_update(story=story, headline="Talks resume after lunch", author=editor)
    claims = list(Claim.objects.published().filter(story=story).order_by("pk")[:2])
    update.claims.add(claims[0])
    update.events.add(Event.objects.filter(story=story).first())
    claims[0].contradicts.add(claims[1])
    Correction.objects.create(update=update, note="An earlier version said day three.")
    source = Source.objects.order_by("pk").first()
    SourceRevision.objects.create(source=source, text=source.text, sha256=source.sha256)
    ClaimStatusChange.objects.create(claim=claims[0], from_status="unverified", to_status="unverified")
    Rendition.objects.create(original="stories/lead.jpg", spec="card", file="renditions/lead.jpg", width=4, height=3)
    CitationProposal.objects.create(source=source, claim=claims[1], start=0, end=20, excerpt=source.text[:20],
                                    reason="the same words")
    return story


def every_table() -> list:
    config = apps.get_app_config("stories")
    models = [m for m in config.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy]
    return sorted(models, key=lambda m: m._meta.db_table)


def many_to_many_fields() -> list:
    config = apps.get_app_config("stories")
    return [
        (model, field) for model in config.get_models() for field in model._meta.local_many_to_many
    ]


def test_every_table_of_the_app_is_tracked():
    tracked = set(stamps.tracked_tables())
    assert {model._meta.db_table for model in every_table()} <= tracked
    assert {field.remote_field.through._meta.db_table for _, field in many_to_many_fields()} <= tracked


@pytest.mark.parametrize("model", every_table(), ids=lambda m: m._meta.db_table)
def test_every_kind_of_write_to_any_table_moves_the_stamp(world, model):
    row = model._default_manager.order_by("pk").first()
    assert row is not None, f"Add a {model.__name__} to the world fixture so its writes are checked."
    table, pk = model._meta.db_table, model._meta.pk
    seen = [site_stamp()]

    def moved(path: str) -> None:
        seen.append(site_stamp())
        assert seen[-1] != seen[-2], f"{path} on {table} did not move the stamp"

    some_field = next(f for f in model._meta.concrete_fields if not f.primary_key)
    model._default_manager.filter(pk=row.pk).update(**{some_field.attname: F(some_field.attname)})
    moved("QuerySet.update()")
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{table}" SET "{pk.column}" = "{pk.column}" WHERE "{pk.column}" = %s', [row.pk])
    moved("raw SQL UPDATE")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f'DELETE FROM "{table}" WHERE "{pk.column}" = %s', [row.pk])
        moved("raw SQL DELETE")
        model._default_manager.bulk_create([row])
        moved("bulk_create()")
        transaction.set_rollback(True)


@pytest.mark.parametrize(("model", "field"), many_to_many_fields(), ids=lambda v: getattr(v, "name", ""))
def test_every_many_to_many_link_moves_the_stamp(world, model, field):
    owner = model._default_manager.filter(story=world).order_by("pk").first()
    target = field.related_model._default_manager.exclude(
        pk__in=getattr(owner, field.name).values("pk")
    ).exclude(pk=owner.pk).order_by("pk").first()
    manager = getattr(owner, field.name)
    for path, write in (
        ("add()", lambda: manager.add(target)),
        ("remove()", lambda: manager.remove(target)),
        ("set()", lambda: manager.set([target])),
        ("clear()", lambda: manager.clear()),
    ):
        before = site_stamp()
        write()
        assert site_stamp() != before, f"{model.__name__}.{field.name}.{path} did not move the stamp"


@pytest.mark.parametrize("model", every_table(), ids=lambda m: m._meta.db_table)
def test_after_a_write_to_any_table_the_story_page_is_rendered_afresh(client, world, model, django_assert_max_num_queries):
    url = reverse("stories:story-detail", kwargs={"slug": SLUG})
    client.get(url)
    with django_assert_max_num_queries(1):
        assert client.get(url).status_code == 200  # served whole from the stamped cache
    row = model._default_manager.order_by("pk").first()
    some_field = next(f for f in model._meta.concrete_fields if not f.primary_key)
    model._default_manager.filter(pk=row.pk).update(**{some_field.attname: F(some_field.attname)})
    with CaptureQueriesContext(connection) as rendered:
        assert client.get(url).status_code == 200
    assert len(rendered) > 1, f"a write to {model._meta.db_table} left the cached story page in place"


# --- What readers see after each kind of write --------------------------------------------------


def update_section(client, update) -> str:
    return story_page(client).split(f'id="update-{update.pk}"')[1].split("</article>")[0]


def test_story_page_shows_a_claim_linked_to_an_update_through_the_relation(client, world):
    update = Update.objects.get(headline="Talks resume after lunch")
    claim = Claim.objects.published().filter(story=world).exclude(updates=update).order_by("pk").last()
    update_section(client, update)
    update.claims.add(claim)
    assert f'href="{claim.get_absolute_url()}"' in update_section(client, update)
    update.claims.remove(claim)
    assert f'href="{claim.get_absolute_url()}"' not in update_section(client, update)


def test_story_page_shows_a_queryset_update_and_a_raw_sql_fix(client, world):
    update = Update.objects.get(headline="Talks resume after lunch")
    story_page(client)
    Update.objects.filter(pk=update.pk).update(body="Negotiators returned at 14:00.")
    assert "Negotiators returned at 14:00." in update_section(client, update)
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{Update._meta.db_table}" SET body = %s WHERE id = %s',
                       ["Negotiators returned at 14:15.", update.pk])
    assert "Negotiators returned at 14:15." in update_section(client, update)


def test_story_page_drops_a_deleted_correction_and_a_deleted_citation(client, world):
    update = Update.objects.get(headline="Talks resume after lunch")
    assert "An earlier version said day three." in update_section(client, update)
    Correction.objects.filter(update=update).delete()
    assert "An earlier version said day three." not in update_section(client, update)


def test_story_page_shows_a_scheduled_update_when_its_time_comes(client, world):
    update = make_update(story=world, headline="Communique due at six", published_at=timezone.now() + timedelta(hours=1))
    assert "Communique due at six" not in story_page(client)
    with connection.cursor() as cursor:
        # Time passes: no write that a trigger could see.
        cursor.execute(f'UPDATE "{stamps.VERSION_TABLE}" SET n = n - 1')
        Update.objects.filter(pk=update.pk).update(published_at=timezone.now() - timedelta(seconds=1))
    assert "Communique due at six" in story_page(client)


def test_story_page_names_the_survivor_after_actors_are_merged(client, world):
    claim = Claim.objects.published().filter(story=world, claimant__isnull=False).select_related("claimant").first()
    duplicate = claim.claimant
    survivor = make_actor(name="Merged Survivor Name")
    editor = get_user_model().objects.create_superuser("merging-editor")
    page = client.get(claim.get_absolute_url()).content.decode()
    assert duplicate.name in page
    merge_actors(survivor=survivor, duplicates=[duplicate], user=editor)
    assert "Merged Survivor Name" in client.get(claim.get_absolute_url()).content.decode()


def test_story_page_shows_an_edit_made_through_the_admin_list(admin_client, client, world):
    update = Update.objects.get(headline="Talks resume after lunch")
    story_page(client)
    changelist = reverse("admin:stories_update_changelist")
    page = admin_client.get(changelist)
    form = page.context["cl"].formset
    data = {f"form-{key}": value for key, value in {
        "TOTAL_FORMS": len(form.forms), "INITIAL_FORMS": len(form.forms), "MIN_NUM_FORMS": 0, "MAX_NUM_FORMS": 1000,
    }.items()}
    for index, row_form in enumerate(form.forms):
        for name, field in row_form.fields.items():
            value = row_form.initial.get(name, field.initial)
            if name == "is_pinned" and row_form.instance.pk == update.pk:
                value = True
            if value is True:
                data[f"form-{index}-{name}"] = "on"
            elif value not in (None, False):
                data[f"form-{index}-{name}"] = getattr(value, "pk", value)
    data["_save"] = "Save"
    response = admin_client.post(changelist, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "Pinned" in update_section(client, update)


def test_story_page_shows_an_update_published_by_a_bulk_action(admin_client, client, world):
    draft_update = make_update(story=world, headline="Communique text released", status=PublicationStatus.DRAFT,
                               published_at=None)
    assert "Communique text released" not in story_page(client)
    response = admin_client.post(reverse("admin:stories_update_changelist"), {
        "action": "publish_now", "_selected_action": [draft_update.pk], "index": 0,
    })
    assert response.status_code == 302
    assert "Communique text released" in story_page(client)


def test_story_page_shows_an_edit_saved_on_the_change_form(admin_client, client, world):
    update = Update.objects.get(headline="Talks resume after lunch")
    story_page(client)
    page = admin_client.get(reverse("admin:stories_update_change", args=[update.pk]))
    data = form_data(page, "update_form")
    data.update({"body": ["Negotiators returned after a working lunch."], "minor_fix": ["on"]})
    assert admin_client.post(reverse("admin:stories_update_change", args=[update.pk]), data).status_code == 302
    assert "Negotiators returned after a working lunch." in update_section(client, update)


def test_source_page_shows_the_new_words_of_a_reimported_article(client, world, tmp_path, settings):
    seeds = Path(settings.NEWSROOM_SEEDS_DIR)
    for file in seeds.iterdir():
        (tmp_path / file.name).write_bytes(file.read_bytes())
    article = tmp_path / "2025-06-09-us-china-face-off-in-london.txt"
    source = Source.objects.get(imported_from=article.name)
    assert "Updated at noon" not in client.get(source.get_absolute_url()).content.decode()
    headline, body = article.read_text(encoding="utf-8").split("\n", 1)
    article.write_text(f"{headline}\nUpdated at noon with the second day's agenda.\n{body}", encoding="utf-8")
    call_command("import_seeds", path=tmp_path, stdout=io.StringIO())
    assert "Updated at noon" in client.get(source.get_absolute_url()).content.decode()
