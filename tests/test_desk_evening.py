"""One evening of the London talks, played through the desk in a real browser, pages counted.

An editor at the story desk: a new article arrives by its address (served from a local web
server), its quotes, figure and dated sentences land in the review queue; four claims with their
citations and a new actor come out of one decision there; an event with two participants and two
citations; one verification change; two updates. Then readers see all of it on the story page,
in the poll, the feed and the API, and the drafts nowhere.
"""

import importlib
import io
import json

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from stories.models import Actor, Claim, Event, Source, Story, Update

from .autocomplete import choose
from .factories import ARTIFACTS, CHROMIUM, admin_url, client_for, make_staff

PAGE_LOAD_BUDGET = 12

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Chromium at /usr/bin/chromium"),
]

ARTICLE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>US and China agree framework as London talks end | The Ledger</title>
<meta property="og:site_name" content="The Ledger">
<meta name="author" content="Jane Reporter">
<meta property="article:published_time" content="2025-06-10T21:30:00+00:00">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/markets">Markets</a></nav>
<article>
<h1>US and China agree framework as London talks end</h1>
<p>LONDON, June 10 (The Ledger) - The United States and China agreed on Tuesday on a framework to put
their trade truce back on track, after two days of talks at Lancaster House.</p>
<p>“We have reached a handshake on a framework to implement the Geneva consensus,” Commerce Secretary
Howard Lutnick told reporters late on Tuesday.</p>
<p>China’s vice commerce minister Li Chenggang said the talks had been frank. “The communication between
the two sides was very professional, rational, in-depth and candid,” Li Chenggang said.</p>
<p>Hours later, President Donald Trump wrote on social media: “OUR DEAL WITH CHINA IS DONE, subject to
final approval with President Xi and me.”</p>
<p>The United States would keep tariffs of 55% on Chinese goods under the arrangement, a White House
official said.</p>
<p>Last month, the two sides agreed in Geneva to pause most of their tariffs for 90 days.</p>
</article>
<footer>Subscribe to The Ledger</footer>
</body></html>
"""
HEADLINE = "US and China agree framework as London talks end"
EVENT_WORDS = "The United States and China agreed on Tuesday on a framework to put their trade truce back on track"
SEED_WORDS = "US and Chinese delegations reconvened at Lancaster House to continue talks"


@pytest.fixture
def desk(live_server, local_site, monkeypatch, transactional_db):
    """The seeded London story, and a headless Chromium signed in as an editor, counting page loads."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    importlib.import_module("stories.migrations.0002_desk_groups").create_groups(apps, None)
    call_command("import_seeds", stdout=io.StringIO())
    client = client_for(make_staff("Editor", "night-editor"))
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.loads, page.submissions, errors = [], [], []
        page.on("load", lambda: page.loads.append(page.url))
        page.on("request", lambda r: page.submissions.append(r.url)
                if r.method == "POST" and r.is_navigation_request() else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page
        browser.close()
        assert not errors, errors


def candidate_prefix(page, words: str, kind: str = "c") -> str:
    """The form prefix of the review-queue entry of this kind (c: claim, e: event) holding `words`."""
    # By its own words (a claim's "Words", an event's title), not the context quoted around it.
    return page.evaluate("""([kind, words]) => {
        for (const entry of document.querySelectorAll(`article[id^=candidate-${kind}]`)) {
            const own = entry.querySelector("[name$='-text'], [name$='-title']");
            if (own && own.value.includes(words)) return entry.id.replace("candidate-", "");
        }
        return null;
    }""", [kind, words])


def saved(page, shot: str) -> None:
    """The page the form led to says it was saved; if not, keep a screenshot and say what it says."""
    page.wait_for_load_state()
    if page.locator(".messagelist .success").count() == 0:
        page.screenshot(path=ARTIFACTS / f"{shot}.png", full_page=True)
        raise AssertionError(page.inner_text("#content-main")[:2000])


def pick_actor(page, row: int, name: str) -> None:
    """Choose an actor in the participants' autocomplete (select2), as an editor types it."""
    page.locator(".field-actor .select2-selection").nth(row).click()
    page.locator(".select2-search__field").fill(name.split()[-1])
    page.locator(".select2-results__option", has_text=name).first.click()


def test_an_evening_of_news_takes_twelve_page_loads_or_fewer(desk, live_server, local_site):
    page, base = desk, live_server.url
    story = Story.objects.get()
    address = local_site.page("/world/us-china-framework", ARTICLE)
    desk_url = base + admin_url(story)

    # 1-3. A new article arrives: given by its address, fetched, read, and waiting in the queue.
    page.goto(desk_url)
    page.click(".desk-add-source")
    page.fill("[name=url]", address)
    page.select_option("[name=status]", "published")
    page.click("input[name=_save]")
    page.wait_for_selector(".desk-candidate")
    source = Source.objects.get(url=address)
    assert (source.title, source.publisher) == (HEADLINE, "The Ledger")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "desk-evening-review-queue.png", full_page=True)

    # 4. Four claims and a new actor in one decision; a dated sentence accepted as a draft event.
    chosen = {
        "handshake on a framework": {},
        "very professional, rational": {"new_speaker": "Li Chenggang"},
        "OUR DEAL WITH CHINA IS DONE": {},
        "tariffs of 55%": {"stat_measure": "US tariffs on Chinese goods"},
    }
    for words, fields in chosen.items():
        prefix = candidate_prefix(page, words)
        page.check(f"[name={prefix}-selected]")
        page.check(f"[name={prefix}-publish_now]")
        for name, value in fields.items():
            page.fill(f"[name={prefix}-{name}]", value)
    geneva = candidate_prefix(page, "Geneva", kind="e")
    page.check(f"[name={geneva}-selected]")
    page.click("input[name=_accept_selected]")
    saved(page, "desk-evening-accepted")
    li = Actor.objects.get(name="Li Chenggang")

    # 5-7. The event of the evening, with its participants and two citations, on one form.
    page.goto(desk_url)
    page.click("text=Add an event")
    page.fill("[name=title]", "US and China agree a framework in London")
    page.fill("[name=when]", "2025-06-10")
    page.fill("[name=place]", "Lancaster House, London")
    page.check("[name=is_key_event]")
    pick_actor(page, 0, "Howard Lutnick")
    page.click("text=Add another Event participation")
    pick_actor(page, 1, "Li Chenggang")
    choose(page, "citations-0-source", HEADLINE)
    page.fill("[name=citations-0-excerpt]", EVENT_WORDS)
    page.select_option("[name=citations-0-relation]", "supports")
    page.click("text=Add another Citation")
    seed = Source.objects.get(imported_from__startswith="2025-06-10")
    choose(page, "citations-1-source", seed.title)
    page.fill("[name=citations-1-excerpt]", SEED_WORDS)
    page.select_option("[name=citations-1-relation]", "supports")
    page.select_option("[name=status]", "published")
    page.click("input[name=_save]")
    saved(page, "desk-evening-event")
    assert "It is live on the story page." in page.inner_text(".messagelist")

    # 8-9. One verification change, with the note readers will see.
    lutnick_claim = Claim.objects.get(text__contains="handshake on a framework")
    page.click(f"a[href*='/claim/{lutnick_claim.pk}/change/']")
    page.select_option("[name=verification_status]", "corroborated")
    page.fill("[name=verification_note]", "Confirmed by Li Chenggang's account and the White House.")
    page.click("input[name=_save]")
    saved(page, "desk-evening-verification")

    # 10-11. Two updates, posted from the desk.
    for headline, body in (
        ("US and China agree a framework", "Both sides say they have agreed a framework to revive the Geneva truce."),
        ("Trump: ‘our deal with China is done’", "The president says the deal awaits his and Xi’s final approval."),
    ):
        page.fill("#quick-post [name=headline]", headline)
        page.fill("#quick-post [name=body]", body)
        page.click("#quick-post input[type=submit]")
        saved(page, "desk-evening-update")
    page.screenshot(path=ARTIFACTS / "desk-evening-story-desk.png", full_page=True)

    assert len(page.loads) <= PAGE_LOAD_BUDGET, page.loads
    print(f"\nThe evening took {len(page.loads)} page loads and {len(page.submissions)} form submissions.")

    # Readers: everything published is there, with its words; the drafts are nowhere.
    claims = Claim.objects.filter(citations__source=source, review_state="accepted").distinct()
    assert claims.count() == 4 and all(c.is_published() for c in claims)
    assert {c.claimant for c in claims} >= {li}
    event = Event.objects.get(title="US and China agree a framework in London")
    assert event.is_published() and event.citations.count() == 2
    assert {p.actor.name for p in event.participations.all()} == {"Howard Lutnick", "Li Chenggang"}
    draft_event = Event.objects.get(citations__source=source, status="draft")

    reader = page.context.browser.new_context(viewport={"width": 390, "height": 844})
    phone = reader.new_page()
    phone.goto(base + reverse("stories:story-detail", args=[story.slug]))
    text = phone.inner_text("body")
    for words in ("US and China agree a framework", "our deal with China is done", "Li Chenggang",
                  "US and China agree a framework in London"):
        assert words.lower() in text.lower(), words
    assert draft_event.title not in text
    phone.screenshot(path=ARTIFACTS / "desk-evening-reader-phone.png", full_page=True)

    poll = json.loads(phone.request.get(base + reverse("stories:update-poll", args=[story.slug]) + "?after=0").text())
    assert "Trump: ‘our deal with China is done’" in json.dumps(poll, ensure_ascii=False)
    feed = phone.request.get(base + reverse("stories:story-feed-rss", args=[story.slug])).text()
    assert "US and China agree a framework" in feed
    api = phone.request.get(base + "/api/v1/claims/?page_size=100").text()
    assert "OUR DEAL WITH CHINA IS DONE" in api
    events_api = phone.request.get(base + "/api/v1/events/?page_size=100").text()
    assert event.title in events_api and draft_event.title not in events_api
    assert Update.objects.published().filter(story=story).count() >= 2


