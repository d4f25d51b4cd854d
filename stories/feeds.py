"""RSS and Atom feeds: the site's stories, and each story's updates.

Only published rows, always through `published()`. A corrected update keeps its id and link and
moves its `updated` time (`Update.last_changed_for_readers()`), with the correction notes in its description,
so feed readers show it as an updated entry instead of a new post.
"""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.db.models import Max, Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.template.defaultfilters import linebreaks_filter
from django.utils.html import escape, format_html, format_html_join

from .models import Correction, Story, Update, visible_to_readers

FEED_LENGTH = 50


def update_description(update: Update) -> str:
    """The update's body as feed HTML, each correction note after it; editor text escaped."""
    notes = format_html_join(
        "", "<p><strong>Correction ({}):</strong> {}</p>",
        ((c.corrected_at.strftime("%Y-%m-%d %H:%M UTC"), c.note) for c in update.corrections.all()),
    )
    # linebreaks_filter returns safe HTML (django.utils.html.linebreaks a plain str format_html would escape again).
    return format_html("{}{}", linebreaks_filter(update.body, autoescape=True), notes)


class LatestStoriesFeed(Feed):
    title = "Newsroom: latest stories"
    description = "Developing stories held as sourced, structured data."

    def link(self):
        return reverse("stories:home")

    def items(self):
        return (
            Story.objects.published()
            .annotate(last_update_published=Max("updates__published_at", filter=visible_to_readers("updates__")))
            .order_by("-published_at", "-pk")[:FEED_LENGTH]
        )

    def item_title(self, story: Story) -> str:
        return story.title

    def item_description(self, story: Story) -> str:
        # Feed readers render an item's description as HTML; the standfirst is plain text.
        return escape(story.standfirst)

    def item_pubdate(self, story: Story):
        return story.published_at

    def item_updateddate(self, story: Story):
        return max(moment for moment in (story.published_at, story.last_update_published) if moment)


class LatestStoriesAtomFeed(LatestStoriesFeed):
    feed_type = Atom1Feed
    subtitle = LatestStoriesFeed.description


class StoryUpdatesFeed(Feed):
    def get_object(self, request, slug: str) -> Story:
        return get_object_or_404(Story.objects.published(), slug=slug)

    def title(self, story: Story) -> str:
        return f"{story.title}: live updates"

    def link(self, story: Story) -> str:
        return story.get_absolute_url()

    def description(self, story: Story) -> str:
        return escape(story.standfirst)

    def items(self, story: Story):
        return (
            Update.objects.published().filter(story=story).select_related("story")
            .prefetch_related(Prefetch("corrections", queryset=Correction.objects.order_by("corrected_at", "pk")))
            .order_by("-published_at", "-pk")[:FEED_LENGTH]
        )

    def item_title(self, update: Update) -> str:
        return update.headline

    def item_description(self, update: Update) -> str:
        return update_description(update)

    def item_pubdate(self, update: Update):
        return update.published_at

    def item_updateddate(self, update: Update):
        return update.last_changed_for_readers()


class StoryUpdatesAtomFeed(StoryUpdatesFeed):
    feed_type = Atom1Feed

    def subtitle(self, story: Story) -> str:
        return story.standfirst
