"""The reader pages in real Chromium, measured: axe-core on every reader page at 1,280 and 390 px,
keyboard focus, the timeline as a screen reader and a phone get it, deep links to one update,
and Core Web Vitals of the story page with a lead image on a throttled phone.

axe-core is the npm package, injected into each page. The test finds `axe.min.js` through
$AXE_CORE_JS or at .ci/node/node_modules/axe-core/ (`make axe` installs it there; `make test`
and `.ci/run` do so when it is missing).
"""

import io
import json
import os
import random
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image, ImageFilter

from stories import images
from stories.models import Actor, Citation, Claim, Event, Source, Update
from stories.page_data import UPDATES_ON_STORY_PAGE

from .factories import ARTIFACTS, CHROMIUM, SEED_STORY

AXE_JS = Path(os.environ.get("AXE_CORE_JS") or Path(__file__).parent.parent / ".ci/node/node_modules/axe-core/axe.min.js")
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
# Written by the Core Web Vitals test, for the README and the lead.
VITALS_REPORT = ARTIFACTS / "web-vitals.json"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Chromium at /usr/bin/chromium (Debian package `chromium`)"),
]


def photo_like_jpeg(width: int, height: int) -> bytes:
    """A JPEG that weighs what a news photograph does (fine texture over a gradient: its 1,600 px
    rendition is about 230 kB, its 1,200 px one about 135 kB), not a flat colour that compresses
    to nothing."""
    rng = random.Random(15)
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    noise = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3)).filter(ImageFilter.GaussianBlur(1))
    buffer = io.BytesIO()
    Image.blend(image, noise, 0.35).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


@pytest.fixture
def story_with_pictures(london_story, settings):
    """The London story with a lead image (renditions made, as the desk makes them on save),
    served by a stand-in for the production static server (tests/media_urls.py)."""
    settings.ROOT_URLCONF = "tests.media_urls"
    london_story.lead_image.save("lancaster-house.jpg", ContentFile(photo_like_jpeg(2000, 1125)), save=False)
    london_story.lead_image_alt = "Lancaster House, where the delegations meet"
    london_story.lead_image_credit = "Photo: Newsroom"
    london_story.save()
    images.renditions(london_story.lead_image.name)
    return london_story


def open_page(browser, size: str, **options):
    # bypass_csp: axe is injected as a script, which the site's strict CSP rightly refuses.
    context = browser.new_context(viewport=WIDTHS[size], bypass_csp=True, **options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.script_errors = errors
    return page


def reader_pages(story) -> dict[str, str]:
    slug = story.slug
    claim = Claim.objects.published().filter(story=story, citations__isnull=False).order_by("pk").first()
    return {
        "home": "/",
        "story": story.get_absolute_url(),
        "updates": reverse("stories:story-updates", args=[slug]),
        "timeline": reverse("stories:story-timeline", args=[slug]),
        "claims": reverse("stories:story-claims", args=[slug]),
        "update": Update.objects.published().filter(story=story).order_by("pk").first().get_absolute_url(),
        "event": Event.objects.published().filter(story=story).order_by("pk").first().get_absolute_url(),
        "claim": claim.get_absolute_url(),
        "actor": Actor.objects.published().get(slug="scott-bessent").get_absolute_url(),
        "source": Source.objects.published().order_by("pk").first().get_absolute_url(),
        "search": "/search/?q=rare+earth",
        "search, nothing found": "/search/?q=xylophone",
        "not found": "/stories/no-such-story/",
    }


def axe_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"] if v["impact"] in {"serious", "critical"}
    ]


@pytest.mark.parametrize("size", WIDTHS)
def test_no_serious_or_critical_accessibility_violations_on_any_reader_page(browser, live_server, story_with_pictures, size):
    assert AXE_JS.exists(), f"axe-core not found at {AXE_JS}: run `make axe` or set AXE_CORE_JS"
    page = open_page(browser, size)
    # axe itself is running and reporting: an image without alt text is a critical violation.
    page.set_content("<!doctype html><html lang='en'><title>t</title><main><img src='x.png'></main></html>")
    assert any(v.startswith("image-alt (critical)") for v in axe_violations(page))
    found = {}
    for name, path in reader_pages(story_with_pictures).items():
        page.goto(live_server.url + path)
        violations = axe_violations(page)
        if violations:
            found[name] = violations
    assert found == {}
    assert page.script_errors == []


