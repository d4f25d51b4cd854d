"""The public pages' filters (stories/filters.py) for the API, plus the story they belong to.

The reader FilterSets are story-scoped (they need the story's zone and actor choices); across
stories the API gives them every published actor and counts days in UTC. Like every FilterSet
here they only narrow the published queryset a view hands them.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import django_filters
from django.db.models import Subquery
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from stories import filters as reader
from stories.models import Actor, ActorKind, Source, SourceKind, Story

UTC = ZoneInfo("UTC")


class _AcrossStories:
    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, tz=UTC, actors=Actor.objects.published(), request=request)

    def filter_story(self, queryset, name, value):
        # The story's key, looked up inside the query: asked as a condition on the joined story's
        # slug, the database sorted every row of the story for each page (15 ms at 10,000 claims on
        # PostgreSQL); by key it walks the (story, published_at, id) index and stops at the page's end.
        return queryset.filter(story_id=Subquery(Story.objects.filter(slug=value).order_by().values("pk")[:1]))


@extend_schema_field(OpenApiTypes.STR)
class ActorSlugFilter(django_filters.ModelChoiceFilter):
    """An actor named by slug (the schema says so; the reader form resolves it to the actor)."""


def _story_filter():
    return django_filters.CharFilter(label="Story slug", method="filter_story")


class EventFilter(_AcrossStories, reader.EventFilter):
    story = _story_filter()

    class Meta(reader.EventFilter.Meta):
        fields = ["story", *reader.EventFilter.Meta.fields]


class ClaimFilter(_AcrossStories, reader.ClaimFilter):
    story = _story_filter()

    class Meta(reader.ClaimFilter.Meta):
        fields = ["story", *reader.ClaimFilter.Meta.fields]


class UpdateFilter(_AcrossStories, reader.UpdateFilter):
    story = _story_filter()
    actor = ActorSlugFilter(
        label="About", method="filter_actor", to_field_name="slug", queryset=Actor.objects.none()
    )
    pinned = django_filters.BooleanFilter(field_name="is_pinned", label="Pinned")

    class Meta(reader.UpdateFilter.Meta):
        fields = ["story", "pinned", *reader.UpdateFilter.Meta.fields]


class StoryFilter(django_filters.FilterSet):
    live = django_filters.BooleanFilter(field_name="is_live", label="Live coverage running")

    class Meta:
        model = Story
        fields = ["live"]


class ActorFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ActorKind.choices)

    class Meta:
        model = Actor
        fields = ["kind"]


class SourceFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=SourceKind.choices)
    publisher = django_filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Source
        fields = ["kind", "publisher"]
