"""What changed: the content stamp that every content-keyed cache uses moves on every write
readers could see, whatever path made it."""

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from stories.models import Claim, PublicationStatus, Story, Update

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
    update = Update.objects.published().filter(story=story).order_by("pk").first()
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
