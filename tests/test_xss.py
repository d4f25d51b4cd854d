"""Stored XSS: whatever an editor types or a source says renders as inert text everywhere.

Hypothesis builds payloads (script tags, event handlers, attribute breakouts, javascript: and
data: URLs, JSON-LD </script> breakouts) wrapped in random text, puts them in every editor-typed
field and in an imported article, and every reader page, feed, JSON-LD block, API response and
admin page must show them as text: no injected element, attribute or script URL, JSON-LD that
parses back to the same string, feeds that are well-formed with the payload as text.
"""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from html.parser import HTMLParser
from itertools import count

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stories.models import (
    ActorAlias,
    ActorKind,
    ClaimKind,
    Correction,
    EventParticipation,
    Source,
    Story,
    VerificationStatus,
)
from stories.publishing import record_update_change

from .factories import (
    admin_url,
    cite,
    errors_on,
    form_data,
    make_actor,
    make_claim,
    make_event,
    make_source,
    make_staff,
    make_story,
    make_update,
)

pytestmark = pytest.mark.django_db

CORES = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '" onmouseover="alert(1)" x="',
    "' onfocus='alert(1)' autofocus='",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "</script><script>alert(1)</script>",
    '</script><!--<script>alert(1)//',
    "<svg/onload=alert(1)>",
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "]]><script>alert(1)</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<a href=\"javascript:alert(1)\">x</a>",
    "{{ 7|add:7 }}{% now 'Y' %}",
    "\u2028</ScRiPt >\u2029<iframe srcdoc='<script>alert(1)</script>'>",
]
AROUND = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=6)
PAYLOADS = st.builds(lambda before, core, after: f"{before}{core}{after}", AROUND, st.sampled_from(CORES), AROUND)
URL_FIELDS = {"href", "src", "action", "formaction", "xlink:href", "poster", "background", "data", "srcdoc"}
FEW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

_n = count(1)


# --- What "inert" means, checked on the parsed page ----------------------------------------------


