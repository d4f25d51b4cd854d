"""Tags for the desk's admin templates (Django's engine), drawn from the reader pages' markup."""

from django import template

from stories.markup import excerpt_in_context

register = template.Library()
register.simple_tag(excerpt_in_context)
