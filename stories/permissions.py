"""Who may change what on the desk, and what may go out to readers.

Reporters draft and propose; editors publish, schedule, unpublish, verify, review and merge.
`check_desk_change()` is what every admin path (change form, list_editable, bulk action, revert)
and every service asks before it writes, so hiding a button is never the only thing stopping a
reporter.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

from django.utils import timezone

from .models import (
    Citation,
    Claim,
    Event,
    PublicationStatus,
    Publishable,
    ReviewState,
    Source,
    Update,
    VerificationStatus,
)


def can_publish(user, model: type[Publishable] | Publishable) -> bool:
    """Whether `user` may publish, schedule and unpublish rows of this model (editors)."""
    return user.has_perm(f"stories.publish_{model._meta.model_name}")


def can_verify(user) -> bool:
    return user.has_perm("stories.verify_claim")


def can_review(user) -> bool:
    return user.has_perm("stories.review_claim")


def can_merge_actors(user) -> bool:
    return user.has_perm("stories.merge_actors")


def can_change(user, obj: Publishable) -> bool:
    """Reporters edit drafts; published work (live or scheduled) is changed only by those who may publish it.

    A published update's words are changed by a correction, which needs `correct_update` as well.
    """
    if obj.pk is None or obj.status == PublicationStatus.DRAFT:
        return True
    if isinstance(obj, Update):
        return can_publish(user, obj) and user.has_perm("stories.correct_update")
    return can_publish(user, obj)


def can_delete(user, obj: Publishable) -> bool:
    """Published work is never deleted from under readers: it is unpublished first (keeping its history)."""
    return obj.status == PublicationStatus.DRAFT


def publish_blockers(obj: Publishable, *, citations=None, check_citations: bool = True) -> list[str]:
    """Why `obj` cannot be published as it stands (empty when it can).

    A claim or an event needs its citations: `citations` are the ones it will have (an admin
    form passes those it is about to save); by default its stored ones. `check_citations=False`
    is for a caller that checks them itself with the rows it is about to save.
    """
    problems = []
    if isinstance(obj, Claim):
        if obj.review_state != ReviewState.ACCEPTED:
            problems.append("Only an accepted claim can be published; review the candidate first.")
        if obj.story_id is None:
            problems.append("A claim needs a story before it can be published.")
    if isinstance(obj, Claim | Event) and check_citations:
        problems += citation_blockers(obj, stored_citations(obj) if citations is None else citations)
    for image, alt in (("lead_image", "lead_image_alt"), ("photo", "photo_alt"), ("image", "image_alt")):
        if getattr(obj, image, None) and not getattr(obj, alt, "").strip():
            problems.append("Describe the image in its alt text before publishing.")
    return problems


def stored_citations(obj: Claim | Event) -> list[Citation]:
    if obj.pk is None:
        return []
    return list(obj.citations.select_related("source").defer("source__text"))


def citation_blockers(obj: Claim | Event, citations) -> list[str]:
    """The rule behind "every claim a reader sees rests on the words of a source": at least one
    citation whose words are still in a source readers can see (by the time `obj` comes out)."""
    goes_out = max(obj.published_at or timezone.now(), timezone.now())
    for citation in citations:
        source = citation.source
        if (
            citation.counts_as_reporting
            and source.status == PublicationStatus.PUBLISHED and source.published_at is not None
            and source.published_at <= goes_out
        ):
            return []
    kind = obj._meta.verbose_name
    if any(not c.is_stale and c.source.status != PublicationStatus.PUBLISHED for c in citations):
        return [f"This {kind} cites only unpublished sources: publish the source first, so readers can see the words."]
    return [f"Cite the exact words of a source before publishing this {kind}: readers see every {kind} "
            "with the words it rests on."]


def unpublish_blockers(obj: Publishable) -> list[str]:
    """Why taking `obj` off the site would leave readers a claim or event without its words (a
    source that the only readable citation of a published claim or event is in)."""
    if not isinstance(obj, Source):
        return []
    stranded = []
    for model in (Claim, Event):
        for parent in model.objects.filter(status=PublicationStatus.PUBLISHED, citations__source=obj).distinct():
            if citation_blockers(parent, [c for c in stored_citations(parent) if c.source_id != obj.pk]):
                stranded.append(f"“{parent}”")
    if not stranded:
        return []
    return [f"Readers would be left with {len(stranded)} published claim{'s' if len(stranded) != 1 else ''} "
            f"or event{'s' if len(stranded) != 1 else ''} resting on this source alone: {'; '.join(stranded[:5])}"
            f"{' …' if len(stranded) > 5 else ''}. Cite another source for them, or unpublish them first."]


def check_citation_removal(*, before: Citation | None, after: Citation | None) -> None:
    """Refuse to take away the last citation a published claim or event rests on (deleting it,
    moving it elsewhere or marking it as contradicting): unpublish it first, or cite another source."""
    if not isinstance(before, Citation):
        return
    for parent in parents_of(before):
        if parent.status != PublicationStatus.PUBLISHED:
            continue
        remaining = [c for c in stored_citations(parent) if c.pk != before.pk]
        if after is not None and any(p.pk == parent.pk and type(p) is type(parent) for p in parents_of(after)):
            remaining.append(after)
        if citation_blockers(parent, remaining):
            raise ValidationError(
                f"“{parent}” is published and rests on this citation alone: add another citation "
                f"first, or unpublish the {parent._meta.verbose_name}."
            )


def _publication_changed(before: Publishable | None, after: Publishable) -> bool:
    if before is None:
        return after.status == PublicationStatus.PUBLISHED
    if before.status != after.status:
        return True
    return after.status == PublicationStatus.PUBLISHED and before.published_at != after.published_at


def check_desk_change(*, user, before: Publishable | None, after: Publishable, check_citations: bool = True) -> None:
    """Raise PermissionDenied if `user` may not turn `before` (None when adding) into `after`.

    Raise ValidationError if the change is allowed but `after` cannot be published as it stands.
    """
    if before is not None and not can_change(user, before):
        raise PermissionDenied(
            f"This {after._meta.verbose_name} is published: only an editor can change it."
        )
    if _publication_changed(before, after):
        if not can_publish(user, after):
            raise PermissionDenied(
                f"Only an editor can publish, schedule or unpublish a {after._meta.verbose_name}; "
                "save it as a draft and an editor will publish it."
            )
        if after.status == PublicationStatus.PUBLISHED and (
            problems := publish_blockers(after, check_citations=check_citations)
        ):
            raise ValidationError(problems)
        if before is not None and before.is_published() and not after.is_published() and (
            problems := unpublish_blockers(after)
        ):
            raise ValidationError(problems)
    if isinstance(after, Claim):
        old_status = before.verification_status if before else VerificationStatus.UNREVIEWED
        if after.verification_status != old_status and not can_verify(user):
            raise PermissionDenied("Only an editor can set a claim's verification status.")
        old_review = before.review_state if before else ReviewState.ACCEPTED
        if after.review_state != old_review and not can_review(user):
            raise PermissionDenied("Only an editor can accept or reject candidate claims.")


def possible_authors(user):
    """Whom `user` may name as an update's author: editors anyone on the desk, others themselves."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(is_active=True, is_staff=True).order_by("first_name", "last_name", "username")
    if can_publish(user, Update):
        return users
    return users.filter(pk=user.pk)


