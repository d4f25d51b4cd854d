import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "a-real-production-secret-key-with-enough-length-and-entropy-9f3kQ",
    "DJANGO_ALLOWED_HOSTS": "news.example.org",
}


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


def test_deploy_check_passes_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {**PRODUCTION, "DJANGO_SECRET_KEY": ""}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_every_response_carries_the_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "object-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.django_db
def test_admin_policy_allows_only_inline_styles_beyond_the_strict_one(client):
    csp = client.get("/admin/login/").headers["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in csp
    assert "script-src 'self';" in csp or csp.endswith("script-src 'self'")


def test_bad_host_header_gets_400(client, settings):
    settings.ALLOWED_HOSTS = ["news.example.org"]
    settings.DEBUG = False
    response = client.get("/healthz", headers={"host": "evil.example.com"})
    assert response.status_code == 400


@pytest.fixture
def editor(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user("night-editor", password="the right password 42", is_staff=True)


def attempt_login(client, password: str):
    return client.post("/admin/login/?next=/admin/", {"username": "night-editor", "password": password})


def test_admin_login_locks_out_after_repeated_failures_even_with_the_right_password(client, editor, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt_login(client, "wrong").status_code == 200  # the form again, with its error
    locked = attempt_login(client, "wrong")
    assert locked.status_code == 429
    refused = attempt_login(client, "the right password 42")
    assert refused.status_code == 429
    assert b"Too many failed sign-in attempts" in refused.content
    assert "_auth_user_id" not in client.session


def test_admin_login_works_again_after_the_cool_off(client, editor, settings):
    import time
    from datetime import timedelta

    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt_login(client, "wrong")
    assert attempt_login(client, "the right password 42").status_code == 429
    time.sleep(1.2)
    response = attempt_login(client, "the right password 42")
    assert response.status_code == 302 and response.url == "/admin/"


def test_lockout_is_per_user_so_an_attacker_cannot_lock_out_every_editor(client, editor, settings):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("day-editor", password="another right password 7", is_staff=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt_login(client, "wrong")
    response = client.post("/admin/login/?next=/admin/", {"username": "day-editor", "password": "another right password 7"})
    assert response.status_code == 302


def test_admin_writes_are_refused_without_a_csrf_token(editor):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor)
    response = strict.post("/admin/stories/actor/add/", {"name": "X", "slug": "x", "kind": "person"})
    assert response.status_code == 403


def test_admin_session_expires_after_one_shift_and_at_browser_close(settings):
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
