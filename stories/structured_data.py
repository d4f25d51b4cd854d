"""schema.org JSON-LD for search engines and aggregators, built as plain dicts from published rows.

Templates emit them with `json_ld(data)`, which escapes the JSON so nothing an editor or a source
typed can close the script element.
"""

from __future__ import annotations

import json
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from .models import Actor, ActorKind, Claim, Story, Update, VerificationStatus, corrections_of

# How a verdict maps onto ClaimReview's 1 (false) … 5 (true) scale; unreviewed and unverified
# claims have no verdict and get no ClaimReview.
VERDICT_RATINGS = {
    VerificationStatus.CORROBORATED: 5,
    VerificationStatus.DISPUTED: 3,
    VerificationStatus.INACCURATE: 2,
    VerificationStatus.RETRACTED: 1,
}


# The same escapes as django.utils.html.json_script: inside <script>, "<", ">" and "&" are
# written as JSON \u escapes, so "</script>" or "<!--" in a headline stays inert text.
_SCRIPT_SAFE = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def json_ld(data) -> SafeString:
    """A JSON-LD script element that no string in `data` can break out of."""
    if not data:
        return SafeString("")
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_SAFE)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _absolute(build_uri, path: str) -> str:
    return build_uri(path) if build_uri else path


def _compact(data: dict) -> dict:
    return {key: value for key, value in data.items() if value not in (None, "", [])}


def blog_update(update: Update, *, build_uri=None) -> dict:
    """One liveBlogUpdate item: a BlogPosting with its corrections (prefetch `corrections`)."""
    data = {
        "@type": "BlogPosting",
        "@id": _absolute(build_uri, update.get_absolute_url()),
        "url": _absolute(build_uri, update.get_absolute_url()),
        "headline": update.headline[:110],
        "articleBody": update.body,
        "datePublished": _iso(update.published_at),
        "dateModified": _iso(update.last_changed_for_readers()),
    }
    corrections = [
        {"@type": "CorrectionComment", "text": c.note, "datePublished": _iso(c.corrected_at)}
        for c in corrections_of(update)
    ]
    if corrections:
        data["correction"] = corrections
    return data


def story_json_ld(story: Story, updates=(), *, build_uri=None, now: datetime | None = None) -> dict:
    """LiveBlogPosting while coverage runs (or ran) live, NewsArticle otherwise.

    `updates` are the story's published updates, newest first, corrections prefetched.
    """
    now = now or timezone.now()
    updates = list(updates)
    modified = max([story.published_at, story.updated_at, *(u.last_changed_for_readers() for u in updates)])
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "@id": _absolute(build_uri, story.get_absolute_url()),
        "url": _absolute(build_uri, story.get_absolute_url()),
        "mainEntityOfPage": _absolute(build_uri, story.get_absolute_url()),
        "headline": story.title[:110],
        "description": story.standfirst,
        "datePublished": _iso(story.published_at),
        "dateModified": _iso(modified),
    }
    if story.lead_image:
        data["image"] = [_absolute(build_uri, story.lead_image.url)]
    data = _compact(data)
    if story.is_live or story.coverage_start:
        data["@type"] = "LiveBlogPosting"
        data["coverageStartTime"] = _iso(story.coverage_start or story.published_at)
        if story.coverage_end:
            data["coverageEndTime"] = _iso(story.coverage_end)
        data["liveBlogUpdate"] = [blog_update(u, build_uri=build_uri) for u in updates]
    return data


def actor_json_ld(actor: Actor, *, build_uri=None) -> dict:
    """Person for people; Organization (GovernmentOrganization for public bodies) for the rest."""
    kind = {
        ActorKind.PERSON: "Person",
        ActorKind.GOVERNMENT_BODY: "GovernmentOrganization",
        ActorKind.COUNTRY: "Country",
    }.get(actor.kind, "Organization")
    data = {
        "@context": "https://schema.org",
        "@type": kind,
        "@id": _absolute(build_uri, actor.get_absolute_url()),
        "name": actor.name,
        "url": _absolute(build_uri, actor.get_absolute_url()),
        "description": actor.bio,
        "alternateName": sorted(alias.alias for alias in actor.aliases.all() if alias.alias != actor.name),
    }
    # An unpublished affiliation is not named, exactly as on the page.
    affiliation = actor.affiliation if actor.affiliation_id and actor.affiliation.is_published() else None
    if actor.kind == ActorKind.PERSON:
        data["jobTitle"] = actor.role_title
        if affiliation:
            data["affiliation"] = _organization_ref(affiliation, build_uri)
    elif affiliation:
        data["parentOrganization"] = _organization_ref(affiliation, build_uri)
    return _compact(data)


def _organization_ref(actor: Actor, build_uri) -> dict:
    return {"@type": "Organization", "name": actor.name, "url": _absolute(build_uri, actor.get_absolute_url())}


def claim_review_json_ld(claim: Claim, *, build_uri=None, publisher_name: str = "Newsroom") -> dict | None:
    """A ClaimReview for a claim an editor has given a verdict, else None."""
    rating = VERDICT_RATINGS.get(claim.verification_status)
    if rating is None:
        return None
    author = None
    claimant = claim.visible_claimant
    if claimant is not None:
        author = {
            "@type": "Person" if claimant.kind == ActorKind.PERSON else "Organization",
            "name": claimant.name,
        }
    elif claim.claimant_description:
        author = {"@type": "Person", "name": claim.claimant_description}
    return _compact({
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": _absolute(build_uri, claim.get_absolute_url()),
        "claimReviewed": claim.text,
        "datePublished": _iso(claim.reviewed_at or claim.published_at),
        "author": {"@type": "Organization", "name": publisher_name},
        "itemReviewed": _compact({
            "@type": "Claim",
            "author": author,
            "datePublished": _iso(claim.made_at),
        }),
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": rating,
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": claim.get_verification_status_display(),
        },
    })
