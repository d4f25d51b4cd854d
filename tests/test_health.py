import pytest
from django.core.management import call_command

from newsroom import health


@pytest.fixture(autouse=True)
def _forget_migration_check():
    health._migrations_applied = False
    yield
    health._migrations_applied = False


def test_healthz_answers_without_touching_the_database(client):
    # No django_db mark: any query here would raise.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"


@pytest.mark.django_db
def test_readyz_is_ok_when_database_is_reachable_and_migrated(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db(transaction=True)
def test_readyz_refuses_traffic_while_migrations_are_pending(client):
    call_command("migrate", "stories", "0001", verbosity=0)
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert "migrations not applied" in response.json()["reason"]
    finally:
        call_command("migrate", verbosity=0)
    assert client.get("/readyz").status_code == 200