def can_preview(user, obj) -> bool:
    """Preview links show drafts: only to desk staff who may view that kind of row."""
    return (
        user.is_authenticated and user.is_active and user.is_staff
        and user.has_perm(f"{obj._meta.app_label}.view_{obj._meta.model_name}")
    )


def require(allowed: bool, message: str) -> None:
    """Refuse with `message` unless `allowed`: services check roles themselves, whoever calls them."""
    if not allowed:
        raise PermissionDenied(message)


# --- Rows readers see through a parent --------------------------------------------------------

# A citation, a participation, an alias, a correction or a mention is part of what readers see
# of its parent: changing it changes a published claim, event, actor, update or source.
PARENTS = {
    "citation": ("claim", "event"),
    "eventparticipation": ("event",),
    "actoralias": ("actor",),
    "correction": ("update",),
    "mention": ("source", "actor"),
}


def parents_of(obj) -> list[Publishable]:
    """The publishable rows readers see `obj` through (empty for a row that stands alone)."""
    if obj is None:
        return []
    names = PARENTS.get(obj._meta.model_name, ())
    return [parent for name in names if (parent := getattr(obj, name, None)) is not None]


def is_child_row(model) -> bool:
    return model._meta.model_name in PARENTS


def can_change_child(user, obj) -> bool:
    """Whether `user` may add, change or delete `obj` as it stands: only if they may change every
    parent it belongs to (a reporter's rows under drafts; an editor's anywhere)."""
    return all(can_change(user, parent) for parent in parents_of(obj))


def check_child_change(*, user, before, after) -> None:
    """Raise PermissionDenied unless `user` may turn `before` (None when adding) into `after`
    (None when deleting): moving a row between parents needs the right on both. Raise
    ValidationError if it would leave a published claim or event without a citation."""
    for row in (before, after):
        for parent in parents_of(row):
            if not can_change(user, parent):
                kind = (after or before)._meta.verbose_name
                raise PermissionDenied(
                    f"This {kind} belongs to the published {parent._meta.verbose_name} “{parent}”: "
                    "only an editor can change it."
                )
    if isinstance(before, Citation):
        check_citation_removal(before=before, after=after)
