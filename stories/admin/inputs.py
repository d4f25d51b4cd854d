"""What the desk accepts in a URL before any admin view runs.

Django admin turns most bad query strings into its "?e=1" page, but some reach the ORM or the
calendar unchecked and end in a 500: an id that is not a number (or is larger than any column
holds), a date drill-down year whose next year does not exist (9999), a NUL character (which
PostgreSQL refuses in any text it compares), a prefilled add form naming a story "abc". Every
model admin mixes in `CheckedInputs`, so each of these is a 400 that says which value is wrong,
on SQLite and PostgreSQL alike, before the view (or the database) sees it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpResponseBadRequest
from django.urls import URLPattern

# The largest value of a BigAutoField, the widest id column any model here has.
MAX_ID = 2**63 - 1
# A drill-down year asks for [year, year + 1): the last year with a next one is 9998.
FIRST_YEAR, LAST_YEAR = 1, 9998
# URL parts that name a row: the change, history and delete views' object, a revision, a source.
ID_KWARGS = ("object_id", "version_id", "pk")


class BadInput(ValueError):
    """A request value the desk refuses; the message names the parameter and what it should be."""


def check_id(value: str, *, name: str, pk_field: models.Field | None = None) -> None:
    """Refuse a value that no row could have as its primary key."""
    if pk_field is not None and not isinstance(pk_field, (models.AutoField, models.IntegerField)):
        try:
            pk_field.to_python(value)
        except ValidationError:
            raise BadInput(f"{name} {value[:40]!r} is not an id.") from None
        return
    if not (value.isascii() and value.isdigit() and 0 < int(value) <= MAX_ID):
        raise BadInput(f"{name} {value[:40]!r} is not an id: ids are whole numbers from 1 to {MAX_ID}.")


def check_no_nul(pairs: Iterable[tuple[str, list[str]]]) -> None:
    for key, values in pairs:
        if "\x00" in key or any("\x00" in value for value in values):
            raise BadInput(f"The parameter {key[:40]!r} holds a NUL character, which no stored text can contain.")


def check_date_drill_down(field: str, query) -> None:
    """The date hierarchy's year, month and day: numbers the calendar can hold."""
    bounds = {"year": (FIRST_YEAR, LAST_YEAR), "month": (1, 12), "day": (1, 31)}
    for part, (low, high) in bounds.items():
        name = f"{field}__{part}"
        for value in query.getlist(name):
            if not (value.isascii() and value.isdigit() and low <= int(value) <= high):
                raise BadInput(f"{name} must be a whole number from {low} to {high}, not {value[:40]!r}.")


def check_prefilled_links(model: type[models.Model], query) -> None:
    """An add form's `?story=3` or `?claims=1,2`: each value must be a possible id of its row."""
    for field in model._meta.get_fields():
        if not (field.concrete and field.is_relation and field.name in query):
            continue
        for value in query.getlist(field.name):
            for part in value.split(",") if field.many_to_many else [value]:
                check_id(part, name=field.name, pk_field=field.related_model._meta.pk)


class CheckedInputs:
    """A ModelAdmin mixin: every view of the model's admin checks its URL and query first."""

    @property
    def urls(self):
        return [self._checked_pattern(pattern) for pattern in super().urls]

    def _checked_pattern(self, pattern):
        if isinstance(pattern, URLPattern):
            pattern.callback = self._checked_view(pattern.callback)
        return pattern

    def _checked_view(self, view):
        @functools.wraps(view)
        def checked(request, *args, **kwargs):
            # Signed-out visitors are sent to sign in as before: they learn nothing from a 400.
            if self.admin_site.has_permission(request):
                # simple-history's revision view takes (object_id, version_id) as positional groups.
                named = {**dict(zip(("object_id", "version_id"), args)), **kwargs}
                try:
                    self.check_request(request, named)
                except BadInput as refused:
                    return HttpResponseBadRequest(str(refused), content_type="text/plain; charset=utf-8")
            return view(request, *args, **kwargs)

        return checked

    def check_request(self, request, kwargs: dict) -> None:
        check_no_nul(request.GET.lists())
        for name in ID_KWARGS:
            if name in kwargs:
                pk_field = self.model._meta.pk if name == "object_id" else None
                check_id(unquote(str(kwargs[name])), name="The id" if name == "object_id" else name, pk_field=pk_field)
        if self.date_hierarchy:
            check_date_drill_down(self.date_hierarchy, request.GET)
        check_prefilled_links(self.model, request.GET)

    def get_search_results(self, request, queryset, search_term):
        # Autocomplete searches arrive here without passing through the checks above. No stored
        # text holds a NUL (the desk's forms refuse one), so such a term matches nothing.
        if "\x00" in search_term:
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)
