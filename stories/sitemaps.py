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


class UpdateSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.6

    def items(self):
        return Update.objects.published().select_related("story").order_by("-published_at", "-pk")

    def lastmod(self, update: Update):
        return max(update.updated_at, update.published_at)


class EventSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.5

    def items(self):
        return Event.objects.published().select_related("story").order_by("pk")

    def lastmod(self, event: Event):
        return max(event.updated_at, event.published_at)


class ClaimSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.5

    def items(self):
        return Claim.objects.published().order_by("pk")

    def lastmod(self, claim: Claim):
        return max(claim.updated_at, claim.published_at)


class ActorSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.4

    def items(self):
        return Actor.objects.published().order_by("pk")

    def lastmod(self, actor: Actor):
        return max(actor.updated_at, actor.published_at)


class SourceSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.3

    def items(self):
        return Source.objects.published().defer("text").order_by("pk")

    def lastmod(self, source: Source):
        return max(source.updated_at, source.published_at)


SITEMAPS = {
    "stories": StorySitemap,
    "updates": UpdateSitemap,
    "events": EventSitemap,
    "claims": ClaimSitemap,
    "actors": ActorSitemap,
    "sources": SourceSitemap,
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
