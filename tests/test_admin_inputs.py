"""The desk refuses malformed input with a 400 that says what is wrong, never a 500: ids that
cannot name a row, years the calendar cannot hold, NUL characters, bad autocomplete queries."""

import pytest
from django.contrib.auth.models import User

from stories.models import ClaimStatusChange

from .factories import admin_url, make_actor, make_claim, make_staff, make_story

pytestmark = pytest.mark.django_db

HUGE = "9" * 30


@pytest.fixture
def editor_client(client):
    client.force_login(make_staff("Editor"))
    return client


@pytest.fixture
def superuser_client(client):
    client.force_login(User.objects.create_superuser("root", password="a-long-test-password"))
    return client


@pytest.mark.parametrize("object_id", ["abc", "1.5", "-1", HUGE, "%00"])
@pytest.mark.parametrize("view", ["change", "history", "delete"])
def test_an_id_that_cannot_name_a_row_is_a_400(editor_client, object_id, view):
    url = f"/admin/stories/story/{object_id}/{'' if view == 'change' else view + '/'}"
    url = url if view != "change" else f"/admin/stories/story/{object_id}/change/"
    response = editor_client.get(url)
    assert response.status_code == 400, url
    assert "is not an id" in response.content.decode()


@pytest.mark.parametrize("version_id", ["abc", HUGE])
def test_a_revision_id_that_cannot_name_a_revision_is_a_400(editor_client, version_id):
    story = make_story()
    response = editor_client.get(f"{admin_url(story, 'history')}{version_id}/")
    assert response.status_code == 400
    assert "is not an id" in response.content.decode()


def test_a_well_formed_id_with_no_row_is_still_the_desks_not_found_redirect(editor_client):
    assert editor_client.get("/admin/stories/story/123456/change/").status_code == 302


@pytest.mark.parametrize("query", [
    "published_at__year=0", "published_at__year=99999", "published_at__year=9999",
    "published_at__year=9999&published_at__month=12", "published_at__year=2025&published_at__month=99",
    "published_at__year=2025&published_at__month=6&published_at__day=abc", "published_at__year=%00",
])
def test_a_year_the_calendar_cannot_hold_in_the_date_drill_down_is_a_400(editor_client, query):
    response = editor_client.get(f"/admin/stories/story/?{query}")
    assert response.status_code == 400, query
    assert "published_at" in response.content.decode()


def test_the_date_drill_down_on_status_history_refuses_year_9999(superuser_client):
    ClaimStatusChange.objects.create(claim=make_claim(), from_status="unreviewed", to_status="unverified")
    assert superuser_client.get("/admin/stories/claimstatuschange/?changed_at__year=9999").status_code == 400
    assert superuser_client.get("/admin/stories/claimstatuschange/?changed_at__year=2025").status_code == 200


@pytest.mark.parametrize("query", ["story=abc", f"story={HUGE}", "claimant=1,abc", "story=%00"])
def test_a_prefilled_link_that_names_no_possible_row_is_a_400(editor_client, query):
    response = editor_client.get(f"/admin/stories/claim/add/?{query}")
    assert response.status_code == 400, query


def test_a_prefilled_link_to_a_real_story_still_works(editor_client):
    story = make_story()
    assert editor_client.get(f"/admin/stories/claim/add/?story={story.pk}").status_code == 200


@pytest.mark.parametrize("query", ["status__exact=%00", "q=a%00b", "o=1%00"])
def test_a_nul_character_in_a_list_filter_or_search_is_a_400(editor_client, query):
    assert editor_client.get(f"/admin/stories/story/?{query}").status_code == 400


@pytest.mark.parametrize("term", ["a\x00", "\x00", "Bessent\x00'--"])
def test_autocomplete_with_a_nul_character_answers_with_no_matches(editor_client, term):
    make_actor(name="Scott Bessent")
    response = editor_client.get("/admin/autocomplete/", {
        "app_label": "stories", "model_name": "claim", "field_name": "claimant", "term": term,
    })
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_signed_out_visitors_are_sent_to_sign_in_whatever_the_id(client):
    response = client.get("/admin/stories/story/abc/change/")
    assert response.status_code == 302 and "/admin/login/" in response.url
