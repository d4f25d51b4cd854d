"""What a page or an uploaded file says: its main text and, when it tells us, headline, publisher,
author and date. No database; the desk's source form fills only the fields the editor left blank.

HTML is read with trafilatura, which is built for news pages (boilerplate, navigation and teasers
dropped; metadata from Open Graph, JSON-LD and the usual meta tags), rather than with patterns
that fit one site. Plain text and Markdown are read as article files (`articles.parse_article()`:
headline on the first line, optional front matter), the same way `import_seeds` reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePosixPath

import trafilatura
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from .articles import parse_article
from .fetching import FetchedPage
from .report import SeedError

UPLOAD_KINDS = {".txt": "text", ".md": "text", ".markdown": "text", ".html": "html", ".htm": "html"}
# htmldate's own format, asked to keep the time and zone when the page gives them.
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


class PageError(ValueError):
    """A page or file with nothing the desk can use as a source's text; the message says why."""


@dataclass(frozen=True)
class PageReading:
    text: str
    title: str = ""
    publisher: str = ""
    author: str = ""
    # A datetime when the page gives a time (with its zone); a date when it gives only the day.
    published: datetime | date | None = None


def read_html(*, html: bytes | str) -> PageReading:
    """The main text of an HTML page and the metadata it declares, or PageError if it has no text."""
    # No URL is given: htmldate would prefer a day found in the address over the time the page's
    # markup states. Only dates stated in the markup count; one guessed from the text is not the page's.
    document = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=True,
        date_extraction_params={"extensive_search": False, "original_date": True, "outputformat": DATE_FORMAT},
    )
    text = (document.text or "").strip() if document is not None else ""
    if not text:
        raise PageError("No article text was found on this page. Paste the text instead.")
    return PageReading(
        text=text, title=_clean(document.title), publisher=_clean(document.sitename),
        author=_clean(document.author), published=_published(document.date),
    )


def read_text(*, data: bytes, name: str) -> PageReading:
    """A plain-text or Markdown article, as an article file: headline first, front matter optional."""
    try:
        article = parse_article(data, name=name, max_bytes=settings.NEWSROOM_FETCH_MAX_BYTES)
    except SeedError as error:
        raise PageError(f"This file {error.problem}.") from None
    fields = article.fields
    title = article.title.lstrip("#").strip() if name.lower().endswith((".md", ".markdown")) else article.title
    return PageReading(
        text=article.text, title=title, publisher=str(fields.get("publisher", "")),
        author=str(fields.get("author", "")), published=fields.get("source_published_at"),
    )


def read_upload(*, data: bytes, name: str) -> PageReading:
    """An uploaded .txt, .md or .html file, or PageError saying what is wrong with it. `data` may be
    cut off one byte past the limit: that is enough to know it is too large."""
    kind = UPLOAD_KINDS.get(PurePosixPath(name.lower()).suffix)
    if kind is None:
        raise PageError(f"“{name}” is not a .txt, .md or .html file.")
    if len(data) > settings.NEWSROOM_FETCH_MAX_BYTES:
        raise PageError(f"This file is larger than {filesizeformat(settings.NEWSROOM_FETCH_MAX_BYTES)}, the most the desk takes.")
    if kind == "text":
        return read_text(data=data, name=name)
    if b"\x00" in data:
        raise PageError("This file holds binary data, not a web page.")
    return read_html(html=_decoded(data, None))


def read_fetched(*, page: FetchedPage) -> PageReading:
    """A fetched page: HTML read for its article, plain text as an article file."""
    if page.media_type == "text/plain":
        data = page.body if page.charset is None else _decoded(page.body, page.charset).encode()
        return read_text(data=data, name=page.url)
    return read_html(html=_decoded(page.body, page.charset))


def _decoded(data: bytes, charset: str | None) -> str | bytes:
    """Text in the charset the server named; bytes for trafilatura to sniff when it named none."""
    if charset is None:
        return data
    try:
        return data.decode(charset)
    except (LookupError, UnicodeDecodeError):
        raise PageError(f"This page says it is in {charset}, but it cannot be read as {charset}.") from None


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())


def _published(value: str | None) -> datetime | date | None:
    if not value:
        return None
    try:
        moment = datetime.strptime(value, DATE_FORMAT)
    except ValueError:
        try:
            moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S")
        except ValueError:
            return None
    if moment.tzinfo is None and moment.time() == datetime.min.time():
        return moment.date()  # the page gave a day, not a time: do not invent midnight
    return moment
