"""What reader templates call (stories/templating.py puts these in the Jinja2 environment):
honest times, figures, images, highlighted sources, cached fragments.

Every function that returns markup builds it from escaped pieces (markupsafe's `escape`, the
one Jinja2's autoescaping uses, in C); nothing an editor or a source typed is ever marked safe as
it is. Django's format_html was a fifth of a story page's template time: it checks every argument
for lazy translations, which nothing here passes.
"""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from decimal import Decimal
from functools import cache as memoized, lru_cache
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.template.defaultfilters import truncatewords
from django.utils import timezone
from django.utils.html import linebreaks
from jinja2 import pass_context
from markupsafe import Markup, escape

from stories.dates import Precision, iso_and_label
from stories.images import PreparedImage
from stories.models import (
    LINKED_CLAIMS,
    LINKED_EVENTS,
    CitationRelation,
    VerificationStatus,
    backing_citations,
    corrections_of,
)
from stories.stamps import request_stamp

try:  # markupsafe's C escaping, as escape() runs it on a str, without wrapping the result in Markup
    from markupsafe._speedups import _escape_inner
except ImportError:  # no C speedups, or a markupsafe that moved it (tests/test_xss.py checks it agrees)
    def _escape_inner(text: str) -> str:
        return str(escape(text))

FRAGMENT_TIMEOUT = 24 * 3600
CLOCK_PRECISIONS = {Precision.HOUR, Precision.MINUTE}


def escaped(value) -> str:
    """`escape(value)` as a plain str, for the f-strings below, which wrap their whole result in
    Markup once. escape() builds a Markup of each piece in Python (0.4 µs of which the escaping
    is 0.06); a story page escapes about 600. Anything with __html__ (Markup) stays as it is."""
    if value.__class__ is str:
        return _escape_inner(value)
    return str(escape(value))


# --- Times ---------------------------------------------------------------------------------------


NOTHING = Markup("")


def moment(value: datetime | None, precision: str, tz: ZoneInfo) -> Markup:
    """<time datetime="…">June 10, 2025, 10:00 BST</time>, no more precise than the moment is known.

    Clock times carry `data-local-time` so reader.js can add the reader's own zone.
    """
    if value is None:
        return NOTHING
    iso, label = iso_and_label(value, precision, tz)
    label = escaped(label)  # the zone's abbreviation comes from zone data; the ISO text is digits
    if precision in CLOCK_PRECISIONS:
        return Markup(f'<time datetime="{iso}" data-local-time>{label}</time>')
    return Markup(f'<time datetime="{iso}">{label}</time>')


def event_when(event) -> Markup:
    """The event's moment, or its span as two <time> elements ("May 2025 – August 2025")."""
    tz = event.story.tzinfo
    start = moment(event.occurred_at, event.precision, tz)
    if event.ends_at is None:
        return start
    return Markup(f"{start} – {moment(event.ends_at, event.ends_precision, tz)}")


def claim_when(claim) -> Markup:
    if claim.made_at is None or claim.story is None:
        return NOTHING
    return moment(claim.made_at, claim.made_precision, claim.story.tzinfo)


def day(value: datetime | None) -> Markup:
    """<time datetime="2025-06-10">June 10, 2025</time> in the site's zone, for a date with no story."""
    if value is None:
        return NOTHING
    iso, label = iso_and_label(value, Precision.DAY, timezone.get_default_timezone())
    return Markup(f'<time datetime="{iso}">{label}</time>')


@memoized
def _labels(model, field_name: str) -> dict:
    return {value: str(label) for value, label in model._meta.get_field(field_name).flatchoices}


def display(obj, field_name: str) -> str:
    """What `obj.get_<field>_display()` says, from a table built once per field."""
    value = getattr(obj, field_name)
    return _labels(obj._meta.model, field_name).get(value, value)


# --- Badges --------------------------------------------------------------------------------------
# Tags rather than included templates: they sit inside every claim, event and update card, and an
# {% include %} per badge was a tenth of the story page's cold render.

BACKING_TITLE = {
    "confirmed": "Counted from sources an editor confirmed as independent evidence; copies of one wire story "
                 "or press release count once.",
    "reported": "Sources that carry these words. Repeating a claim is not confirming it.",
    "unconfirmed": "No published source carries these words yet.",
}