def test_selecting_words_in_a_source_makes_a_claim_cited_to_exactly_them(desk, live_server):
    page, base = desk, live_server.url
    story = Story.objects.get()
    source = Source.objects.get(imported_from__startswith="2025-06-10")
    words = "US and Chinese delegations reconvened at Lancaster House"
    page.goto(base + admin_url(source))
    # Select the words in the text box as an editor would with the mouse (offsets in UTF-16 there).
    page.evaluate("""(words) => {
        const box = document.querySelector("textarea[name=text]");
        const at = box.value.indexOf(words);
        box.focus();
        box.setSelectionRange(at, at + words.length);
    }""", words)
    page.select_option("[name=review_for_story]", str(story.pk))  # the story the editor is working on
    page.click("button:has-text('Make a claim')")
    page.wait_for_selector("[name=citations-0-excerpt]")
    assert page.input_value("[name=citations-0-excerpt]") == words
    page.fill("[name=text]", "The delegations reconvened at Lancaster House on June 10.")
    page.select_option("[name=kind]", "assertion")
    page.select_option("[name=status]", "published")
    page.click("input[name=_save]")
    saved(page, "desk-make-a-claim")
    claim = Claim.objects.get(text__startswith="The delegations reconvened")
    citation = claim.citations.get()
    # The source begins with an emoji flag: the offsets are still Python's, so the words match.
    assert source.text[citation.start:citation.end] == words and claim.is_published()