def test_keyboard_focus_is_visible_on_every_stop_of_the_story_page(browser, live_server, story_with_pictures):
    page = open_page(browser, "desktop")
    page.goto(live_server.url + story_with_pictures.get_absolute_url())
    invisible = []
    for _ in range(40):
        page.keyboard.press("Tab")
        ring = page.evaluate(
            "() => { const el = document.activeElement, s = getComputedStyle(el);"
            " return [el.outerHTML.slice(0, 80), s.outlineStyle, parseFloat(s.outlineWidth)]; }"
        )
        if ring[1] == "none" or ring[2] < 2:
            invisible.append(ring[0])
    assert invisible == []


def test_the_contents_bar_reaches_the_timeline_from_the_top(browser, live_server, story_with_pictures):
    page = open_page(browser, "desktop")
    page.goto(live_server.url + story_with_pictures.get_absolute_url())
    page.locator(".story-contents").get_by_role("link", name="Timeline").click()
    page.wait_for_function(
        "() => { const r = document.getElementById('timeline').getBoundingClientRect();"
        " return r.top >= 0 && r.top < window.innerHeight / 2; }"
    )
    # Sticky on a wide screen: still there after the jump.
    assert page.locator(".story-contents").bounding_box()["y"] == 0


def test_the_timeline_is_a_list_for_screen_readers_and_each_mark_names_its_event(browser, live_server, london_story):
    page = open_page(browser, "desktop")
    page.goto(live_server.url + london_story.get_absolute_url())
    timeline = page.locator("#timeline")
    assert timeline.locator("svg.timeline-chart").get_attribute("aria-hidden") == "true"
    items = timeline.get_by_role("list").first.get_by_role("listitem")
    titles = [t.strip() for t in timeline.locator(".timeline-list__title").all_inner_texts()]
    assert items.count() == len(titles) == 6
    tooltips = timeline.locator(".timeline-chart__mark > title").all_text_contents()
    assert len(tooltips) == len(titles)
    for number, (tooltip, title) in enumerate(zip(tooltips, titles), start=1):
        assert tooltip.startswith(f"{number}. {title} — "), tooltip
    assert any("some time in May 2025" in t for t in tooltips)


def test_the_legend_shows_only_the_symbols_the_chart_draws(browser, live_server, london_story):
    page = open_page(browser, "desktop")
    page.goto(reverse("stories:story-timeline", args=[SEED_STORY]).join([live_server.url, "?key=on"]))
    drawn = set(page.evaluate(
        "[...document.querySelectorAll('.timeline-chart__mark')].flatMap(g => {"
        " const key = g.classList.contains('timeline-chart__mark--key');"
        " const shape = [...g.classList].find(c => /--(point|period|span)$/.test(c)).split('--')[1];"
        " return key ? ['key', ...(shape === 'point' ? [] : [shape])] : [shape]; })"
    ))
    legend = set(page.evaluate(
        "[...document.querySelectorAll('.timeline-legend .legend-swatch')]"
        ".map(s => [...s.classList].find(c => c.startsWith('legend-swatch--')).split('--')[1])"
    ))
    assert legend == drawn
    # Key events only here: four key events, all points or month bands; no plain day point.
    assert "point" not in legend


def test_month_axis_labels_do_not_collide_on_a_phone(browser, live_server, london_story):
    page = open_page(browser, "phone")
    for path in (london_story.get_absolute_url(), reverse("stories:story-timeline", args=[SEED_STORY])):
        page.goto(live_server.url + path)
        boxes = page.evaluate(
            "[...document.querySelectorAll('.timeline-chart__tick-label')]"
            ".filter(t => getComputedStyle(t).display !== 'none')"
            ".map(t => { const r = t.getBoundingClientRect(); return [r.left, r.right, t.textContent]; })"
        )
        assert len(boxes) >= 3
        for (_, right, label), (left, _, next_label) in zip(boxes, boxes[1:]):
            assert right + 4 <= left, f"{label!r} runs into {next_label!r} on {path}"


