"""Indexes in the API's listing order (newest published first), so a page of a story's claims,
events or updates walks an index and stops at the page's end instead of sorting the story."""

from django.conf import settings
from django.db import migrations, models


def refresh_sqlite_statistics(apps, schema_editor):
    """SQLite plans with the statistics ANALYZE left, which know nothing of an index made since:
    with them, it kept sorting every claim of the story. A database never analysed has none and
    gets none here (its plans are chosen without them, as before)."""
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return
        for table in ("stories_claim", "stories_event", "stories_update", "stories_source"):
            cursor.execute(f"ANALYZE {table}")


class Migration(migrations.Migration):

    dependencies = [
        ('stories', '0019_postgresql_search_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='event',
            name='event_publication_idx',
        ),
        migrations.RemoveIndex(
            model_name='source',
            name='source_publish_idx',
        ),
        migrations.RemoveIndex(
            model_name='update',
            name='update_publication_idx',
        ),
        migrations.AddIndex(
            model_name='claim',
            index=models.Index(fields=['review_state', 'published_at', 'id'], name='claim_listing_idx'),
        ),
        migrations.AddIndex(
            model_name='claim',
            index=models.Index(fields=['story', 'published_at', 'id'], name='claim_story_listing_idx'),
        ),
        migrations.AddIndex(
            model_name='event',
            index=models.Index(fields=['published_at', 'id', 'status'], name='event_publication_idx'),
        ),
        migrations.AddIndex(
            model_name='event',
            index=models.Index(fields=['story', 'published_at', 'id'], name='event_story_listing_idx'),
        ),
        migrations.AddIndex(
            model_name='source',
            index=models.Index(fields=['published_at', 'id', 'status'], name='source_publish_idx'),
        ),
        migrations.AddIndex(
            model_name='update',
            index=models.Index(fields=['published_at', 'id', 'status'], name='update_publication_idx'),
        ),
        migrations.AddIndex(
            model_name='update',
            index=models.Index(fields=['story', 'published_at', 'id'], name='update_story_listing_idx'),
        ),
        migrations.RunPython(refresh_sqlite_statistics, migrations.RunPython.noop),
    ]
