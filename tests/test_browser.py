"""A reader in real headless Chromium: home → story → filter → claim → highlighted source, on a phone too.

Screenshots go to tests/artifacts/ (git-ignored) so a person can look at the pages.
"""

import re

import pytest
from django.urls import reverse

from stories.models import Claim, Update
from stories.page_data import UPDATES_ON_STORY_PAGE

from .factories import ARTIFACTS, CHROMIUM, SEED_STORY

PHONE = {"width": 390, "height": 844}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Chromium at /usr/bin/chromium (Debian package `chromium`)"),
]


def new_page(browser, **options):
    context = browser.new_context(viewport=options.pop("viewport", {"width": 1280, "height": 900}), **options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def horizontal_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_reader_goes_from_home_to_story_filters_and_follows_a_claim_to_its_source(browser, live_server, london_story):
    page = new_page(browser, timezone_id="Europe/London")
    page.goto(live_server.url + "/")
    assert page.locator(".story-card--live .badge-live").inner_text().lower() == "live"
    shot(page, "home")

    page.get_by_role("link", name="US–China trade talks in London").first.click()
    assert page.locator("h1").inner_text() == "US–China trade talks in London"
    assert page.locator("#updates .update").first.locator(".tag--pinned").is_visible()
    assert page.locator(".timeline-chart .timeline-chart__mark--span").count() == 1
    assert "Lancaster House" in page.locator(".timeline").inner_text()
    shot(page, "story")

    page.get_by_role("link", name=re.compile("^Full timeline")).click()
    page.get_by_label("Key events only").check()
    page.get_by_role("button", name="Apply").click()
    assert "key=on" in page.url
    assert page.locator(".timeline-list__item").count() == 4
    assert page.locator(".results-heading").inner_text() == "4 events"
    shot(page, "timeline-key-events")

    page.get_by_role("link", name="Claims", exact=True).click()
    page.get_by_label("Said by").select_option(label="Donald Trump")
    page.get_by_role("button", name="Apply").click()
    assert "claimant=donald-trump" in page.url
    page.get_by_role("link", name="“China is not easy to deal with”").click()
    assert page.locator("h1").inner_text() == "“China is not easy to deal with”"
    assert page.locator(".citation mark").inner_text() == "reminding everyone “China is not easy to deal with”"
    shot(page, "claim")

    page.locator(".citation__source a").first.click()
    page.wait_for_load_state()
    fragment = page.evaluate("location.hash")
    assert re.fullmatch(r"#c\d+", fragment)
    target = page.locator("mark:target")
    assert target.inner_text() == "reminding everyone “China is not easy to deal with”"
    assert target.is_visible()
    # The browser scrolls the passage into view (smoothly, so wait for the scroll to settle).
    page.wait_for_function(
        "() => { const r = document.querySelector('mark:target').getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= window.innerHeight; }",
        timeout=5_000,
    )
    background = target.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background == "rgb(255, 210, 92)"  # the stronger highlight for the passage linked to
    page.screenshot(path=str(ARTIFACTS / "source-highlight.png"))


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("home", "/"),
        ("story", f"/stories/{SEED_STORY}/"),
        ("timeline", f"/stories/{SEED_STORY}/timeline/"),
        ("claims-with-bad-filter", f"/stories/{SEED_STORY}/claims/?verification_status=bogus&date_from=2025-02-30"),
        ("updates", f"/stories/{SEED_STORY}/updates/"),
        ("actor", "/actors/scott-bessent/"),
        ("search", "/search/?q=rare+earth"),
    ],
)
def test_pages_fit_a_phone_screen(browser, live_server, name, path):
    page = new_page(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(live_server.url + path)
    assert horizontal_overflow(page) <= 0, path
    shot(page, f"phone-{name}")


def test_claim_and_source_pages_fit_a_phone_screen(browser, live_server, london_story):
    claim = Claim.objects.get(natural_key__endswith="china-exports-to-us-fell")
    source = claim.citations.get().source
    page = new_page(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    for name, url in (("phone-claim", claim.get_absolute_url()), ("phone-source", source.get_absolute_url())):
        page.goto(live_server.url + url)
        assert horizontal_overflow(page) <= 0, url
        shot(page, name)


def test_times_also_show_in_the_readers_own_zone_with_javascript(browser, live_server, london_story):
    page = new_page(browser, timezone_id="America/New_York")
    page.goto(live_server.url + london_story.get_absolute_url())
    update = page.locator("#updates .update", has_text="Lutnick: talks are going well")
    assert update.locator("time").inner_text() == "June 10, 2025, 10:00 BST"
    assert update.locator(".local-time").inner_text() == "(05:00 EDT your time)"


def test_pages_work_without_javascript(browser, live_server, london_story):
    page = new_page(browser, java_script_enabled=False)
    page.goto(live_server.url + london_story.get_absolute_url())
    assert page.locator(".local-time").count() == 0
    published = Update.objects.published().filter(story=london_story).count()
    assert published > UPDATES_ON_STORY_PAGE
    assert page.locator("#updates .update").count() == UPDATES_ON_STORY_PAGE
    assert page.get_by_role("link", name=f"Show all {published} updates").is_visible()
    page.goto(live_server.url + reverse("stories:story-timeline", args=[SEED_STORY]))
    page.get_by_label("Key events only").check()
    page.get_by_role("button", name="Apply").click()
    assert page.locator(".timeline-list__item").count() == 4


def test_keyboard_reader_gets_a_visible_skip_link_and_focus_ring(browser, live_server, london_story):
    page = new_page(browser)
    page.goto(live_server.url + london_story.get_absolute_url())
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    box = skip.bounding_box()
    assert box["y"] >= 0 and box["x"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


@pytest.mark.parametrize(
    "path",
    ["/", f"/stories/{SEED_STORY}/", f"/stories/{SEED_STORY}/timeline/", "/actors/donald-trump/", "/search/?q=talks"],
)
def test_headings_descend_in_order_and_landmarks_are_present(browser, live_server, london_story, path):
    page = new_page(browser)
    page.goto(live_server.url + path)
    levels = page.evaluate("[...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => Number(h.tagName[1]))")
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), levels
    for landmark in ("header", "nav", "main", "footer"):
        assert page.locator(landmark).count() >= 1, landmark
    timeline_items = page.locator("ol.timeline-list > li").count()
    if "timeline" in path or path.endswith(f"{SEED_STORY}/"):
        assert timeline_items == 6


CONTRAST_FAILURES = """
() => {
  const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const c = parse(getComputedStyle(node).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const failures = [];
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest("svg") || el.closest(".visually-hidden")) continue;
    const ownText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!ownText || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    const fg = parse(style.color).slice(0, 3);
    const [a, b] = [lum(fg), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) failures.push(`${el.tagName}.${el.className}: ${ratio.toFixed(2)}`);
  }
  return failures;
}
"""


@pytest.mark.parametrize(
    "path",
    ["/", f"/stories/{SEED_STORY}/", f"/stories/{SEED_STORY}/claims/?date_from=bad", "/actors/donald-trump/", "/search/?q=talks"],
)
def test_text_meets_wcag_aa_contrast(browser, live_server, london_story, path):
    page = new_page(browser)
    page.goto(live_server.url + path)
    assert page.evaluate(CONTRAST_FAILURES) == []


def test_claim_and_source_text_meet_wcag_aa_contrast(browser, live_server, london_story):
    claim = Claim.objects.get(natural_key__endswith="china-rare-earth-share")
    page = new_page(browser)
    for url in (claim.get_absolute_url(), claim.citations.get().source.get_absolute_url()):
        page.goto(live_server.url + url)
        assert page.evaluate(CONTRAST_FAILURES) == [], url