class InertnessChecker(HTMLParser):
    """Parse a page the way a browser tokenises it and record anything a payload could have made."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []
        self.attribute_values: list[str] = []
        self.json_ld: list = []
        self._script: dict | None = None

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            value = value or ""
            self.attribute_values.append(value)
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> event handler")
            if name in URL_FIELDS:
                scheme = re.sub(r"[\s\x00-\x1f]", "", value).lower()
                if scheme.startswith(("javascript:", "data:", "vbscript:")):
                    self.problems.append(f"<{tag} {name}={value!r}> script URL")
            if name == "http-equiv" and value.lower() == "refresh":
                self.problems.append("meta refresh")
        if tag in {"iframe", "object", "embed", "base", "frame", "frameset"}:
            self.problems.append(f"<{tag}> element")
        if tag == "script":
            self._script = {"attrs": dict(attrs), "content": ""}

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self.handle_endtag(tag)

    def handle_data(self, data):
        if self._script is not None:
            self._script["content"] += data
        else:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag != "script" or self._script is None:
            return
        script, self._script = self._script, None
        kind = script["attrs"].get("type")
        if kind == "application/ld+json":
            content = script["content"]
            if "</script" in content.lower() or "<!--" in content:
                self.problems.append("JSON-LD holds a script breakout")
            try:
                self.json_ld.append(json.loads(content))
            except ValueError:
                self.problems.append(f"JSON-LD that does not parse: {content[:80]!r}")
        elif not re.match(r"/(?!/)", script["attrs"].get("src") or "") or script["content"].strip():
            # Only same-origin script files (static files, admin's jsi18n), never inline code.
            self.problems.append(f"script element {script['attrs']} {script['content'][:60]!r}")

    def strings_in_json_ld(self) -> list[str]:
        found: list[str] = []

        def walk(value):
            if isinstance(value, str):
                found.append(value)
            elif isinstance(value, dict):
                for item in value.values():
                    walk(item)
            elif isinstance(value, list):
                for item in value:
                    walk(item)

        walk(self.json_ld)
        return found


def check_html(html: str, where: str) -> InertnessChecker:
    checker = InertnessChecker()
    checker.feed(html)
    checker.close()
    assert not checker.problems, f"{where}: {checker.problems}"
    return checker


def page(client: Client, url: str, **params) -> InertnessChecker:
    response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    assert response["Content-Type"].startswith("text/html")
    return check_html(response.content.decode(), url)


def shown(checker: InertnessChecker, text: str) -> bool:
    """The text is on the page as text (or as an escaped attribute value), not as markup."""
    text = text.strip()  # a search box strips the query; fields keep their ends
    return any(text in chunk for chunk in checker.text) or any(text in v for v in checker.attribute_values)


# --- A story with a payload in every editor-typed field ------------------------------------------


def filled_story(payload: str):
    """A published live story whose every editor-typed field holds `payload` (fitted to its length)."""
    n = next(_n)
    fit = lambda limit: payload[:limit]  # noqa: E731
    story = make_story(
        slug=f"xss-{n}", title=payload, standfirst=payload, key_developments=f"{payload}\nSecond {payload}",
        lead_image_alt=payload, lead_image_credit=payload, is_live=True,
    )
    speaker = make_actor(
        slug=f"xss-actor-{n}", name=payload, role_title=payload, bio=payload, photo_alt=payload,
        photo_credit=payload, kind=ActorKind.PERSON, affiliation=make_actor(name=f"Body {payload}"),
    )
    ActorAlias.objects.create(actor=speaker, alias=f"{n} {fit(190)}")
    source = make_source(
        slug=f"xss-source-{n}", title=payload, publisher=payload, author=payload, content_group=payload,
        url="https://example.org/" + re.sub(r"\s", "", payload), text=f"It said {payload} today.",
    )
    event = make_event(story, title=payload, description=payload, place=payload, is_key_event=True)
    EventParticipation.objects.create(event=event, actor=speaker, role=payload)
    cite(source, payload, event=event)
    claim = make_claim(
        story, text=payload, verification_note=payload, claimant=speaker, kind=ClaimKind.STATISTIC,
        stat_measure=payload, stat_unit=fit(50), stat_period=fit(100), stat_value=Decimal("34.5"),
        verification_status=VerificationStatus.CORROBORATED,
    )
    cite(source, payload, claim=claim)
    quote = make_claim(story, text=payload, claimant_description=payload, kind=ClaimKind.DIRECT_QUOTE)
    update = make_update(story, headline=payload, body=f"{payload}\n\n{payload}", image_alt=payload,
                         image_credit=payload)
    update.claims.add(claim, quote)
    update.events.add(event)
    Correction.objects.create(update=update, note=payload)
    record_update_change(update=update)
    return {"story": story, "actor": speaker, "source": source, "event": event, "claim": claim,
            "quote": quote, "update": update}


@given(payload=PAYLOADS)
@FEW
def test_payloads_render_inert_on_every_reader_page(client, payload):
    made = filled_story(payload)
    story = made["story"]
    story_page = page(client, story.get_absolute_url())
    assert shown(story_page, payload)
    assert story.title[:110] in story_page.strings_in_json_ld()
    assert payload in story_page.strings_in_json_ld()  # the update's body and correction, in liveBlogUpdate
    for url in [
        reverse("stories:story-updates", args=[story.slug]), reverse("stories:story-timeline", args=[story.slug]),
        reverse("stories:story-claims", args=[story.slug]), made["update"].get_absolute_url(),
        made["event"].get_absolute_url(), made["quote"].get_absolute_url(), made["source"].get_absolute_url(),
        reverse("stories:home"),
    ]:
        assert shown(page(client, url), payload), url
    claim_page = page(client, made["claim"].get_absolute_url())
    assert payload in claim_page.strings_in_json_ld()  # ClaimReview: claimReviewed and the author's name
    actor_page = page(client, made["actor"].get_absolute_url())
    assert payload in actor_page.strings_in_json_ld()
    searched = page(client, reverse("stories:search"), q=payload)
    assert shown(searched, payload)  # the query echoed back, escaped


@given(payload=PAYLOADS)
@FEW
def test_payloads_stay_text_in_feeds_poll_and_exports(client, payload):
    made = filled_story(payload)
    story = made["story"]
    for name in ("story-feed-rss", "story-feed-atom"):
        feed = ET.fromstring(client.get(reverse(f"stories:{name}", args=[story.slug])).content)
        titles, descriptions = [], []
        for element in feed.iter():
            local = element.tag.rsplit("}", 1)[-1]
            assert local in {
                "rss", "channel", "title", "link", "description", "atom:link", "language", "lastBuildDate",
                "item", "pubDate", "guid", "feed", "subtitle", "id", "updated", "entry", "published", "summary",
                "author", "name", "category",
            }, f"{name}: unexpected element {element.tag}"
            if local == "title":
                titles.append(element.text or "")
            if local in {"description", "summary"}:
                descriptions.append(element.text or "")
        assert payload.strip() in [t.strip() for t in titles]  # the headline, exactly, as text
        for html in descriptions:
            check_html(html, name)  # the HTML a feed reader would render
    for name in ("feed-rss", "feed-atom"):
        ET.fromstring(client.get(reverse(f"stories:{name}")).content)
    poll = client.get(reverse("stories:update-poll", args=[story.slug]), {"after": 0})
    assert poll["Content-Type"] == "application/json"
    for update in poll.json()["updates"]:
        checker = check_html(update["html"], "poll fragment")
        assert shown(checker, payload)
        assert [c["note"] for c in update["corrections"]] == [payload]
    timeline = client.get(reverse("stories:story-timeline-json", args=[story.slug])).json()
    for event in timeline["events"]:
        check_html(event["text"]["headline"], "TimelineJS headline")
        check_html(event["text"]["text"], "TimelineJS text")
    csv = client.get(reverse("stories:story-events-csv", args=[story.slug]))
    assert csv["Content-Type"].startswith("text/csv")
    assert csv["X-Content-Type-Options"] == "nosniff"


@given(payload=PAYLOADS)
@FEW
def test_payloads_come_back_unchanged_as_json_from_the_api(client, payload):
    made = filled_story(payload)
    urls = [
        reverse("api:story-detail", args=[made["story"].slug]), reverse("api:update-detail", args=[made["update"].pk]),
        reverse("api:event-detail", args=[made["event"].pk]), reverse("api:claim-detail", args=[made["claim"].pk]),
        reverse("api:actor-detail", args=[made["actor"].slug]), reverse("api:source-detail", args=[made["source"].slug]),
        reverse("api:update-list"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/json", url
        assert response["X-Content-Type-Options"] == "nosniff"
        values = json.dumps(response.json(), ensure_ascii=False)
        assert json.dumps(payload, ensure_ascii=False)[1:-1] in values, url


# --- Admin: changelist, change form, history and the revision view -------------------------------


@pytest.fixture
def as_editor():
    client = Client()
    client.force_login(make_staff("Editor"))
    return client


@given(payload=PAYLOADS)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_payloads_render_inert_in_admin(as_editor, payload):
    made = filled_story(payload)
    made["story"].standfirst = f"Changed: {payload}"
    made["story"].save()  # a second revision, so history shows a diff of the payload
    for key in ("story", "update", "event", "claim", "actor", "source"):
        obj = made[key]
        for url in [admin_url(type(obj), "changelist"), admin_url(obj), admin_url(obj, "history")]:
            checker = page(as_editor, url)
            assert shown(checker, payload), url
        first = obj.history.order_by("history_date").first()
        page(as_editor, reverse(f"admin:stories_{key}_simple_history", args=[obj.pk, first.history_id]))
        page(as_editor, admin_url(type(obj), "changelist"), q=payload)
    page(as_editor, reverse("admin:stories_claim_review"))
    page(as_editor, reverse("admin:index"))


# --- Imported source text ------------------------------------------------------------------------


@given(payload=PAYLOADS)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_imported_article_text_renders_inert(client, as_editor, tmp_path_factory, payload):
    seeds = tmp_path_factory.mktemp("seeds")
    n = next(_n)
    flat = " ".join(payload.split()) or "x"
    (seeds / f"article-{n}.txt").write_text(
        f"---\npublisher: {flat}\nauthor: {flat}\n---\nHeadline {flat}\n\n"
        f"“{payload} is what we said,” said Scott Bessent on Tuesday. {payload}\n",
        encoding="utf-8",
    )
    call_command("import_seeds", path=seeds, stdout=io.StringIO())
    source = Source.objects.get(imported_from=f"article-{n}.txt")
    assert payload in source.text
    checker = page(client, source.get_absolute_url())
    assert shown(checker, payload.strip().split("\n")[0])
    response = client.get(reverse("api:source-detail", args=[source.slug]))
    assert payload in response.json()["text"]
    page(as_editor, admin_url(source))
    page(as_editor, reverse("admin:stories_claim_review"))
    picker = as_editor.get(reverse("admin:stories_citation_source_text", args=[source.pk]))
    assert picker["Content-Type"] == "application/json" and picker["X-Content-Type-Options"] == "nosniff"
    assert payload in picker.json()["text"]


# --- Hardening: plain text everywhere, http(s) addresses only ------------------------------------


def test_update_body_markup_is_shown_as_text_not_formatting(client):
    update = make_update(body="Talks <b>resumed</b> at <a href=\"https://evil.example\">Lancaster House</a>.")
    html = client.get(update.get_absolute_url()).content.decode()
    assert "Talks &lt;b&gt;resumed&lt;/b&gt; at &lt;a href=&quot;https://evil.example&quot;&gt;" in html
    assert "<b>resumed</b>" not in html
    html = client.get(update.story.get_absolute_url()).content.decode()
    assert "&lt;b&gt;resumed&lt;/b&gt;" in html


@given(text=PAYLOADS | st.text())
@settings(max_examples=300, deadline=None)
def test_card_pieces_are_escaped_exactly_as_jinja_escapes_them(text):
    """The cards escape each piece as plain text (markup.escaped, markupsafe's own escaping without
    its Markup wrapper): the same characters as escape(), and markup already safe is not escaped twice."""
    from markupsafe import Markup, escape

    from stories.markup import escaped

    assert escaped(text) == str(escape(text))
    assert type(escaped(text)) is str
    assert escaped(Markup(escape(text))) == str(escape(text))
    assert escaped(34) == "34" and escaped(None) == "None"


def test_no_template_marks_editor_or_source_text_safe():
    """Templates never use |safe, |safeseq or autoescape off/false; Python marks safe only escaped pieces."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for template in (root / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"\|\s*safe(seq)?\b|autoescape\s+(off|false)", text), template
    allowed = {  # (module, what is marked safe): each built from escaped pieces, reviewed
        "stories/markup.py", "stories/structured_data.py", "stories/search.py",
    }
    for module in (root / "stories").rglob("*.py"):
        text = module.read_text(encoding="utf-8")
        if "mark_safe(" in text or "Markup(" in text:
            assert str(module.relative_to(root)) in allowed, module


