"""Plain builder functions for tests: make_story(**overrides) and friends, staff accounts, a
browser's view of an admin form, files the importer must refuse, and a synthetic story of any
size (the benchmark builds its stories with it too)."""

import io
import random
import re
from datetime import timedelta
from html.parser import HTMLParser
from itertools import count
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stories.dates import Precision
from stories.models import (
    Actor,
    ActorAlias,
    ActorKind,
    Citation,
    Claim,
    ClaimKind,
    ClaimStatusChange,
    Correction,
    Event,
    EventParticipation,
    PublicationStatus,
    Source,
    Story,
    Update,
    VerificationStatus,
    text_sha256,
)

SEEDS = Path(settings.NEWSROOM_SEEDS_DIR)
ANNOTATION = "london-trade-talks.toml"

_n = count(1)


def _past():
    return timezone.now() - timedelta(hours=1)


def published(**overrides):
    return {"status": PublicationStatus.PUBLISHED, "published_at": _past(), **overrides}


def make_story(**overrides) -> Story:
    n = next(_n)
    fields = published(title=f"Story {n}", slug=f"story-{n}", standfirst="A developing story.")
    fields.update(overrides)
    return Story.objects.create(**fields)


def make_actor(**overrides) -> Actor:
    n = next(_n)
    fields = published(name=f"Actor {n}", slug=f"actor-{n}", kind=ActorKind.PERSON)
    fields.update(overrides)
    return Actor.objects.create(**fields)


def make_source(**overrides) -> Source:
    n = next(_n)
    fields = published(
        title=f"Source {n}", slug=f"source-{n}",
        text="The minister said “talks are going well” on Tuesday. Exports fell 34.5% in May.",
    )
    fields.update(overrides)
    return Source.objects.create(**fields)


def make_event(story=None, **overrides) -> Event:
    n = next(_n)
    fields = published(
        story=story or make_story(), title=f"Event {n}",
        occurred_at=timezone.now() - timedelta(days=n), precision=Precision.DAY,
    )
    fields.update(overrides)
    return Event.objects.create(**fields)


def make_claim(story=None, **overrides) -> Claim:
    n = next(_n)
    fields = published(
        story=story or make_story(), text=f"Claim {n}", kind=ClaimKind.ASSERTION,
        verification_status=VerificationStatus.UNVERIFIED,
    )
    fields.update(overrides)
    return Claim.objects.create(**fields)


def make_update(story=None, **overrides) -> Update:
    n = next(_n)
    fields = published(story=story or make_story(), headline=f"Update {n}", body=f"Body of update {n}.")
    fields.update(overrides)
    return Update.objects.create(**fields)


def cite(source: Source, excerpt: str, *, confirmed_by=None, **target) -> Citation:
    """A citation of `excerpt`; with `confirmed_by` (an editor) it is confirmed independent support."""
    start = source.text.index(excerpt)
    if confirmed_by is not None:
        target.update(relation="supports", relation_confirmed_by=confirmed_by, relation_confirmed_at=timezone.now())
    return Citation.objects.create(source=source, excerpt=excerpt, start=start, end=start + len(excerpt), **target)


def jpeg_file(width: int, height: int) -> ContentFile:
    """A real JPEG of that size, for an ImageField's save()."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "navy").save(buffer, "JPEG")
    return ContentFile(buffer.getvalue())


# --- Browser tests -----------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
SEED_STORY = "us-china-trade-talks-london-2025"
ARTIFACTS = Path(__file__).parent / "artifacts"  # screenshots, git-ignored


# --- People on the desk ------------------------------------------------------------------------


def make_staff(group: str, username: str | None = None) -> User:
    """A staff user in the Reporter or Editor group (the groups come from migration 0002)."""
    user = User.objects.create_user(username or group.lower(), password="a-long-test-password", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return User.objects.get(pk=user.pk)  # fresh, so the permission cache reflects the group


def draft(**overrides):
    return {"status": PublicationStatus.DRAFT, "published_at": None, **overrides}


# --- Driving admin like a browser ------------------------------------------------------------------


class _FormReader(HTMLParser):
    """Collect what a browser would submit from one <form> (by id): inputs, selects, textareas."""

    def __init__(self, form_id: str | None):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.fields = form_id, False, []
        self._select = self._textarea = None
        self._option_value = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (self.form_id is None or attrs.get("id") == self.form_id):
            self.inside = True
        if not self.inside:
            return
        if tag == "input" and attrs.get("name") and "disabled" not in attrs:
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "file", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.fields.append((attrs["name"], attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and "disabled" not in attrs:
            self._select = {"name": attrs.get("name"), "multiple": "multiple" in attrs, "chosen": [], "first": None}
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in attrs:
                self._select["chosen"].append(value)
        elif tag == "textarea" and attrs.get("name") and "disabled" not in attrs:
            self._textarea = [attrs["name"], ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select" and self._select is not None:
            select, self._select = self._select, None
            chosen = select["chosen"] or ([] if select["multiple"] or select["first"] is None else [select["first"]])
            self.fields.extend((select["name"], value) for value in chosen)
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            self.fields.append((name, text[1:] if text.startswith("\n") else text))
            self._textarea = None


def form_data(response, form_id: str | None = None) -> dict:
    """The data a browser would post from the page's form, as a dict of lists."""
    reader = _FormReader(form_id)
    reader.feed(response.content.decode())
    data: dict[str, list[str]] = {}
    for name, value in reader.fields:
        data.setdefault(name, []).append(value)
    return data


