"""The desk's rule holds on every admin screen: a reporter changes nothing readers can see of
published work, whether through the item's own page or through a row readers see with it
(a citation, a participation, an alias, a correction, a mention)."""

import io

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.db import models
from django.test import Client

from stories import permissions
from stories.models import (
    Actor,
    Claim,
    Correction,
    Event,
    Publishable,
    Rendition,
    Source,
    SourceRevision,
    Update,
)

from .factories import admin_url, form_data, make_staff, make_update

pytestmark = pytest.mark.django_db
SLUG = "us-china-trade-talks-london-2025"


@pytest.fixture
def world(db):
    """The London story as imported (everything published), with a published, corrected update."""
    call_command("import_seeds", stdout=io.StringIO())
    update = make_update(story=Claim.objects.filter(natural_key__startswith="annotation:").first().story,
                         headline="Talks resume after lunch")
    Correction.objects.create(update=update, note="An earlier version said day three.")
    source = Source.objects.published().first()
    SourceRevision.objects.create(source=source, text=source.text, sha256=source.sha256)
    Rendition.objects.create(original="stories/lead.jpg", spec="card", file="renditions/lead.jpg", width=4, height=3)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def reader_visible_state() -> dict:
    """Every row of every table readers see, directly or through a parent (history aside)."""
    config = apps.get_app_config("stories")
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in config.get_models()
        if not model.__name__.startswith("Historical") and model._meta.model_name != "importrecord"
    }


def published_parent_row(model):
    """A row of `model` that readers see: published itself, or under published parents only."""
    rows = model._default_manager.order_by("pk")
    if issubclass(model, Publishable):
        return rows.published().first()
    for row in rows:
        parents = permissions.parents_of(row)
        if all(parent.is_published() for parent in parents):
            return row
    return rows.first()


def another_published_parent(row):
    """(form field, pk) moving `row` under a different published parent, or None."""
    for parent in permissions.parents_of(row):
        field = next(f for f in row._meta.concrete_fields if f.is_relation and f.related_model is type(parent))
        other = type(parent).objects.published().exclude(pk=parent.pk).order_by("pk").first()
        if other is not None:
            return field.name, other.pk
    return None


def changed(row, data: dict) -> dict:
    """The change form's data with what readers would notice changed."""
    data = {name: list(values) for name, values in data.items()}
    move = another_published_parent(row)
    if move is not None:
        data[move[0]] = [str(move[1])]
        return data
    for field in row._meta.concrete_fields:
        if isinstance(field, (models.CharField, models.TextField)) and not field.choices and data.get(field.name, [""])[0]:
            data[field.name] = [data[field.name][0] + " (changed)"]
            return data
    return data


def attack(client, model, row) -> None:
    """Everything a user can try on one admin: edit, copy under the parent, delete, bulk delete."""
    page = client.get(admin_url(row))
    if page.status_code == 200 and f'id="{model._meta.model_name}_form"' in page.content.decode():
        data = changed(row, form_data(page, f"{model._meta.model_name}_form"))
        client.post(admin_url(row), data)
        client.post(admin_url(model, "add"), data)
    client.post(admin_url(row, "delete"), {"post": "yes"})
    client.post(admin_url(model, "changelist"), {
        "action": "delete_selected", "_selected_action": [row.pk], "post": "yes", "index": 0,
    })


REGISTERED = sorted((m for m in admin.site._registry if m._meta.app_label == "stories"), key=lambda m: m._meta.label)


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_a_reporter_changes_nothing_readers_see_on_any_admin_screen(world, model):
    reporter = client_for(make_staff("Reporter"))
    row = published_parent_row(model)
    assert row is not None, f"Add a {model.__name__} to the world fixture so its screens are walked."
    before = reader_visible_state()
    attack(reporter, model, row)
    assert reader_visible_state() == before


@pytest.mark.parametrize("model", [m for m in REGISTERED if permissions.is_child_row(m)], ids=lambda m: m._meta.label)
def test_an_editor_can_still_change_rows_readers_see_through_a_parent(world, model):
    # The control for the test above: the same posts, made by an editor, are well-formed and land.
    editor = make_staff("Editor")
    if not editor.has_perm(f"stories.change_{model._meta.model_name}"):
        pytest.skip(f"nobody edits {model._meta.verbose_name_plural} by hand")
    row = published_parent_row(model)
    before = model._default_manager.filter(pk=row.pk).values().get()
    client = client_for(editor)
    page = client.get(admin_url(row))
    response = client.post(admin_url(row), changed(row, form_data(page, f"{model._meta.model_name}_form")))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert model._default_manager.filter(pk=row.pk).values().get() != before


def test_a_reporter_adding_a_citation_to_a_published_claim_is_told_why(world):
    reporter = client_for(make_staff("Reporter"))
    claim = Claim.objects.published().first()
    source = claim.citations.first().source
    response = reporter.post(admin_url(Claim.citations.rel.related_model, "add"), {
        "source": source.pk, "claim": claim.pk, "excerpt": source.text[:20], "start": 0, "end": 20,
    })
    assert response.status_code == 200
    assert f"belongs to the published claim “{claim}”: only an editor can change it." in response.content.decode()
    assert not claim.citations.filter(start=0, end=20).exists()


def test_rows_readers_see_through_a_parent_keep_a_revision_history(world):
    editor = client_for(make_staff("Editor"))
    actor = Actor.objects.published().filter(aliases__isnull=False).first()
    alias = actor.aliases.first()
    page = editor.get(admin_url(alias))
    data = form_data(page, "actoralias_form")
    data["alias"] = ["Treasury chief"]
    assert editor.post(admin_url(alias), data).status_code == 302
    history = list(alias.history.order_by("history_date").values_list("alias", "history_user__username"))
    assert history[-1] == ("Treasury chief", "editor") and len(history) >= 2


def test_a_reporter_can_only_sign_updates_as_themselves(world):
    reporter_user = make_staff("Reporter")
    editor_user = make_staff("Editor")
    reporter = client_for(reporter_user)
    story = Update.objects.first().story
    page = reporter.get(admin_url(Update, "add") + f"?story={story.pk}")
    choices = page.context["adminform"].form.fields["author"].queryset
    assert list(choices) == [reporter_user]
    data = form_data(page, "update_form")
    data.update({"headline": ["Ghost-written"], "body": ["By someone else."], "author": [str(editor_user.pk)],
                 "status": ["draft"]})
    response = reporter.post(admin_url(Update, "add") + f"?story={story.pk}", data)
    assert response.status_code == 200 and not Update.objects.filter(headline="Ghost-written").exists()


def test_an_editor_may_credit_anyone_on_the_desk(world):
    editor_user, reporter_user = make_staff("Editor"), make_staff("Reporter")
    page = client_for(editor_user).get(admin_url(Update, "add"))
    assert {editor_user, reporter_user} <= set(page.context["adminform"].form.fields["author"].queryset)


def test_an_event_participation_cannot_be_added_to_a_published_event_by_a_reporter(world):
    reporter = client_for(make_staff("Reporter"))
    event = Event.objects.published().first()
    actor = Actor.objects.published().exclude(participations__event=event).first()
    reporter.post(admin_url(event.participations.model, "add"), {"event": event.pk, "actor": actor.pk, "role": "Crook"})
    assert not event.participations.filter(actor=actor).exists()
