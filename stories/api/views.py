"""Read-only API views: every queryset starts from published(), every list is prefetched."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db.models import Prefetch
from django.urls.converters import SlugConverter
from django.utils.cache import get_conditional_response, patch_cache_control
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import viewsets
from rest_framework.response import Response

from stories.caching import stamped_page
from stories.models import (
    Actor,
    Citation,
    Claim,
    ClaimStatusChange,
    Correction,
    Event,
    Source,
    Story,
    Update,
)

from . import filters, serializers


def published_citations():
    """Citations whose source readers can see; the source's text stays behind."""
    return Prefetch(
        "citations",
        queryset=Citation.objects.backing()
        .only("pk", "claim_id", "event_id", "excerpt", "start", "end", "relation", "relation_confirmed_by_id",
              "source__slug")
        .order_by("source__slug", "start"),
        to_attr="published_citations",
    )


# What a slug may hold is what Django's <slug:> converter takes on the reader pages: anything else
# is a 404 from the router, before PostgreSQL is asked about a NUL byte it cannot store.
SLUG = SlugConverter.regex


class ConditionalReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """GET and HEAD only; each answer carries an ETag of its body and honours If-None-Match."""

    http_method_names = ["get", "head"]

    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        # Rendered answers are kept until anything readers can see changes (stories.caching).
        return stamped_page(super().as_view(actions, **initkwargs))

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            response.render()
            etag = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'
            response["ETag"] = etag
            # No longer than the reader pages' cache: a change reaches API clients within it.
            patch_cache_control(response, public=True, max_age=max(settings.NEWSROOM_PAGE_CACHE_SECONDS, 1))
            not_modified = get_conditional_response(request, etag=etag, response=response)
            if not_modified is not None:
                return not_modified
        return response


class StoryViewSet(ConditionalReadOnlyViewSet):
    serializer_class = serializers.StorySerializer
    filterset_class = filters.StoryFilter
    lookup_field = "slug"
    lookup_value_regex = SLUG

    def get_queryset(self):
        return Story.objects.published().order_by("-published_at", "-pk")


class UpdateViewSet(ConditionalReadOnlyViewSet):
    serializer_class = serializers.UpdateSerializer
    filterset_class = filters.UpdateFilter

    def get_queryset(self):
        return (
            Update.objects.published().select_related("story")
            .prefetch_related(Prefetch("corrections", queryset=Correction.objects.order_by("corrected_at", "pk")))
        )


class EventViewSet(ConditionalReadOnlyViewSet):
    serializer_class = serializers.EventSerializer
    filterset_class = filters.EventFilter

    def get_queryset(self):
        return Event.objects.published().select_related("story").with_published_participants().prefetch_related(
            published_citations(),
        )


class ActorViewSet(ConditionalReadOnlyViewSet):
    serializer_class = serializers.ActorSerializer
    filterset_class = filters.ActorFilter
    lookup_field = "slug"
    lookup_value_regex = SLUG

    def get_queryset(self):
        return Actor.objects.published().prefetch_related(
            "aliases",
            Prefetch("affiliation", queryset=Actor.objects.published(), to_attr="published_affiliation"),
        )


class ClaimViewSet(ConditionalReadOnlyViewSet):
    serializer_class = serializers.ClaimSerializer
    filterset_class = filters.ClaimFilter

    def get_queryset(self):
        return Claim.objects.published().select_related("story", "claimant").prefetch_related(
            published_citations(),
            Prefetch("status_changes", queryset=ClaimStatusChange.objects.order_by("changed_at", "pk")),
        )


class SourceViewSet(ConditionalReadOnlyViewSet):
    filterset_class = filters.SourceFilter
    lookup_field = "slug"
    lookup_value_regex = SLUG

    def get_serializer_class(self):
        return serializers.SourceDetailSerializer if self.action == "retrieve" else serializers.SourceSerializer

    def get_queryset(self):
        queryset = Source.objects.published()
        return queryset if self.action == "retrieve" else queryset.defer("text")


class SchemaView(SpectacularAPIView):
    """The OpenAPI document. There is one API version: asking for another is a 400, not a
    document whose version (and download file name header) is whatever the query said."""

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        version = request.GET.get("version")
        if version not in (None, "", spectacular_settings.VERSION):
            return Response(
                {"detail": f"This API has one version, {spectacular_settings.VERSION}; leave out ?version= or ask for it."},
                status=400,
            )
        return super().get(request, *args, **kwargs)