def test_a_link_to_an_update_beyond_the_latest_opens_that_update(browser, live_server, london_story):
    updates = list(Update.objects.published().filter(story=london_story).order_by("-is_pinned", "-posted_at", "-pk"))
    assert len(updates) > UPDATES_ON_STORY_PAGE
    recent, older = updates[0], updates[-1]
    page = open_page(browser, "desktop")
    page.goto(f"{live_server.url}{london_story.get_absolute_url()}#update-{older.pk}")
    page.wait_for_url(f"{live_server.url}{older.get_absolute_url()}")
    assert page.locator("h1").inner_text() == older.headline
    page.goto(f"{live_server.url}{london_story.get_absolute_url()}#update-{recent.pk}")
    assert page.url.endswith(f"#update-{recent.pk}")
    assert page.locator(f"#update-{recent.pk}").is_visible()


def test_excerpt_context_shows_the_sources_line_breaks(browser, live_server, london_story):
    citation = next(
        c for c in Citation.objects.filter(claim__in=Claim.objects.published()).select_related("source").order_by("pk")
        if "\n" in c.source.text[max(0, c.start - 120):c.start]
    )
    page = open_page(browser, "desktop")
    page.goto(live_server.url + citation.claim.get_absolute_url())
    context = page.locator(f"#citation-{citation.pk} .citation__context").inner_text()
    assert "\n" in context.split(citation.excerpt[:20])[0]


def test_no_request_of_a_reader_page_fails(browser, live_server, story_with_pictures):
    page = open_page(browser, "phone")
    failed = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    for name, path in reader_pages(story_with_pictures).items():
        if name != "not found":
            page.goto(live_server.url + path)
            page.wait_for_load_state("networkidle")
    assert failed == []


WEB_VITALS = """
() => new Promise((resolve) => {
  let lcp = 0, lcpElement = "", cls = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) { lcp = entry.startTime; lcpElement = entry.element ? entry.element.tagName : ""; }
  }).observe({type: "largest-contentful-paint", buffered: true});
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) { if (!entry.hadRecentInput) cls += entry.value; }
  }).observe({type: "layout-shift", buffered: true});
  setTimeout(() => resolve({lcp, lcpElement, cls}), 3000);
})
"""


# Lighthouse's mobile profile: a mid-range phone (CPU 4× slower) on slow 4G.
SLOW_4G = {"offline": False, "latency": 150, "downloadThroughput": 1.6 * 1024 * 1024 / 8, "uploadThroughput": 750 * 1024 / 8}


def test_story_page_core_web_vitals_on_a_throttled_phone(browser, live_server, story_with_pictures):
    url = live_server.url + story_with_pictures.get_absolute_url()
    open_page(browser, "phone").goto(url)  # warms the server's caches, as any earlier reader did
    # A first visit: a fresh context, nothing in the browser's cache.
    page = open_page(browser, "phone", is_mobile=True, has_touch=True, device_scale_factor=3)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    page.goto(url, wait_until="load")
    vitals = page.evaluate(WEB_VITALS)
    lead = page.locator(".lead-image img")
    assert lead.evaluate("img => img.complete && img.naturalWidth > 0")
    chosen = lead.evaluate("img => img.currentSrc")
    image_bytes = page.evaluate(f"performance.getEntriesByName({chosen!r})[0].encodedBodySize")
    ARTIFACTS.mkdir(exist_ok=True)
    report = {**vitals, "image": chosen.rsplit("/", 1)[1], "image_bytes": image_bytes,
              "cpu_throttling": 4, "network": "150 ms, 1.6 Mbit/s", "viewport": "390x844@3x"}
    VITALS_REPORT.write_text(json.dumps(report, indent=2))
    print(f"LCP {vitals['lcp']:.0f} ms ({vitals['lcpElement']}), CLS {vitals['cls']:.4f}, {report}")
    assert vitals["lcpElement"] in {"IMG", "H1", "P"}
    assert 0 < vitals["lcp"] < 2500
    assert vitals["cls"] < 0.1
