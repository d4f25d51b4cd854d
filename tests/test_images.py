"""Uploaded images: real files through Pillow, each bad one a clear error; renditions made once."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from stories import images
from stories.models import Rendition

pytestmark = pytest.mark.django_db


def image_bytes(fmt: str = "PNG", size=(1200, 800), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30) if mode == "RGB" else None).save(out, fmt)
    return out.getvalue()


def upload(data: bytes, name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def decompression_bomb() -> bytes:
    """A small PNG whose header promises 30,000 × 30,000 pixels (900 million)."""
    return image_bytes("PNG", size=(30_000, 30_000), mode="1")


@pytest.mark.parametrize("fmt, label", [("JPEG", "JPEG"), ("PNG", "PNG"), ("WEBP", "WebP"), ("GIF", "GIF")])
def test_each_allowed_format_is_accepted(fmt, label):
    facts = images.check_image(upload(image_bytes(fmt, size=(64, 48))))
    assert (facts.format, facts.width, facts.height) == (label, 64, 48)


def test_a_text_file_is_not_an_image():
    with pytest.raises(ValidationError, match="not an image we can read"):
        images.check_image(upload(b"Talks are going well.\n" * 20, "notes.png"))


def test_an_image_of_another_format_is_refused_by_name():
    with pytest.raises(ValidationError, match="BMP images are not accepted"):
        images.check_image(upload(image_bytes("BMP", size=(10, 10)), "scan.bmp"))


def test_a_decompression_bomb_is_refused_from_its_header(settings):
    bomb = decompression_bomb()
    assert len(bomb) < 1_000_000  # small on disk…
    with pytest.raises(ValidationError, match="at most 40 million pixels"):
        images.check_image(upload(bomb))


def test_the_pixel_limit_is_a_setting(settings):
    settings.NEWSROOM_IMAGE_MAX_PIXELS = 100 * 100
    with pytest.raises(ValidationError, match=r"101 × 100 pixels"):
        images.check_image(upload(image_bytes(size=(101, 100))))
    assert images.check_image(upload(image_bytes(size=(100, 100)))).width == 100


def test_an_oversized_file_is_refused_before_it_is_decoded(settings):
    settings.NEWSROOM_IMAGE_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as refused:
        images.check_image(upload(image_bytes("PNG", size=(400, 400)) + b"\0" * 2048))
    assert refused.value.messages[0].endswith("; images may be at most 1.0\u00a0KB.")
    assert refused.value.code == "image_too_large"


def test_a_truncated_image_is_reported_as_damaged():
    whole = image_bytes("JPEG", size=(800, 600))
    with pytest.raises(ValidationError, match="damaged or incomplete"):
        images.check_image(upload(whole[: len(whole) // 3], "cut.jpg"))


def store(data: bytes, name: str = "stories/lead.jpg") -> str:
    return default_storage.save(name, io.BytesIO(data))


def test_renditions_are_made_once_with_their_sizes_recorded():
    original = store(image_bytes("JPEG", size=(2400, 1600)))

    made = images.renditions(original)

    assert {spec: (r.width, r.height) for spec, r in made.items()} == {
        "thumbnail": (320, 320), "card": (800, 450), "medium": (800, 533), "large": (1200, 800), "full": (1600, 1067),
    }
    with Image.open(default_storage.open(made["card"].file.name)) as card:
        assert card.size == (800, 450)
    again = images.renditions(original)
    assert {r.pk for r in again.values()} == {r.pk for r in made.values()}
    assert Rendition.objects.count() == len(images.SPECS)


def test_reusing_renditions_costs_one_query(django_assert_num_queries):
    original = store(image_bytes("PNG", size=(900, 900)), "actors/face.png")
    images.renditions(original)
    with django_assert_num_queries(1):
        images.renditions(original)


def test_a_transparent_png_keeps_its_transparency():
    original = store(image_bytes("PNG", size=(500, 500), mode="RGBA"), "actors/logo.png")
    card = images.rendition(original, "card")
    assert card.file.name.endswith(".png")
    with Image.open(default_storage.open(card.file.name)) as image:
        assert image.mode == "RGBA"


def test_an_unknown_rendition_is_a_clear_error():
    with pytest.raises(ValueError, match="Unknown rendition poster"):
        images.renditions("stories/x.jpg", ["poster"])
