"""Signed, expiring preview links that let staff see a draft exactly as readers will."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.core import signing
from django.db import models
from django.urls import reverse

SALT = "stories.preview"
PREVIEWABLE = {"stories.story", "stories.update", "stories.event", "stories.claim", "stories.actor", "stories.source"}


def preview_url(obj: models.Model) -> str:
    """Return a signed link to the preview of obj, valid for NEWSROOM_PREVIEW_MAX_AGE seconds."""
    label = obj._meta.label_lower
    if label not in PREVIEWABLE:
        raise ValueError(f"{label} has no preview")
    token = signing.dumps({"m": label, "pk": obj.pk}, salt=SALT, compress=True)
    return reverse("stories:preview", kwargs={"token": token})


def object_for_token(token: str) -> models.Model | None:
    """The object a preview token names, or None if the token is forged, expired or stale."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=settings.NEWSROOM_PREVIEW_MAX_AGE)
    except signing.BadSignature:
        return None
    label = payload.get("m") if isinstance(payload, dict) else None
    if label not in PREVIEWABLE:
        return None
    model = apps.get_model(label)
    return model.objects.filter(pk=payload.get("pk")).first()