def status_badge(claim) -> Markup:
    """The claim's verification status, as a badge."""
    return _status_badge(claim._meta.model, claim.verification_status)


@memoized
def _status_badge(model, status: str) -> Markup:
    label = _labels(model, "verification_status").get(status, status)
    return Markup(f'<span class="status status--{escaped(status)}">{escaped(label)}</span>')


@lru_cache(maxsize=1024)
def backing_badge(backing) -> Markup:
    """How well something is backed (confidence.Backing), as a badge; nothing for no backing (None).
    A Backing is a few counts and a status, so the badges of a page are a handful of values."""
    if backing is None:
        return NOTHING
    level = backing.level
    badge = (
        f'<span class="backing backing--{escaped(level)}" title="{escaped(BACKING_TITLE[level])}">'
        f"{escaped(backing.label)}</span>"
    )
    if backing.contradicted_by:
        badge += f' <span class="backing backing--contradicted">{escaped(backing.contradiction_label)}</span>'
    return Markup(badge)


# --- Who said it, and quotation marks -----------------------------------------------------------


def cited_publication(claim) -> str:
    """Where a claim with no named claimant comes from: the publisher of its first cited source
    readers can see, else that source's title (from `backing_citations`, which lists only
    published sources where a page prefetched them; hidden ones are still skipped here)."""
    for citation in backing_citations(claim):
        if citation.is_stale or not citation.source.is_published():
            continue
        return citation.source.publisher or quoted(citation.source.title)
    return ""


def claim_speaker(claim, link: bool = True) -> Markup:
    """Who made the claim: the claimant (linked), a description, or the publication that carried it.

    "The source" told a reader nothing; the publication or article is what they would cite.
    """
    claimant = claim.visible_claimant
    if claimant is not None:
        if link:
            return Markup(f'<a href="{escaped(claimant.get_absolute_url())}">{escaped(claimant.name)}</a>')
        return escape(claimant.name)
    if claim.claimant_description:
        return escape(claim.claimant_description)
    publication = cited_publication(claim)
    if publication:
        return escape(publication)
    return Markup("Not attributed")


def byline(update) -> str:
    """Who wrote the update: the author's full name, never their sign-in name (half of what an
    attacker needs to sign in as them); the desk when no name is recorded."""
    name = update.author.get_full_name() if update.author_id else ""
    return f"By {name}" if name else "By the Newsroom desk"


OPENING_DOUBLE, CLOSING_DOUBLE = "“\"", "”\""
INNER = str.maketrans({"“": "‘", "”": "’"})


def quoted(text: str) -> str:
    """Text in “double quotes”, once: quotes already around it are not doubled, and double quotes
    inside it become single ones (‘…’), as nested quotations are written."""
    text = (text or "").strip()
    interior = text[1:-1]
    already_quoted = len(text) >= 2 and text[0] in OPENING_DOUBLE and text[-1] in CLOSING_DOUBLE
    # “A” and “B” is two quotations, not one quoted whole: strip only marks that pair with each other.
    if already_quoted and not any(mark in interior for mark in OPENING_DOUBLE + CLOSING_DOUBLE):
        text = interior
    inner = text.translate(INNER)
    # Straight double quotes inside, alternately opening and closing.
    pieces = inner.split('"')
    inner = "".join(
        piece + ("" if i == len(pieces) - 1 else ("‘" if i % 2 == 0 else "’")) for i, piece in enumerate(pieces)
    )
    return f"“{inner}”"


CONTAINS_AN_ERROR = {VerificationStatus.INACCURATE, VerificationStatus.RETRACTED}


def citation_role(citation) -> str:
    """What a cited passage does for what cites it, from the relation an editor set. A passage
    cited by a claim found inaccurate or retracted does not back it: it is where the error was
    published. Only editor-confirmed support "backs"; otherwise the passage reports it."""
    what = "the event" if citation.claim_id is None else "the claim"
    if citation.relation == CitationRelation.CONTRADICTS:
        return f"contradicts {what}"
    if citation.claim_id is not None:
        status = citation.claim.verification_status
        if status in CONTAINS_AN_ERROR:
            return f"contains the claim we rate {VerificationStatus(status).label.lower()}:"
        if status == VerificationStatus.DISPUTED:
            return "reports the disputed claim"
    return f"backs {what}" if citation.confirmed_support else f"reports {what}"


