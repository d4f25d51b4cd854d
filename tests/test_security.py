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
    from datetime import timedelta

    from axes.models import AccessAttempt
    from django.db.models import F

    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt_login(client, "wrong")
    assert attempt_login(client, "the right password 42").status_code == 429
    # The cool-off passes: the failures are moved 16 minutes into the past (a real clock made this
    # test depend on how fast six password checks ran on a busy machine).
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=16))
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


# --- Sign-in throttling behind a proxy ----------------------------------------------------------

PROXY = "10.0.0.1"
EDITOR_HOME = "198.51.100.20"
ATTACKER = "203.0.113.9"


def attempt_login_from(client, password: str, *, remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post("/admin/login/?next=/admin/", {"username": "night-editor", "password": password}, **extra)


def test_behind_one_proxy_an_attacker_cannot_lock_the_editor_out(client, editor, settings):
    settings.NEWSROOM_PROXY_COUNT = 1
    # Every request arrives from the proxy, which appends the address that connected to it.
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt_login_from(client, "wrong", remote=PROXY, forwarded=ATTACKER)
    assert attempt_login_from(client, "wrong", remote=PROXY, forwarded=ATTACKER).status_code == 429
    response = attempt_login_from(client, "the right password 42", remote=PROXY, forwarded=EDITOR_HOME)
    assert response.status_code == 302 and response.url == "/admin/"


def test_behind_a_proxy_a_forged_forwarded_for_names_no_one_but_the_sender(client, editor, settings):
    settings.NEWSROOM_PROXY_COUNT = 1
    # The attacker claims to be the editor; the proxy appends the attacker's real address.
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        attempt_login_from(client, "wrong", remote=PROXY, forwarded=f"{EDITOR_HOME}, {ATTACKER}")
    response = attempt_login_from(client, "the right password 42", remote=PROXY, forwarded=EDITOR_HOME)
    assert response.status_code == 302
    assert attempt_login_from(client, "the right password 42", remote=PROXY, forwarded=ATTACKER).status_code == 429


def test_with_no_proxy_trusted_forwarded_for_is_ignored_so_rotating_it_escapes_nothing(client, editor, settings):
    assert settings.NEWSROOM_PROXY_COUNT == 0 and settings.NEWSROOM_TRUSTED_PROXIES == []
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt_login_from(client, "wrong", remote=ATTACKER, forwarded=f"192.0.2.{n}")
    refused = attempt_login_from(client, "the right password 42", remote=ATTACKER, forwarded="192.0.2.200")
    assert refused.status_code == 429
    # The editor, connecting directly from elsewhere, is not locked out by it.
    assert attempt_login_from(client, "the right password 42", remote=EDITOR_HOME).status_code == 302


def test_a_trusted_proxy_list_believes_only_hops_from_those_proxies(rf, settings):
    from newsroom.client_address import client_address

    settings.NEWSROOM_TRUSTED_PROXIES = ["10.0.0.0/8", "192.168.1.1"]

    def address(remote, forwarded=None):
        extra = {"REMOTE_ADDR": remote} | ({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {})
        return client_address(rf.get("/", **extra))

    assert address(PROXY, ATTACKER) == ATTACKER
    assert address(PROXY, f"{EDITOR_HOME}, {ATTACKER}") == ATTACKER  # the forged hop is left of an untrusted one
    assert address("192.168.1.1", f"{ATTACKER}, 10.9.9.9") == ATTACKER  # two trusted proxies in a row
    assert address(ATTACKER, EDITOR_HOME) == ATTACKER  # a client that skipped the proxy: header ignored
    assert address(PROXY, "not-an-address") == PROXY
    assert address(PROXY) == PROXY


def test_a_proxy_count_takes_the_address_that_many_hops_from_the_right(rf, settings):
    from newsroom.client_address import client_address

    settings.NEWSROOM_PROXY_COUNT = 2
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{EDITOR_HOME}, {ATTACKER}, 10.0.0.2")
    assert client_address(request) == ATTACKER
    short = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ATTACKER)
    assert client_address(short) == ATTACKER  # fewer hops than proxies: the leftmost one there is


def test_proxy_settings_come_from_the_environment_and_default_to_trusting_no_one():
    show = "from django.conf import settings as s; print(s.NEWSROOM_PROXY_COUNT, s.NEWSROOM_TRUSTED_PROXIES)"
    default = manage("shell", "-c", show, env=PRODUCTION)
    assert default.stdout.split("\n")[-2] == "0 []", default.stderr
    configured = manage("shell", "-c", show, env={
        **PRODUCTION, "DJANGO_PROXY_COUNT": "1", "DJANGO_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.1",
    })
    assert configured.stdout.split("\n")[-2] == "1 ['10.0.0.0/8', '192.168.1.1']", configured.stderr


def test_a_trusted_proxy_that_is_not_an_address_stops_the_server_from_starting():
    result = manage("check", env={**PRODUCTION, "DJANGO_TRUSTED_PROXIES": "10.0.0.0/8, the-load-balancer"})
    assert result.returncode != 0
    assert "'the-load-balancer' is not an IP address or network" in result.stderr
