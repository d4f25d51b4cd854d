import json
import logging

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from newsroom.logging import JsonFormatter


def records(caplog, logger):
    return [r for r in caplog.records if r.name == logger]


@pytest.mark.django_db
def test_each_request_is_logged_once_with_status_and_duration(client, caplog):
    caplog.set_level(logging.INFO)
    client.get("/healthz")
    (entry,) = records(caplog, "newsroom.request")
    assert (entry.method, entry.path, entry.status) == ("GET", "/healthz", 200)
    assert entry.duration_ms >= 0
    line = json.loads(JsonFormatter().format(entry))
    assert line["path"] == "/healthz" and line["level"] == "INFO"


@pytest.mark.django_db
def test_tokens_in_paths_and_query_strings_never_reach_the_log(client, caplog):
    caplog.set_level(logging.INFO)
    client.get("/preview/eyJtIjoic3Rvcmllcy5zdG9yeSJ9:1abc:signature/?token=s3cret&page=2")
    (entry,) = records(caplog, "newsroom.request")
    assert "eyJ" not in entry.path and "s3cret" not in entry.path
    assert "page=2" in entry.path


@pytest.mark.django_db
def test_admin_login_password_is_not_logged(client, caplog):
    caplog.set_level(logging.DEBUG)
    get_user_model().objects.create_user("ed", password="correct horse battery staple", is_staff=True)
    client.post("/admin/login/", {"username": "ed", "password": "correct horse battery staple"})
    assert "correct horse" not in caplog.text
    assert "correct horse" not in "".join(JsonFormatter().format(r) for r in caplog.records)


@pytest.mark.django_db
def test_import_logs_its_counts_and_its_failures(caplog, tmp_path):
    caplog.set_level(logging.INFO)
    call_command("import_seeds", stdout=open("/dev/null", "w"))
    (done,) = records(caplog, "newsroom.import")
    assert done.rows_created > 0 and done.articles == 2
    (tmp_path / "bad.txt").write_bytes(b"")
    with pytest.raises(CommandError):
        call_command("import_seeds", path=tmp_path)
    failed = records(caplog, "newsroom.import")[-1]
    assert (failed.levelname, failed.file, failed.problem) == ("ERROR", "bad.txt", "is empty")


@pytest.mark.django_db
def test_admin_actions_are_logged_with_user_and_object(admin_client, caplog):
    from stories.models import Actor

    caplog.set_level(logging.INFO)
    admin_client.post("/admin/stories/actor/add/", {
        "kind": "person", "name": "Jane Example", "slug": "jane-example", "status": "draft",
        "aliases-TOTAL_FORMS": "0", "aliases-INITIAL_FORMS": "0",
    })
    actor = Actor.objects.filter(slug="jane-example").first()
    entries = records(caplog, "newsroom.admin")
    assert actor is not None, "the admin form did not save; see the admin tests"
    assert entries and entries[-1].action == "add"
    assert entries[-1].object == f"stories.actor:{actor.pk}"


@pytest.mark.django_db
def test_request_logging_does_not_make_public_pages_vary_on_cookie(client):
    response = client.get("/healthz")
    assert "Cookie" not in response.headers.get("Vary", "")


@pytest.mark.django_db
def test_logged_in_staff_requests_carry_their_user_id(admin_client, admin_user, caplog):
    caplog.set_level(logging.INFO)
    admin_client.get("/admin/")
    assert records(caplog, "newsroom.request")[-1].user_id == admin_user.pk