# --- Figures -------------------------------------------------------------------------------------


def _number(value: Decimal) -> str:
    text = format(value.normalize(), ",f")
    return text


def stat_figure(claim) -> str:
    """A statistic's value with its unit: "34.5%", "70–90%", "1,200 tonnes"."""
    if claim.stat_value is None:
        return ""
    figure = _number(claim.stat_value)
    if claim.stat_value_high is not None and claim.stat_value_high != claim.stat_value:
        figure = f"{figure}–{_number(claim.stat_value_high)}"
    unit = claim.stat_unit.strip()
    if unit.lower() in {"percent", "per cent", "%"}:
        return f"{figure}%"
    return f"{figure} {unit}" if unit else figure


# --- Cards -------------------------------------------------------------------------------------
# The items a page repeats by the dozen (a story page shows up to 40 figures, 24 events and 18
# claim cards), built here rather than in an included template: each {{ }} in a template costs a
# context lookup, a call through the template runtime and an escape, and an include a new
# context. As functions they took a story page's template from 4.4 to ~3 ms.


def each(render, items) -> Markup:
    """{{ each(claim_card, claims) }}: one card per item, a line each. A list the page repeats by
    the dozen is one call from the template rather than a loop step, a call through the template
    runtime and an escape of the card's markup per item."""
    return Markup("\n".join(map(render, items)))


def claim_card(claim) -> Markup:
    """A claim as lists show it: its words (linked), who said it and when, its kind and badges."""
    text = quoted(claim.text) if claim.kind == "direct_quote" else claim.text
    figure = ""
    if claim.kind == "statistic":
        period = f' <span class="figure__period">{escaped(claim.stat_period)}</span>' if claim.stat_period else ""
        figure = f'<p class="claim-card__figure"><span class="figure">{escaped(stat_figure(claim))}</span>{period}</p>'
    when = f"· {claim_when(claim)}\n    " if claim.made_at else ""
    outcome = (
        f' <span class="outcome outcome--{escaped(claim.outcome)}">{escaped(display(claim, "outcome"))}</span>'
        if claim.outcome else ""
    )
    return Markup(
        f'<article class="claim-card claim-card--{escaped(claim.kind)}">\n'
        f'  <p class="claim-card__text">\n'
        f'    <a href="{escaped(claim.get_absolute_url())}">{escaped(text)}</a>\n'
        f"  </p>\n"
        f"  {figure}\n"
        f'  <p class="claim-card__meta">\n'
        f"    {claim_speaker(claim)}\n"
        f"    {when}· {escaped(display(claim, 'kind'))}\n"
        f"  </p>\n"
        f'  <p class="badges">{status_badge(claim)} {backing_badge(claim.backing)}{outcome}</p>\n'
        f"</article>"
    )


def figure_line(claim) -> Markup:
    """A statistic in the story page's figures: the number (linked), its period, who gave it, badges."""
    period = f'<span class="figure__period">{escaped(claim.stat_period)}</span>' if claim.stat_period else ""
    return Markup(
        f"<li>\n"
        f'              <a class="figure" href="{escaped(claim.get_absolute_url())}">{escaped(stat_figure(claim))}</a>\n'
        f"              {period}\n"
        f'              <span class="figure__who">{claim_speaker(claim, link=False)}</span>\n'
        f'              <span class="badges">{status_badge(claim)} {backing_badge(claim.backing)}</span>\n'
        f"            </li>"
    )


def timeline_entry(event) -> Markup:
    """An event in a timeline's list: when (as precisely as known), what (linked), where, backing."""
    key = event.is_key_event
    place = f"<span>{escaped(event.place)}</span>" if event.place else ""
    key_class = " timeline-list__item--key" if key else ""
    key_tag = ' <span class="tag tag--key">Key event</span>' if key else ""
    return Markup(
        f'<li class="timeline-list__item{key_class}">\n'
        f'    <p class="timeline-list__when">{event_when(event)}{key_tag}</p>\n'
        f'    <p class="timeline-list__title"><a href="{escaped(event.get_absolute_url())}">{escaped(event.title)}</a></p>\n'
        f'    <p class="timeline-list__meta">{place}{backing_badge(event.backing)}</p>\n'
        f"  </li>"
    )


UPDATE_IMAGE_SIZES = "(min-width: 46rem) 44rem, calc(100vw - 2rem)"