@pytest.mark.parametrize("address", [
    "ftp://example.org/file.txt", "javascript:alert(1)", "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd", "https://exa mple.org/",
])
def test_a_source_address_must_be_http_or_https_on_the_desk(as_editor, address):
    source = make_source(url="https://example.org/a")
    data = form_data(as_editor.get(admin_url(source)))
    data["url"] = [address]
    response = as_editor.post(admin_url(source), data)
    assert response.status_code == 200
    assert "http://" in errors_on(response) or "Enter a valid URL" in errors_on(response)
    assert Source.objects.get(pk=source.pk).url == "https://example.org/a"


def test_a_source_address_may_be_http_or_https(as_editor):
    source = make_source(url="")
    for address in ("http://example.org/a", "https://example.org/b?x=1#frag"):
        data = form_data(as_editor.get(admin_url(source)))
        data["url"] = [address]
        assert as_editor.post(admin_url(source), data).status_code == 302
        assert Source.objects.get(pk=source.pk).url == address


def test_the_model_refuses_other_schemes_whatever_writes_it():
    source = make_source()
    for address in ("ftp://example.org/x", "javascript:alert(1)"):
        source.url = address
        with pytest.raises(ValidationError, match="http:// or https://"):
            source.full_clean()


@pytest.mark.parametrize("address", ["ftp://example.org/x", "javascript:alert(1)", "https://exa mple.org/"])
def test_the_importer_refuses_the_same_addresses(tmp_path, address):
    (tmp_path / "a.txt").write_text(f"---\nurl: {address}\n---\nHeadline\n\nBody.\n", encoding="utf-8")
    with pytest.raises(CommandError, match="url must start with http:// or https://"):
        call_command("import_seeds", path=tmp_path, stdout=io.StringIO())
    assert not Source.objects.exists()


def test_feed_readers_get_paragraphs_and_escaped_markup_not_double_escaped_text(client):
    update = make_update(body="Talks <b>resumed</b>.\n\nSecond paragraph.")
    Story.objects.filter(pk=update.story.pk).update(standfirst="Fish & <i>chips</i>")
    rss = ET.fromstring(client.get(reverse("stories:story-feed-rss", args=[update.story.slug])).content)
    assert rss.find("channel/item/description").text == (
        "<p>Talks &lt;b&gt;resumed&lt;/b&gt;.</p>\n\n<p>Second paragraph.</p>"
    )
    assert rss.find("channel/description").text == "Fish &amp; &lt;i&gt;chips&lt;/i&gt;"
    site = ET.fromstring(client.get(reverse("stories:feed-rss")).content)
    assert site.find("channel/item/description").text == "Fish &amp; &lt;i&gt;chips&lt;/i&gt;"
