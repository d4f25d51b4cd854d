"""Article files: bytes in, a checked `Article` out, with no database.

An article is UTF-8 text (a BOM and CRLF line endings are accepted): the headline on the first
line, the body after. Optional front matter between `---` lines names its publisher, address,
date, author, kind and wire group. Teaser blocks after the article ("Read more", "Related" …)
are cut off by `extraction.article_end()`.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError

from stories import extraction
from stories.dates import parse_moment
from stories.models import Source, SourceKind, text_sha256, validate_web_address

from .limits import field_problem
from .report import SeedError

NUL = b"\x00"
UTC_ZONE = zoneinfo.ZoneInfo("UTC")
# Front matter key → Source field.
SOURCE_KEYS = {
    "title": "title", "publisher": "publisher", "url": "url", "date": "source_published_at",
    "author": "author", "kind": "kind", "group": "content_group",
}


@dataclass(frozen=True)
class Article:
    name: str
    title: str
    text: str
    # Source fields its front matter gave, checked (see `source_fields`).
    fields: Mapping[str, object] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        return text_sha256(self.text)


def parse_article(raw: bytes, *, name: str, max_bytes: int) -> Article:
    """Turn the bytes of an article file into an Article; the teasers after it are dropped."""
    if len(raw) > max_bytes:
        raise SeedError(name, f"is {len(raw):,} bytes, over the {max_bytes:,}-byte limit")
    if NUL in raw:
        raise SeedError(name, f"contains a NUL byte at position {raw.index(NUL)}: not a text file")
    try:
        decoded = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SeedError(
            name, f"is not UTF-8 text (byte 0x{raw[error.start]:02x} at position {error.start})"
        ) from None
    text = decoded.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise SeedError(name, "is empty")
    meta, text = _split_front_matter(text, name)
    text = text.strip("\n")
    lines = text.split("\n", 1)
    title = lines[0].strip()
    body = lines[1] if len(lines) > 1 else ""
    if not title:
        raise SeedError(name, "has no headline on its first line")
    if not body.strip():
        raise SeedError(name, "has a headline but no body")
    article_text = text[: extraction.article_end(text)].rstrip()
    if not article_text[len(lines[0]):].strip():
        raise SeedError(name, "has a headline but no article body before its teasers")
    fields = source_fields(meta, file=name, where="front matter")
    title = str(fields.get("title", title))
    if problem := field_problem(Source, {"title": title}):
        raise SeedError(name, problem)
    return Article(name=name, title=title, text=article_text, fields=fields)


def _split_front_matter(text: str, name: str) -> tuple[dict[str, str], str]:
    if not text.startswith("---\n"):
        return {}, text
    closing = text.find("\n---\n", 3)
    if closing == -1:
        raise SeedError(name, "front matter opened with --- is never closed")
    meta: dict[str, str] = {}
    for number, line in enumerate(text[4:closing].split("\n"), start=2):
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if not sep or key not in SOURCE_KEYS:
            raise SeedError(
                name, f"front matter line {number} {line!r}: expected one of "
                f"{', '.join(sorted(SOURCE_KEYS))} followed by a colon"
            )
        meta[key] = value.strip()
    return meta, text[closing + 5:]


def source_fields(meta: Mapping[str, object], *, file: str, where: str) -> dict[str, object]:
    """Check a source's metadata (front matter, or an annotation's [[sources]] entry) and return
    the Source fields it sets; the error names the file, where in it, and the fault."""
    unknown = sorted(set(meta) - set(SOURCE_KEYS))
    if unknown:
        raise SeedError(file, f"{where}: unknown key {unknown[0]!r}; expected {', '.join(sorted(SOURCE_KEYS))}")
    fields: dict[str, object] = {}
    for key, value in meta.items():
        text = str(value).strip()
        if key == "date":
            fields["source_published_at"] = _source_date(text, file, where)
        elif key == "kind":
            if text not in SourceKind.values:
                raise SeedError(file, f"{where}: kind {text!r} is not one of {', '.join(SourceKind.values)}")
            fields["kind"] = text
        elif key == "url":
            if text:
                try:
                    validate_web_address(text)
                except ValidationError:
                    raise SeedError(
                        file, f"{where}: url must start with http:// or https:// and be a web address"
                    ) from None
            fields["url"] = text
        else:
            fields[SOURCE_KEYS[key]] = text
    if problem := field_problem(Source, fields):
        raise SeedError(file, f"{where}: {problem}")
    return fields


def _source_date(value: str, file: str, where: str) -> datetime | None:
    """A date as the newsroom writes one ("2025-06-10", "2025-06-10 10:00", UTC), or a full ISO
    8601 time with its zone; anything left over is an error, never quietly cut off."""
    if not value:
        return None
    try:
        moment, _ = parse_moment(value.replace(" ", "T", 1), UTC_ZONE)
        return moment
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise SeedError(file, f"{where}: date {value!r} is not YYYY-MM-DD (or an ISO 8601 time)") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC_ZONE)).astimezone(UTC_ZONE)