def update_card(update, renditions=None) -> Markup:
    """An update as the story page, the updates list and the live poll show it (one fragment for
    all three, stories/_update_cached.html): when, pinned or kind, headline (linked), byline,
    body, picture, corrections, and the claims and events it reports with their badges.

    A function rather than an included template, as the other cards are: an update rendered on
    its own took 95 µs as a template (two new contexts per include, two dozen {{ }}), 75 µs so."""
    url = escaped(update.get_absolute_url())
    tz = update.story.tzinfo
    pk = update.pk
    headline = escaped(update.headline)
    pinned = update.is_pinned
    pinned_tag = '<span class="tag tag--pinned">Pinned</span>' if pinned else ""
    kind_tag = (
        f'<span class="tag tag--{escaped(update.kind)}">{escaped(display(update, "kind"))}</span>'
        if update.kind != "news" else ""
    )
    image = ""
    if update.image:
        credit = f"<figcaption>{escaped(update.image_credit)}</figcaption>" if update.image_credit else ""
        image = (
            f'\n  <figure class="update__image">\n'
            f"    {picture(update.image, update.image_alt, renditions, sizes=UPDATE_IMAGE_SIZES)}\n"
            f"    {credit}\n"
            f"  </figure>\n  "
        )
    corrections = "".join(
        f'\n  <p class="correction"><strong>Correction</strong> ({moment(correction.corrected_at, "minute", tz)}):'
        f" {escaped(correction.note)}</p>\n  "
        for correction in corrections_of(update)
    )
    claims, events = getattr(update, LINKED_CLAIMS), getattr(update, LINKED_EVENTS)
    badge = backing_badge(update.backing)
    if claims or events:
        claim_items = "".join(
            f'<li><span class="update__link-kind">Claim</span> <a href="{escaped(claim.get_absolute_url())}">'
            f"{escaped(_linked_claim_words(claim))}</a> {status_badge(claim)}</li>"
            for claim in claims
        )
        event_items = "".join(
            f'<li><span class="update__link-kind">Event</span> <a href="{escaped(event.get_absolute_url())}">'
            f"{escaped(event.title)}</a> · {event_when(event)}</li>"
            for event in events
        )
        evidence = (
            f'\n  <div class="update__evidence">\n'
            f'    <p class="badges">{badge}</p>\n'
            f'    <ul class="update__links">\n'
            f"      {claim_items}\n"
            f"      {event_items}\n"
            f"    </ul>\n"
            f"  </div>\n  "
        )
    else:
        evidence = f'\n  <p class="badges">{badge}</p>\n  '
    return Markup(
        f"\n"
        f'<article class="update{" update--pinned" if pinned else ""}" id="update-{pk}" data-update-id="{pk}"'
        f' data-sequence="{update.sequence}" data-pinned="{"true" if pinned else "false"}"'
        f' aria-labelledby="update-{pk}-headline">\n'
        f'  <header class="update__header">\n'
        f'    <p class="update__meta">\n'
        f'      {moment(update.posted_at, "minute", tz)}\n'
        f"      {pinned_tag}\n"
        f"      {kind_tag}\n"
        f"    </p>\n"
        f'    <h3 class="update__headline" id="update-{pk}-headline"><a href="{url}">{headline}</a></h3>\n'
        f'    <p class="update__byline">{escaped(byline(update))}</p>\n'
        f"  </header>\n"
        f'  <div class="update__body">{linebreaks(update.body, autoescape=True)}</div>\n'
        f"  {image}\n"
        f"  {corrections}\n"
        f"  \n"
        f"  {evidence}\n"
        f"  \n"
        f'  <p class="update__permalink"><a href="{url}">Link to this update<span class="visually-hidden">:'
        f" {headline}</span></a></p>\n"
        f"</article>\n"
    )


def _linked_claim_words(claim) -> str:
    """A claim an update reports, in its first 18 words (quoted, for a direct quote)."""
    words = truncatewords(claim.text, 18)
    return quoted(words) if claim.kind == "direct_quote" else words


