"""The page a desk user sees when the desk refuses them: in the desk's style, saying what they
tried, why, whom to ask, and the way back. Readers' pages keep Django's plain 403."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.models import Group
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import defaults

EDITORS_GROUP = "Editor"
PAGES = {"stories_claim_review": "open the review queue"}
VIEWS = {
    "changelist": "open the list of {plural}",
    "add": "add {a} {name}",
    "change": "open this {name}",
    "delete": "delete this {name}",
    "history": "read this {name}'s history",
}


def what_they_tried(request) -> str:
    """The attempt in words, from the admin URL's name ("delete this update")."""
    match = request.resolver_match
    name = match.url_name if match else ""
    if name in PAGES:
        return PAGES[name]
    for view, words in VIEWS.items():
        if name.endswith(f"_{view}"):
            model = next((m for m in admin.site._registry
                          if name == f"{m._meta.app_label}_{m._meta.model_name}_{view}"), None)
            if model is not None:
                verbose = str(model._meta.verbose_name)
                return words.format(plural=model._meta.verbose_name_plural, name=verbose,
                                    a="an" if verbose[0] in "aeiou" else "a")
    return "open this page"


def way_back(request) -> str:
    """Where "Go back" leads: the page they came from on this site, else the desk's front page."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure()):
        return referer
    return reverse("admin:index")


def permission_denied(request, exception=None, template_name="403.html"):
    """handler403: a desk page for staff refused inside admin, Django's default elsewhere."""
    try:
        in_admin = request.path.startswith(reverse("admin:index"))
    except NoReverseMatch:
        in_admin = False
    user = getattr(request, "user", None)
    if not (in_admin and user is not None and user.is_active and user.is_staff):
        return defaults.permission_denied(request, exception, template_name)
    reason = str(exception) if exception and str(exception) else ""
    editors = Group.objects.filter(name=EDITORS_GROUP).values_list("user__username", flat=True)
    response = TemplateResponse(request, "admin/403.html", {
        **admin.site.each_context(request),
        "title": "This page is for editors",
        "attempt": what_they_tried(request),
        "reason": reason,
        "editors": [name for name in editors.order_by("user__username")[:5] if name],
        "back": way_back(request),
    }, status=403)
    return response.render()
