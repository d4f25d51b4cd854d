"""Reader filters for a story's events, claims and updates (django-filter).

A FilterSet only ever narrows the queryset it is given, and the views always give it an
already-published one, so no choice of parameters can reveal a draft. Bad parameters (an invalid
date, an unknown actor, a huge number, an injected string) become form errors: the invalid field
is ignored, the valid ones still apply and the page renders.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.forms.renderers import Jinja2
from django.forms.utils import flatatt

from .markup import select
from .models import Actor, Claim, ClaimKind, Event, Update, UpdateKind, VerificationStatus

DATE_INPUT = forms.DateInput(attrs={"type": "date"})
# A day's bounds are computed in the story's zone and compared in UTC: a day at either end of the
# calendar has a bound no datetime can hold (1 January 0001 in Tokyo starts before year 1 in UTC;
# the day after 31 December 9999 does not exist), so the range stops a day short of each end.
FIRST_DAY, LAST_DAY = date.min + timedelta(days=1), date.max - timedelta(days=1)


def within_the_calendar(value: date) -> None:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValidationError("Enter a date from 2 January 0001 to 30 December 9999.", code="out_of_range")


def _date_filter(label: str, method: str) -> django_filters.DateFilter:
    return django_filters.DateFilter(label=label, method=method, widget=DATE_INPUT, validators=[within_the_calendar])


class DateRangeForm(forms.Form):
    # Jinja2 compiles Django's form templates to functions: rendering the filter form through
    # Django's engine was 27 of the 64 ms of a 10,000-event story's filtered claim list.
    default_renderer = Jinja2()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            # Ignore the impossible range rather than show nothing: the other filters still apply.
            del cleaned["date_from"], cleaned["date_to"]
            raise forms.ValidationError("“From” must be on or before “To”.")
        return cleaned


class PublishedFilterSet(django_filters.FilterSet):
    """Base for reader filters: needs the published queryset, the story's zone and its actors."""

    date_from = _date_filter("From", "filter_date_from")
    date_to = _date_filter("To", "filter_date_to")

    date_field = ""

    def __init__(self, data=None, queryset: QuerySet | None = None, *, tz: ZoneInfo, actors: QuerySet, request=None):
        if queryset is None:
            raise TypeError(f"{type(self).__name__} narrows a published queryset; pass one.")
        super().__init__(data, queryset, request=request)
        self.tz = tz
        for name in ("actor", "claimant"):
            if name in self.filters:
                # What an option and the filter need: a big story lists hundreds of people.
                self.filters[name].queryset = actors.only("slug", "name")

    def _day_start(self, day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=self.tz)

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(**{f"{self.date_field}__gte": self._day_start(value)})

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(**{f"{self.date_field}__lt": self._day_start(value + timedelta(days=1))})

    @property
    def is_filtering(self) -> bool:
        """True when the reader asked for any narrowing (valid or not), so the page says so."""
        return any(self.data.get(name) for name in self.filters)


class LongSelect(forms.Select):
    """A select whose options are written in one pass (the markup of Django's select.html for a
    single choice). Django builds a dict of attributes and renders a template for each option:
    for the 500 people of a 10,000-event story's "Said by" list, 10 of the page's 37 ms."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(item) for item in self.format_value(value)}
        return select(name, flatatt(self.build_attrs(self.attrs, attrs)), self.choices, chosen)


def _actor_filter(label: str, field_name: str = "actor", method: str | None = None):
    return django_filters.ModelChoiceFilter(
        label=label, field_name=field_name, method=method, to_field_name="slug",
        queryset=Actor.objects.none(), empty_label="Anyone", widget=LongSelect,
    )


class EventFilter(PublishedFilterSet):
    actor = _actor_filter("Involving", field_name="actors")
    key = django_filters.BooleanFilter(label="Key events only", method="filter_key", widget=forms.CheckboxInput)

    date_field = "occurred_at"

    class Meta:
        model = Event
        fields = ["actor", "date_from", "date_to", "key"]
        form = DateRangeForm

    def filter_date_from(self, queryset, name, value):
        # A span that began earlier but is still running on that day belongs in the result.
        start = self._day_start(value)
        return queryset.filter(Q(occurred_at__gte=start) | Q(ends_at__gte=start))

    def filter_key(self, queryset, name, value):
        return queryset.filter(is_key_event=True) if value else queryset


class ClaimFilter(PublishedFilterSet):
    claimant = _actor_filter("Said by", field_name="claimant")
    kind = django_filters.ChoiceFilter(label="Kind", choices=ClaimKind.choices, empty_label="Any kind")
    verification_status = django_filters.ChoiceFilter(
        label="Status", choices=VerificationStatus.choices, empty_label="Any status"
    )

    date_field = "made_at"

    class Meta:
        model = Claim
        fields = ["claimant", "kind", "verification_status", "date_from", "date_to"]
        form = DateRangeForm


class UpdateFilter(PublishedFilterSet):
    actor = _actor_filter("About", method="filter_actor")
    kind = django_filters.ChoiceFilter(label="Kind", choices=UpdateKind.choices, empty_label="Any kind")
    key = django_filters.BooleanFilter(
        label="Only updates about a key event", method="filter_key", widget=forms.CheckboxInput,
        help_text="Updates linked to one of the turning points marked on the timeline.",
    )

    date_field = "posted_at"

    class Meta:
        model = Update
        fields = ["actor", "kind", "date_from", "date_to", "key"]
        form = DateRangeForm

    # An update's links count only through claims and events readers can see: otherwise the
    # result would change when a hidden claim or key event is linked, and reveal that it exists.

    def filter_actor(self, queryset, name, value):
        return queryset.filter(
            Q(pk__in=_linked_updates("claims", Claim.objects.published().filter(claimant=value)))
            | Q(pk__in=_linked_updates("events", Event.objects.published().filter(actors=value)))
        )

    def filter_key(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(pk__in=_linked_updates("events", Event.objects.published().filter(is_key_event=True)))


def _linked_updates(link: str, rows: QuerySet) -> QuerySet:
    """Ids of the updates linked (through `link`, "claims" or "events") to any of `rows`."""
    through = getattr(Update, link).through
    return through.objects.filter(**{f"{link[:-1]}__in": rows}).values("update_id")