def source_line(source) -> Markup:
    """A source in the story page's list: its title (linked), publisher, date and the original."""
    title = escaped(source.title)
    publisher = escaped(source.publisher) if source.publisher else "No publisher given"
    published = f"· {day(source.source_published_at)}" if source.source_published_at else ""
    if source.url:
        original = (
            f'<a class="external" href="{escaped(source.url)}" rel="noopener noreferrer">Original'
            f'<span class="visually-hidden"> of {title} (external site)</span></a>'
        )
    else:
        original = "No web address given"
    return Markup(
        f'<li class="source-list__item">\n'
        f'        <a class="source-list__title" href="{escaped(source.get_absolute_url())}">{title}</a>\n'
        f'        <span class="source-list__meta">\n'
        f"          {publisher}\n"
        f"          {published}\n"
        f"          · {original}\n"
        f"        </span>\n"
        f"      </li>"
    )


def actor_line(actor) -> Markup:
    """An actor in the story page's list of people and bodies: name (linked) and role."""
    role = f'<span class="actor-list__role">{escaped(actor.role_title)}</span>' if actor.role_title else ""
    return Markup(f'<li><a href="{escaped(actor.get_absolute_url())}">{escaped(actor.name)}</a>{role}</li>')


def timeline_chart(layout) -> Markup:
    """The timeline's SVG (timeline.lay_out) and its legend; nothing for an empty timeline."""
    if not layout.marks:
        return NOTHING
    axis = layout.axis_y
    parts = [
        f'<svg class="timeline-chart" width="100%" height="{layout.height}" aria-hidden="true" focusable="false">\n'
        f'  <line class="timeline-chart__axis" x1="1%" x2="99%" y1="{axis}" y2="{axis}"></line>\n'
    ]
    for index, tick in enumerate(layout.ticks):
        parts.append(f'  <line class="timeline-chart__tick" x1="{tick.x}%" x2="{tick.x}%" y1="6" y2="{axis + 5}"></line>\n')
        if tick.show_label:
            classes = "timeline-chart__tick-label"
            if index == 0:
                classes += " timeline-chart__tick-label--first"
            if not tick.on_phone:
                classes += " timeline-chart__tick-label--wide-only"
            parts.append(f'  <text class="{classes}" x="{tick.x}%" y="{axis + 22}">{escaped(tick.label)}</text>\n')
    for mark in layout.marks:
        key = " timeline-chart__mark--key" if mark.is_key else ""
        if mark.shape == "point":
            shape = f'<circle cx="{mark.x}%" cy="{mark.y}" r="{7 if mark.is_key else 5}"></circle>'
        else:
            rounding = 5 if mark.shape == "period" else 3
            shape = (f'<rect x="{mark.x}%" y="{mark.bar_y}" width="{mark.width}%" height="10" '
                     f'rx="{rounding}"></rect>')
        parts.append(
            f'  <g class="timeline-chart__mark timeline-chart__mark--{mark.shape}{key}">\n'
            f"    <title>{escaped(mark.tooltip)}</title>\n"
            f"    {shape}\n"
            f'    <text class="timeline-chart__number" x="{mark.x_end}%" dx="{10 if mark.shape == "point" else 5}" '
            f'y="{mark.label_y}">{mark.number}</text>\n'
            f"  </g>\n"
        )
    parts.append('</svg>\n<ul class="timeline-legend" aria-hidden="true">\n  ')
    parts.extend(
        f'<li><span class="legend-swatch legend-swatch--{kind}"></span>{escaped(label)}</li>'
        for kind, label in layout.legend
    )
    parts.append("\n</ul>")
    return Markup("".join(parts))


# --- Images --------------------------------------------------------------------------------------


def picture(image, alt: str, renditions: dict | None = None, css_class: str = "", sizes: str = "100vw",
            eager: bool = False) -> Markup:
    """An <img> with width, height (no layout shift) and alt, drawn from the prepared renditions
    with a `srcset` of every prepared width, else the original.

    Lazy unless `eager`: the picture at the top of a page (the LCP element) is fetched first.
    """
    if not image:
        return NOTHING
    prepared: PreparedImage | None = (renditions or {}).get(image.name)
    srcset = ""
    if prepared is not None:
        src, width, height = prepared.src.file.url, prepared.src.width, prepared.src.height
        if len(prepared.candidates) > 1:
            srcset = ", ".join(f"{r.file.url} {r.width}w" for r in prepared.candidates)
    else:
        src = image.url
        try:
            width, height = image.width, image.height
        except (OSError, ValueError):
            width = height = None
    loading = ' fetchpriority="high"' if eager else ' loading="lazy"'
    sized = f' width="{escaped(width)}" height="{escaped(height)}"' if width and height else ""
    chosen = f' srcset="{escaped(srcset)}" sizes="{escaped(sizes)}"' if srcset else ""
    return Markup(
        f'<img class="{escaped(css_class)}" src="{escaped(src)}"{chosen}{sized} alt="{escaped(alt)}"{loading} decoding="async">'
    )


