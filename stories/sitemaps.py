"""sitemap.xml (published rows only, each with its lastmod) and the robots.txt that points to it."""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from .models import Actor, Claim, Event, Source, Story, Update, visible_to_readers


class StorySitemap(Sitemap):
    changefreq = "hourly"
    priority = 1.0

    def items(self):
        return (
            Story.objects.published()
            .annotate(last_update_published=Max("updates__published_at", filter=visible_to_readers("updates__")))
            .order_by("-published_at", "-pk")
        )

    def lastmod(self, story: Story):
        return max(moment for moment in (story.updated_at, story.last_update_published) if moment)


class PublishedSitemap(Sitemap):
    """Published rows of one kind, each dated by when readers last saw it change."""

    def __init__(self, rows, *, changefreq: str, priority: float) -> None:
        # A function, so "published" is worked out at each request, not once at import.
        self.rows, self.changefreq, self.priority = rows, changefreq, priority

    def items(self):
        return self.rows()

    def lastmod(self, obj):
        return obj.last_changed_for_readers()


SITEMAPS = {
    "stories": StorySitemap,
    "updates": PublishedSitemap(
        lambda: Update.objects.published().select_related("story").prefetch_related("corrections").order_by("-published_at", "-pk"),
        changefreq="daily", priority=0.6,
    ),
    "events": PublishedSitemap(
        lambda: Event.objects.published().select_related("story").order_by("pk"), changefreq="daily", priority=0.5
    ),
    "claims": PublishedSitemap(lambda: Claim.objects.published().order_by("pk"), changefreq="daily", priority=0.5),
    "actors": PublishedSitemap(lambda: Actor.objects.published().order_by("pk"), changefreq="weekly", priority=0.4),
    "sources": PublishedSitemap(
        lambda: Source.objects.published().defer("text").order_by("pk"), changefreq="weekly", priority=0.3
    ),
}


@require_GET
@cache_control(public=True, max_age=3600)
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Crawlers may read every public page; the admin, previews and the poll are not for them."""
    lines = [
        "User-agent: *",
        f"Disallow: {reverse('admin:index')}",
        "Disallow: /preview/",
        "Disallow: /*/updates/poll/",
        "Allow: /",
        "",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
