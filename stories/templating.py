"""The Jinja2 environment reader pages are rendered with (settings.TEMPLATES; admin stays on
Django's engine).

Jinja2 compiles each template to a Python function once per process: the Django engine was more
than a third of a story page rendered with every cache empty (see README, Performance).
Autoescaping is on; markup comes only from stories/markup.py, built from escaped pieces.
The engine (`Jinja2`, settings.TEMPLATES) is Django's, with one change: the cached fragments a
render makes are stored together as it ends (markup.fragments_written_together).
"""

from __future__ import annotations

from functools import lru_cache

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import defaultfilters
from django.template.backends import jinja2 as jinja2_backend
from django.templatetags.static import static
from jinja2 import Environment

from . import markup
from .addresses import address
from .structured_data import json_ld
from .timeline import lay_out


@lru_cache(maxsize=256)
def static_url(path: str) -> str:
    """static(path), asked of the storage once per path: the hashed name comes from the manifest,
    read when the process starts, and Django fixes STATIC_URL (its script prefix included) at its
    first read, so neither changes while the process runs; a settings override in tests forgets
    them. The storage's own lookup cost ~20 µs a call, four a page."""
    return static(path)


@receiver(setting_changed)
def _forget_static_urls(*, setting, **kwargs) -> None:
    if setting in {"STATIC_URL", "STATIC_ROOT", "STORAGES", "STATICFILES_DIRS", "DEBUG", "FORCE_SCRIPT_NAME"}:
        static_url.cache_clear()


def environment(**options) -> Environment:
    # Template files end in a newline, which Django's engine kept: keeping it too leaves the
    # markup (and the poll's update HTML) byte for byte as it was.
    env = Environment(keep_trailing_newline=True, **options)
    env.globals.update(
        url=address,
        static=static_url,
        json_ld=json_ld,
        timeline_layout=lambda events, story, first_number=1: lay_out(events, story.tzinfo, first_number=first_number),
        cached_fragment=markup.cached_fragment,
        moment=markup.moment,
        day=markup.day,
        display=markup.display,
        event_when=markup.event_when,
        claim_when=markup.claim_when,
        status_badge=markup.status_badge,
        backing_badge=markup.backing_badge,
        claim_speaker=markup.claim_speaker,
        each=markup.each,
        claim_card=markup.claim_card,
        figure_line=markup.figure_line,
        timeline_entry=markup.timeline_entry,
        update_card=markup.update_card,
        update_fragment=markup.update_fragment,
        timeline_chart=markup.timeline_chart,
        source_line=markup.source_line,
        actor_line=markup.actor_line,
        byline=markup.byline,
        citation_role=markup.citation_role,
        picture=markup.picture,
        original_passage_url=markup.original_passage_url,
        excerpt_in_context=markup.excerpt_in_context,
        page_query=markup.page_query,
    )
    env.filters.update(
        quoted=markup.quoted,
        stat_figure=markup.stat_figure,
        truncatewords=defaultfilters.truncatewords,
        linebreaks=lambda value: defaultfilters.linebreaks_filter(value, autoescape=True),
        pluralize=defaultfilters.pluralize,
        yesno=defaultfilters.yesno,
    )
    return env


class Jinja2(jinja2_backend.Jinja2):
    """Django's Jinja2 engine, whose templates store the fragments a render makes together."""

    def from_string(self, template_code):
        return Template(super().from_string(template_code).template, self)

    def get_template(self, template_name):
        return Template(super().get_template(template_name).template, self)


class Template(jinja2_backend.Template):
    def render(self, context=None, request=None):
        with markup.fragments_written_together():
            return super().render(context, request)