# --- Sources -------------------------------------------------------------------------------------


def _words(text: str, count: int, *, from_end: bool) -> str:
    words = text.split()
    return " ".join(words[-count:] if from_end else words[:count])


def original_passage_url(url: str, excerpt: str) -> str:
    """Link to the original that scrolls to the passage: a `#:~:text=` fragment (long ones by start,end)."""
    if not url:
        return ""
    base = url.split("#", 1)[0]
    words = excerpt.split()
    if len(words) <= 8:
        directive = quote(" ".join(words), safe="")
    else:
        directive = (
            f"{quote(_words(excerpt, 4, from_end=False), safe='')},"
            f"{quote(_words(excerpt, 4, from_end=True), safe='')}"
        )
    return f"{base}#:~:text={directive}"


def _trim_start(text: str) -> str:
    """Context before an excerpt, starting at a word boundary."""
    if " " in text and not text[:1].isspace():
        text = text.split(" ", 1)[1]
    return text.lstrip()


def _trim_end(text: str) -> str:
    if " " in text and not text[-1:].isspace():
        text = text.rsplit(" ", 1)[0]
    return text.rstrip()


def excerpt_in_context(citation) -> Markup:
    """The excerpt marked inside the words around it (needs `Citation.objects.in_context()`)."""
    before = getattr(citation, "text_before", "") or ""
    after = getattr(citation, "text_after", "") or ""
    lead = "…" if citation.start > len(before) else ""
    trail = "…" if after and len(after) >= getattr(citation, "context_chars", 160) else ""
    before = _trim_start(before) if lead else before
    after = _trim_end(after) if trail else after
    return Markup(f"{lead}{escaped(before)}<mark>{escaped(citation.excerpt)}</mark>{escaped(after)}{trail}")


def highlight_citations(text: str, citations) -> Markup:
    """The source text with each citation's span wrapped in <mark>, built from offsets.

    Overlapping citations nest or split into segments so the markup stays valid; each citation's
    first segment carries id="c<pk>" (the target of links from claim pages) and its last is followed
    by a numbered link to the claim or event it backs. Every piece of text is escaped.
    """
    spans = sorted(
        (c for c in citations if 0 <= c.start < c.end <= len(text) and text[c.start:c.end] == c.excerpt),
        key=lambda c: (c.start, -c.end, c.pk),
    )
    cuts = sorted({0, len(text), *(c.start for c in spans), *(c.end for c in spans)})
    numbers = {c.pk: n for n, c in enumerate(spans, start=1)}
    opened: set[int] = set()
    pieces: list[str] = []
    for left, right in zip(cuts, cuts[1:]):
        covering = [c for c in spans if c.start <= left and right <= c.end]
        segment = escaped(text[left:right])
        for citation in reversed(covering):
            anchor = ""
            if citation.pk not in opened:
                opened.add(citation.pk)
                anchor = f' id="c{escaped(citation.pk)}"'
            segment = f'<mark class="cited"{anchor} data-citation="{numbers[citation.pk]}">{segment}</mark>'
        pieces.append(segment)
        for citation in spans:
            if citation.end == right:
                target = citation.claim if citation.claim_id else citation.event
                what = "claim" if citation.claim_id else "event"
                number = numbers[citation.pk]
                pieces.append(
                    f'<a class="cite-ref" href="{escaped(target.get_absolute_url())}" '
                    f'aria-label="Cited passage {number}: see the {what}">[{number}]</a>'
                )
    return Markup("".join(pieces))


# --- Fragment cache ------------------------------------------------------------------------------


def _identity(value) -> object:
    """How a fragment names what it shows: a row by its model and pk, anything else as it is.
    What the row and its relations hold is covered by the content stamp in the key."""
    meta = getattr(value, "_meta", None)
    return (meta.label_lower, value.pk) if meta is not None else value


