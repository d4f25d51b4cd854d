"""An index of each story's key events in the timeline's order, so the story page's latest key
events are read from it rather than found by reading the story's events newest first until
enough are key (every event of a story whose key events are old)."""

from importlib import import_module

from django.db import migrations, models

# SQLite plans with the statistics ANALYZE left, which know nothing of an index made since.
refresh_sqlite_statistics = import_module("stories.migrations.0020_api_listing_order_indexes").refresh_sqlite_statistics


class Migration(migrations.Migration):

    dependencies = [
        ('stories', '0020_api_listing_order_indexes'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='event',
            index=models.Index(condition=models.Q(('is_key_event', True)), fields=['story', 'status', 'occurred_at', 'published_at'], name='event_story_key_idx'),
        ),
        migrations.RunPython(refresh_sqlite_statistics, migrations.RunPython.noop),
    ]
