"""Hostile uploads through the real admin change form, as an editor, with real files from Pillow.

tests/test_images.py checks `images.check_image()` itself (formats, byte and pixel limits, a
truncated file) and tests/test_admin.py a PDF, a bomb and a big file on the actor form. Here:
the files an attacker would try (SVG with script, HTML renamed .png, PNG/JPEG/GIF/HTML polyglots,
bombs and oversized files on the other forms) are refused with a form error and leave nothing
behind, and whatever is accepted is stored under an image name, never one served as HTML.
"""

from __future__ import annotations

import io
import mimetypes

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, PngImagePlugin

from stories.models import Actor, Rendition, Story, Update

from .factories import admin_url, errors_on, form_data, make_actor, make_staff, make_story, make_update

pytestmark = pytest.mark.django_db

SCRIPT = b"<html><body><script>alert(document.cookie)</script></body></html>"


def picture(fmt: str = "PNG", size=(64, 48), mode="RGB", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30) if mode == "RGB" else None).save(out, fmt, **save)
    return out.getvalue()


def png_with_text_chunk() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SCRIPT.decode())
    return picture("PNG", pnginfo=info)


HOSTILE = {
    "svg with script": (
        "logo.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>',
        "not an image we can read",
    ),
    "svg renamed .png": (
        "logo.png", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        "not an image we can read",
    ),
    "html renamed .png": ("photo.png", b"<!doctype html>" + SCRIPT, "not an image we can read"),
    "png with html appended": ("photo.png", picture("PNG") + SCRIPT, "web page code"),
    "png with html in a text chunk": ("photo.png", png_with_text_chunk(), "web page code"),
    "jpeg with script in its comment": ("photo.jpg", picture("JPEG", comment=SCRIPT), "web page code"),
    "gif with html appended": ("anim.gif", picture("GIF") + SCRIPT, "web page code"),
    "decompression bomb": ("bomb.png", picture("PNG", size=(30_000, 30_000), mode="1"), "far too large to open"),
}


@pytest.fixture
def as_editor(client):
    client.force_login(make_staff("Editor"))
    return client


def stored_files() -> list:
    root = django_settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def post_image(client, obj, field: str, alt_field: str, name: str, data: bytes):
    page = form_data(client.get(admin_url(obj)))
    page[alt_field] = ["A description"]
    page[field] = SimpleUploadedFile(name, data, content_type="image/png")
    return client.post(admin_url(obj), page)


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_a_hostile_upload_is_refused_with_a_form_error_and_nothing_is_stored(as_editor, case):
    name, data, message = HOSTILE[case]
    actor = make_actor()

    response = post_image(as_editor, actor, "photo", "photo_alt", name, data)

    assert response.status_code == 200
    assert message in errors_on(response)
    actor.refresh_from_db()
    assert (actor.photo.name, actor.photo_alt, actor.version) == ("", "", 1)
    assert stored_files() == []
    assert not Rendition.objects.exists()


@pytest.mark.parametrize("model, field, alt", [(Story, "lead_image", "lead_image_alt"), (Update, "image", "image_alt")])
@pytest.mark.parametrize("case", ["decompression bomb", "png with html appended", "oversized"])
def test_every_image_field_refuses_them_too(as_editor, settings, model, field, alt, case):
    if case == "oversized":
        settings.NEWSROOM_IMAGE_MAX_BYTES = 4_000
        name, data, message = "big.png", picture("PNG", size=(400, 400)) + b"\0" * 8_000, "images may be at most"
    else:
        name, data, message = HOSTILE[case]
    obj = make_story() if model is Story else make_update()

    response = post_image(as_editor, obj, field, alt, name, data)

    assert response.status_code == 200
    assert message in errors_on(response)
    obj.refresh_from_db()
    assert not getattr(obj, field)
    assert stored_files() == []


@pytest.mark.parametrize("name", ["photo.html", "photo.svg", "photo.png.html", "photo.pdf", "photo"])
def test_a_real_image_with_a_misleading_name_is_stored_under_its_real_type(as_editor, name):
    actor = make_actor()

    response = post_image(as_editor, actor, "photo", "photo_alt", name, picture("PNG", size=(900, 600)))

    assert response.status_code == 302, errors_on(response)
    actor.refresh_from_db()
    assert actor.photo.name.startswith("actors/photo") and actor.photo.name.endswith(".png")
    for stored in stored_files():
        kind, _ = mimetypes.guess_type(stored.name)
        assert kind in {"image/png", "image/jpeg"}, stored  # what any static file server would send


def test_uploads_are_not_served_by_the_application(as_editor, client, settings):
    """Media goes to a static server in production; Django never answers for it, so never as HTML."""
    actor = make_actor()
    assert post_image(as_editor, actor, "photo", "photo_alt", "face.png", picture()).status_code == 302
    actor.refresh_from_db()
    for debug in (False, True):
        settings.DEBUG = debug
        response = client.get(actor.photo.url)
        assert response.status_code == 404
        assert picture() not in response.content
    assert actor.photo.url.startswith("/" + django_settings.MEDIA_URL.strip("/") + "/")
    assert Actor.objects.get(pk=actor.pk).photo.name.endswith(".png")