def fragment_key(stamp: str, name: str, *vary_on) -> str:
    """The cache key of fragment `name` showing `vary_on` under the content stamp `stamp`."""
    parts = [stamp, *(_identity(value) for value in vary_on)]
    return f"fragment:{name}:{hashlib.blake2b(repr(parts).encode(), digest_size=20).hexdigest()}"


def look_up_fragments(stamp: str, fragments: dict[str, tuple]) -> tuple[dict[str, str | None], list[str]]:
    """The fragments {name: vary_on} a page shows under `stamp`, looked up in one cache round trip:
    what was found or not under each key (the page passes it to its template as
    `fragments_looked_up`), and the names of those not cached."""
    keys = {name: fragment_key(stamp, name, *vary_on) for name, vary_on in fragments.items()}
    found = cache.get_many(keys.values())
    return {key: found.get(key) for key in keys.values()}, [name for name, key in keys.items() if key not in found]


def update_fragment(update) -> tuple:
    """The cached fragment an update is shown in (stories/_update_cached.html): its name and what
    it varies on, the update and its story's zone."""
    return ("update", update, update.story.timezone)


def look_up_update_fragments(stamp: str, updates) -> dict[str, str | None]:
    """What stories/_update_cached.html finds cached for each of `updates`, looked up in one cache
    round trip, for a page's `fragments_looked_up`: a list of updates otherwise asks the cache once
    per update."""
    keys = [fragment_key(stamp, *update_fragment(update)) for update in updates]
    found = cache.get_many(keys) if keys else {}
    return {key: found.get(key) for key in keys}


@pass_context
def cached_fragment(context, name: str, *vary_on, caller) -> Markup:
    """{% call cached_fragment("story-aside", story) %}…{% endcall %}

    Caches the HTML keyed on the content stamp (stories/stamps.py) and on what it shows, so any
    change readers could see renders afresh, and pages rendered under one stamp share their
    pieces (the story page, the update lists and the poll show one rendering of each update).
    Skipped entirely on preview pages: a preview shows drafts to one editor and must never put
    them where readers could get them. A page that looked its fragments up already
    (look_up_fragments) passes what it found as `fragments_looked_up`.
    """
    if context.get("is_preview"):
        return caller()
    key = fragment_key(context.get("stamp") or request_stamp(context.get("request")), name, *vary_on)
    looked_up = context.get("fragments_looked_up") or {}
    written = _fragments_to_write.get()
    if key in looked_up:
        html = looked_up[key]
    elif written is not None and key in written:
        html = written[key]
    else:
        html = cache.get(key)
    if html is None:
        html = str(caller())
        if written is None:
            cache.set(key, html, FRAGMENT_TIMEOUT)
        else:
            written[key] = html
    return Markup(html)


# The fragments a render has made, stored when it ends (fragments_written_together).
_fragments_to_write: ContextVar[dict[str, str] | None] = ContextVar("fragments_to_write", default=None)


@contextmanager
def fragments_written_together():
    """Fragments rendered inside the block are stored in one cache call as it ends (set_many: one
    round trip to Redis) instead of one each: a story page rendered after an edit makes eleven.
    Nothing is stored if the block raises. Nested blocks store with the outermost."""
    if _fragments_to_write.get() is not None:
        yield
        return
    written = {}
    token = _fragments_to_write.set(written)
    try:
        yield
    finally:
        _fragments_to_write.reset(token)
    if written:
        cache.set_many(written, FRAGMENT_TIMEOUT)


# --- Pagination ----------------------------------------------------------------------------------


@pass_context
def page_query(context, param: str, number: int) -> str:
    """The current query string with one page parameter changed, so filters survive paging."""
    query = context["request"].GET.copy()
    query[param] = number
    return f"?{query.urlencode()}"


# --- Filter forms --------------------------------------------------------------------------------


def select(name: str, attrs: str, choices, chosen: set[str]) -> Markup:
    """A <select> whose options are written in one pass (`attrs` already flattened and escaped,
    as Django's flatatt() gives them); the chosen values are marked selected."""
    options = "".join(
        f'<option value="{escaped(value)}"{" selected" if str(value) in chosen else ""}>{escaped(label)}</option>'
        for value, label in choices
    )
    return Markup(f'<select name="{escaped(name)}"{attrs}>{options}</select>')