def admin_url(obj_or_model, view: str = "change") -> str:
    opts = obj_or_model._meta
    args = [obj_or_model.pk] if view in {"change", "delete", "history"} else []
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def submit(client: Client, url: str, changes: dict | None = None, *, form_id: str | None = None, **extra):
    """GET the page, post its own form back with `changes` applied (a value of None removes a field),
    the way a browser would: a test cannot pass by posting data the page never offered."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    data = form_data(page, form_id)
    for name, value in (changes or {}).items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value if isinstance(value, list) else [value]
    return client.post(url, data, **extra)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def errors_on(response) -> str:
    """All the error text a page shows, flattened for assertions."""
    return " ".join(re.sub(r"<[^>]+>", " ", m) for m in re.findall(
        r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S
    ))


# --- Files the importer must refuse ---------------------------------------------------------------


BAD_ARTICLES = {
    "empty": (b"", "is empty"),
    "whitespace only": (b"  \n\t\n  ", "is empty"),
    "not utf-8": ("Headline\n\nCaf\u00e9 prices".encode("latin-1"), "is not UTF-8"),
    "nul byte": (b"Headline\n\nBody with a \x00 NUL", "NUL byte"),
    "title with no body": (b"Just a headline\n\n   \n", "no body"),
    "unclosed front matter": (b"---\npublisher: Reuters\nHeadline\n\nBody", "never closed"),
}


BAD_ANNOTATIONS = {
    "not toml": ("[story\nslug=", "is not valid TOML"),
    "no story": ('[[actors]]\nslug = "x"\nname = "X"\nkind = "person"\n', "needs a [story] table"),
    "missing excerpt": (None, "excerpt “This sentence is not in the article.” is not in"),
    "unknown actor": (None, "actor 'nobody' is not defined"),
    "bad kind": (None, "kind 'rumour' is not one of"),
    "bad moment": (None, "is not a moment"),
}


def broken_annotation(case: str) -> str:
    good = (SEEDS / ANNOTATION).read_text(encoding="utf-8")
    if case == "missing excerpt":
        return good.replace("Their “very positive” call set the stage", "This sentence is not in the article.", 1).replace(
            'excerpt = "This sentence is not in the article. for the London meeting"',
            'excerpt = "This sentence is not in the article."')
    if case == "unknown actor":
        return good.replace('claimant = "robin-xing"', 'claimant = "nobody"', 1)
    if case == "bad kind":
        return good.replace('kind = "direct_quote"', 'kind = "rumour"', 1)
    if case == "bad moment":
        return good.replace('when = "2025-06-09"', 'when = "9 June"', 1)
    raise AssertionError(case)


# --- A story of any size, for query budgets and the benchmark ---------------------------------------


PUBLISHED = {"status": PublicationStatus.PUBLISHED}
FIRST_NAMES = ["Ana", "Ben", "Chen", "Dara", "Eli", "Femi", "Gus", "Hana", "Ivo", "Jun"]
LAST_NAMES = ["Li", "Okafor", "Smith", "Wang", "Garcia", "Kim", "Novak", "Singh", "Haddad", "Ito"]
PRECISIONS = [Precision.MONTH, Precision.DAY, Precision.DAY, Precision.HOUR, Precision.MINUTE]


def sentence(rng: random.Random, n: int) -> str:
    return (
        f"Negotiator {n} said “progress on item {n} is {rng.choice(['slow', 'steady', 'real'])}” "
        f"as exports fell {rng.randint(1, 40)}.{rng.randint(0, 9)}% in round {n}."
    )


@transaction.atomic
def build_story(events: int, *, slug: str | None = None, seed: int = 7) -> Story:
    """Create a published live story with `events` events, claims and updates (and actors, sources)."""
    rng = random.Random(seed)
    now = timezone.now()
    published_at = now - timedelta(days=3)
    story = Story.objects.create(
        title=f"Synthetic talks with {events:,} events", slug=slug or f"synthetic-{events}",
        standfirst="A generated story for benchmarks.", is_live=True, coverage_start=published_at,
        published_at=published_at, key_developments="First development\nSecond development",
        **PUBLISHED,
    )
    n_actors = max(10, events // 20)
    actors = Actor.objects.bulk_create([
        Actor(name=f"{FIRST_NAMES[i % 10]} {LAST_NAMES[(i // 10) % 10]} {i}", slug=f"{slug or 'synthetic'}-actor-{events}-{i}",
              kind=ActorKind.PERSON, role_title=f"Minister {i}", published_at=published_at, **PUBLISHED)
        for i in range(n_actors)
    ])
    ActorAlias.objects.bulk_create(
        [ActorAlias(actor=a, alias=f"Alias {story.slug} {a.slug}") for a in actors]
    )
    n_sources = max(2, events // 10)
    texts = ["\n".join(sentence(rng, s * 10 + k) for k in range(12)) for s in range(n_sources)]
    sources = []
    for s, text in enumerate(texts):
        source = Source(title=f"Source {s} for {story.slug}", slug=f"{story.slug}-source-{s}",
                        publisher=f"Wire {s % 5}", text=text, published_at=published_at,
                        source_published_at=published_at, content_group=f"wire-{s % 7}", **PUBLISHED)
        source.sha256 = text_sha256(text)  # bulk_create skips save(), which sets it
        sources.append(source)
    Source.objects.bulk_create(sources)
    event_rows = []
    for i in range(events):
        precision = PRECISIONS[i % len(PRECISIONS)]
        occurred = now - timedelta(hours=(events - i) * 3)
        span = i % 50 == 0
        event_rows.append(Event(
            story=story, title=f"Event {i}: round {i} of talks", description=f"Description of event {i}.",
            occurred_at=occurred, precision=precision,
            ends_at=occurred + timedelta(days=30) if span else None,
            ends_precision=Precision.MONTH if span else "",
            place="Lancaster House, London" if i % 3 else "Geneva", is_key_event=i % 25 == 0,
            published_at=published_at, **PUBLISHED,
        ))
    Event.objects.bulk_create(event_rows, batch_size=2000)
    EventParticipation.objects.bulk_create([
        EventParticipation(event=e, actor=actors[(i + k) % n_actors], role="Delegate")
        for i, e in enumerate(event_rows) for k in range(2)
    ], batch_size=2000)
    statuses = list(VerificationStatus.values)[1:]
    claim_rows = []
    for i, event in enumerate(event_rows):
        statistic = i % 4 == 0
        claim_rows.append(Claim(
            story=story, event=event, claimant=actors[i % n_actors],
            kind=ClaimKind.STATISTIC if statistic else ClaimKind.DIRECT_QUOTE,
            text=f"progress on item {i} is steady", made_at=event.occurred_at, made_precision=Precision.DAY,
            verification_status=statuses[i % len(statuses)], verification_note="Checked against the wire.",
            stat_measure="Fall in exports" if statistic else "", stat_unit="percent" if statistic else "",
            stat_value=rng.randint(1, 40) if statistic else None, stat_period="May 2025" if statistic else "",
            published_at=published_at, **PUBLISHED,
        ))
    Claim.objects.bulk_create(claim_rows, batch_size=2000)
    citations = []
    for i, claim in enumerate(claim_rows):
        source_index = i % n_sources
        text = texts[source_index]
        line_no = rng.randrange(12)
        line = text.split("\n")[line_no]
        start = sum(len(x) + 1 for x in text.split("\n")[:line_no])
        citations.append(Citation(source=sources[source_index], claim=claim, excerpt=line, start=start, end=start + len(line)))
    # Every published event rests on a source too, as the desk requires (permissions.citation_blockers).
    for i, event in enumerate(event_rows):
        source_index = (i * 3 + 1) % n_sources
        lines = texts[source_index].split("\n")
        line_no = rng.randrange(12)
        start = sum(len(x) + 1 for x in lines[:line_no])
        citations.append(Citation(source=sources[source_index], event=event, excerpt=lines[line_no],
                                  start=start, end=start + len(lines[line_no])))
    Citation.objects.bulk_create(citations, batch_size=2000)
    ClaimStatusChange.objects.bulk_create([
        ClaimStatusChange(claim=c, from_status=VerificationStatus.UNREVIEWED, to_status=c.verification_status,
                          note="Initial review", changed_at=published_at)
        for c in claim_rows
    ], batch_size=2000)
    update_rows = [
        Update(story=story, posted_at=now - timedelta(minutes=(events - i) * 7), headline=f"Update {i}: talks continue",
               body=f"Paragraph one of update {i}.\n\nParagraph two with more detail about round {i}.",
               is_pinned=i == events - 1, sequence=i + 1, published_at=published_at, **PUBLISHED)
        for i in range(events)
    ]
    Update.objects.bulk_create(update_rows, batch_size=2000)
    Correction.objects.bulk_create([
        Correction(update=u, note=f"Correction: an earlier version of update {i} gave the wrong round.")
        for i, u in enumerate(update_rows) if i % 10 == 5
    ])
    Story.objects.filter(pk=story.pk).update(update_sequence=events)
    story.refresh_from_db()
    return story
