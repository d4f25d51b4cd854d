"""Uploaded images: checked with Pillow before they are stored, resized once per size and reused.

Checks run cheapest first: the byte count (no decoding), then the header (format and pixel
count, still no decoding), then a full decode of a file already known to be of a sane size.
A decompression bomb is refused from its header, before Pillow allocates its pixels.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from PIL import Image, ImageOps, UnidentifiedImageError

from .models import Rendition

ALLOWED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "GIF": "GIF"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WebP": "webp", "GIF": "gif"}
# Markup hidden in an image (appended, or in a text chunk or comment) makes a polyglot that a
# browser sniffing content, or a server guessing a type, could run as a web page. Pixels never
# need it, so a file carrying it is refused, whatever else it holds.
MARKUP = re.compile(rb"<\s*(?:script|html|body|iframe|object|embed|svg|!doctype)\b|javascript:", re.IGNORECASE)


@dataclass(frozen=True)
class RenditionSpec:
    name: str
    width: int
    height: int
    crop: bool


SPECS = {
    spec.name: spec
    for spec in (
        RenditionSpec("thumbnail", 320, 320, crop=True),
        RenditionSpec("card", 800, 450, crop=True),
        RenditionSpec("medium", 800, 800, crop=False),
        RenditionSpec("large", 1200, 1200, crop=False),
        RenditionSpec("full", 1600, 1600, crop=False),
    )
}

# Renditions of one shape, offered together in a `srcset` so a phone need not fetch the 1600 px
# copy. Cropped sizes stand alone: a srcset's candidates must all show the same picture.
# A 3x phone wants about 1,100 px for a full-width picture: "large" spares it the 1,600 px copy.
SAME_SHAPE = {
    "full": ("medium", "large", "full"), "large": ("medium", "large"), "medium": ("medium",),
    "card": ("card",), "thumbnail": ("thumbnail",),
}


@dataclass(frozen=True)
class PreparedImage:
    """The rendition to put in `src`, and every prepared rendition of its shape, narrowest first."""

    src: Rendition
    candidates: tuple[Rendition, ...]


@dataclass(frozen=True)
class ImageFacts:
    format: str
    width: int
    height: int


def max_bytes() -> int:
    return settings.NEWSROOM_IMAGE_MAX_BYTES


def max_pixels() -> int:
    return settings.NEWSROOM_IMAGE_MAX_PIXELS


def check_image(upload) -> ImageFacts:
    """Return the format and size of an uploaded image, or raise ValidationError saying what is wrong."""
    size = upload.size
    if size is not None and size > max_bytes():
        raise ValidationError(
            f"This file is {filesizeformat(size)}; images may be at most {filesizeformat(max_bytes())}.",
            code="image_too_large",
        )
    data = _read(upload)
    if len(data) > max_bytes():
        raise ValidationError(
            f"This file is {filesizeformat(len(data))}; images may be at most {filesizeformat(max_bytes())}.",
            code="image_too_large",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as header:
                image_format, (width, height) = header.format, header.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(_too_many_pixels_message(None, None), code="image_too_many_pixels")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            "This file is not an image we can read. Upload a JPEG, PNG, WebP or GIF.", code="not_an_image"
        )
    if image_format not in ALLOWED_FORMATS:
        raise ValidationError(
            f"{image_format} images are not accepted. Upload a JPEG, PNG, WebP or GIF.", code="image_format"
        )
    if width * height > max_pixels():
        raise ValidationError(_too_many_pixels_message(width, height), code="image_too_many_pixels")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            "This image is damaged or incomplete; export it again and upload the new file.", code="image_damaged"
        )
    if MARKUP.search(data):
        raise ValidationError(
            "This file has web page code hidden in it, so it is not accepted. Export the picture again "
            "as a plain JPEG, PNG, WebP or GIF and upload the new file.",
            code="image_has_markup",
        )
    return ImageFacts(ALLOWED_FORMATS[image_format], width, height)


def stored_name(name: str, facts: ImageFacts) -> str:
    """The name an upload is stored under: its own stem, the extension of the format it really is."""
    stem = PurePosixPath(name).stem.split(".")[0] or "image"
    return f"{stem}.{EXTENSIONS[facts.format]}"


def _too_many_pixels_message(width: int | None, height: int | None) -> str:
    limit = f"{max_pixels() / 1_000_000:g} million pixels"
    if width is None:
        return f"This image is far too large to open safely; images may have at most {limit}."
    return f"This image is {width} × {height} pixels; images may have at most {limit}. Resize it and upload again."


def _read(upload) -> bytes:
    # Read at most one byte past the limit: a lying Content-Length cannot make us buffer more.
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(max_bytes() + 1)
    if hasattr(upload, "seek"):
        upload.seek(0)
    return data


# --- Renditions --------------------------------------------------------------------------------


def rendition(original: str, spec_name: str) -> Rendition:
    """Return the `spec_name` rendition of the stored image `original`, making it the first time."""
    return renditions(original, [spec_name])[spec_name]


def renditions(original: str, spec_names: list[str] | None = None) -> dict[str, Rendition]:
    """Return renditions of `original` by spec name: existing ones in one query, missing ones made once."""
    names = spec_names or list(SPECS)
    unknown = set(names) - set(SPECS)
    if unknown:
        raise ValueError(f"Unknown rendition {', '.join(sorted(unknown))}; choose from {', '.join(SPECS)}.")
    found = {r.spec: r for r in Rendition.objects.filter(original=original, spec__in=names)}
    missing = [n for n in names if n not in found]
    if missing:
        with default_storage.open(original, "rb") as stored:
            source = Image.open(io.BytesIO(stored.read()))
            source.load()
        source = ImageOps.exif_transpose(source)
        for name in missing:
            found[name] = _make_rendition(original, source, SPECS[name])
    return found


def _make_rendition(original: str, source: Image.Image, spec: RenditionSpec) -> Rendition:
    has_alpha = source.mode in {"RGBA", "LA", "PA"} or "transparency" in source.info
    image = source.convert("RGBA" if has_alpha else "RGB")
    if spec.crop:
        image = ImageOps.fit(image, (spec.width, spec.height), Image.Resampling.LANCZOS)
    else:
        image.thumbnail((spec.width, spec.height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if has_alpha:
        image.save(out, "PNG", optimize=True)
        extension = "png"
    else:
        image.save(out, "JPEG", quality=85, optimize=True, progressive=True)
        extension = "jpg"
    stem = PurePosixPath(original).stem
    try:
        with transaction.atomic():
            made = Rendition(original=original, spec=spec.name)
            made.file.save(f"{stem}-{spec.name}.{extension}", ContentFile(out.getvalue()), save=False)
            # Recorded from the image we just made (the field's own dimension reading is lazy).
            made.width, made.height = image.size
            made.save()
            return made
    except IntegrityError:
        # Another request made it first: use theirs (the file we wrote is an orphan; remove it).
        theirs = Rendition.objects.filter(original=original, spec=spec.name).first()
        if theirs is None:
            raise
        default_storage.delete(made.file.name)
        return theirs


def prepared_renditions(*wanted: tuple) -> dict[str, PreparedImage]:
    """The prepared renditions for (image, spec) pairs, keyed by image name, in one query.

    The desk makes renditions when an image is saved; a reader's GET never writes, so an image
    without one is shown as its original (still with width, height and alt). `src` is the
    wanted spec, or failing that the widest prepared one of its shape.
    """
    wanted = [(image.name, spec) for image, spec in wanted if image]
    if not wanted:
        return {}
    rows = Rendition.objects.filter(original__in={name for name, _ in wanted})
    by_key = {(r.original, r.spec): r for r in rows}
    prepared = {}
    for name, spec in wanted:
        shape = [by_key[(name, s)] for s in SAME_SHAPE[spec] if (name, s) in by_key]
        if not shape:
            continue
        by_width: dict[int, Rendition] = {}
        for rendition in sorted(shape, key=lambda r: r.width):
            by_width.setdefault(rendition.width, rendition)
        candidates = tuple(by_width.values())
        prepared[name] = PreparedImage(src=by_key.get((name, spec), candidates[-1]), candidates=candidates)
    return prepared
