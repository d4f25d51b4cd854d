"""Story tallies: how many updates, events and claims of each story are published, kept by
database triggers (see stories/tallies.py), and the indexes that find a story's rows still
scheduled for later.

The installer is the app's own, idempotent function: post_migrate runs it again after every
migrate and counts every tally afresh, so tables rebuilt by later migrations stay covered.
"""

from django.db import migrations, models


def install(apps, schema_editor):
    from stories.tallies import install_tallies

    install_tallies(schema_editor.connection)


def remove(apps, schema_editor):
    from stories.tallies import remove_tallies

    remove_tallies(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("stories", "0014_source_listed_order")]

    operations = [
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(fields=["story", "status", "published_at"], name="claim_story_scheduled_idx"),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(fields=["story", "status", "published_at"], name="event_story_scheduled_idx"),
        ),
        migrations.AddIndex(
            model_name="update",
            index=models.Index(fields=["story", "status", "published_at"], name="update_story_scheduled_idx"),
        ),
        migrations.RunPython(install, remove),
    ]
