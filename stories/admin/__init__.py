"""The editors' desk: Django admin set up to run a developing story, not to browse tables.

- `base`: what every publishable model's admin shares (roles, locking, story-zone times, publish actions);
- `content`: stories (the desk page), actors, sources, events and updates;
- `claims`: claims, verification and the review queue;
- `records`: citations and the supporting records;
- `forms`: the desk's forms (version check, role check, story-zone times, the span picker);
- `inputs`: the checks every model admin makes on its URL and query before a view runs;
- `accounts`: auth's and django-axes' admins, registered again with those checks;
- `refusals`: the page a reporter sees on an editor-only page (the site's handler403).
"""

from django.contrib import admin

from . import accounts, claims, content, records  # noqa: F401  (each registers its models)

admin.site.site_header = "Newsroom desk"
admin.site.site_title = "Newsroom"
admin.site.index_title = "The desk"
