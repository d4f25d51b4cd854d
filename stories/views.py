"""Reader pages. Every query starts from a `published()` QuerySet; templates never query on their own."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render

from .models import Actor, Citation, Claim, Event, Source, Story, Update


def _published_citations():
    return Prefetch(
        "citations",
        queryset=Citation.objects.filter(source__in=Source.objects.published()).select_related("source"),
    )


def home(request):
    stories = Story.objects.published().live_first()[:30]
    return render(request, "stories/home.html", {"stories": stories})


def story_detail(request, slug):
    story = get_object_or_404(Story.objects.published(), slug=slug)
    updates = (
        Update.objects.published().filter(story=story).order_by("-is_pinned", "-posted_at", "-pk")[:20]
    )
    events = Event.objects.published().filter(story=story).order_by("occurred_at", "pk")[:200]
    claims = (
        Claim.objects.published().filter(story=story).select_related("claimant")
        .order_by("verification_status", "made_at", "pk")[:200]
    )
    actors = Actor.objects.published().filter(events__in=Event.objects.published().filter(story=story)).distinct()
    return render(request, "stories/story_detail.html", {
        "story": story, "updates": updates, "events": events, "claims": claims, "actors": actors,
    })


def update_detail(request, slug, pk):
    update = get_object_or_404(Update.objects.published().select_related("story"), story__slug=slug, pk=pk)
    return render(request, "stories/update_detail.html", {"story": update.story, "update": update})


def event_detail(request, slug, pk):
    event = get_object_or_404(
        Event.objects.published().select_related("story").prefetch_related(_published_citations()),
        story__slug=slug, pk=pk,
    )
    return render(request, "stories/event_detail.html", {"story": event.story, "event": event})


def actor_detail(request, slug):
    actor = get_object_or_404(Actor.objects.published().select_related("affiliation__affiliation"), slug=slug)
    claims = Claim.objects.published().filter(claimant=actor).select_related("story")
    events = Event.objects.published().filter(actors=actor).select_related("story")
    return render(request, "stories/actor_detail.html", {"actor": actor, "claims": claims, "events": events})


def claim_detail(request, pk):
    claim = get_object_or_404(
        Claim.objects.published().select_related("story", "claimant").prefetch_related(_published_citations()),
        pk=pk,
    )
    return render(request, "stories/claim_detail.html", {"story": claim.story, "claim": claim})


def source_detail(request, slug):
    source = get_object_or_404(Source.objects.published(), slug=slug)
    return render(request, "stories/source_detail.html", {"source": source})
